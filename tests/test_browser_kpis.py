"""A KPI's life in a real browser: from a template, a week of data, a breach, a response,
and the KPI becomes a key result."""

import datetime as dt

import pytest

from tests.conftest import verified
from waypoint.kpis.models import DataPoint, Deviation, Kpi
from waypoint.okrs import services as okr
from waypoint.okrs.models import KeyResult

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(db, django_user_model):
    from waypoint.workspaces import services as ws_services

    user = verified(
        django_user_model.objects.create_user(
            email="olivia@acme.test", password="a-Long-pass-2026", full_name="Olivia Owner"
        )
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=user, actor=user)
    today = dt.date.today()
    cycle = okr.cycle_create(
        workspace=ws,
        name="Now",
        start=today - dt.timedelta(days=40),
        end=today + dt.timedelta(days=50),
        actor=user,
    )
    okr.cycle_set_current(cycle=cycle, actor=user)
    objective = okr.objective_create(
        workspace=ws,
        cycle=cycle,
        title="Support that delights",
        why="Slow answers cost renewals",
        actor=user,
    )
    return {"user": user, "objective": objective}


def test_a_kpi_from_template_to_key_result(page, live_server, setup):
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "olivia@acme.test")
    page.fill("input[name=password]", "a-Long-pass-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # From the catalogue: the seed's average response time, thresholds prefilled.
    page.goto(base + "/w/acme/kpis/templates/")
    with page.expect_navigation():
        page.click("a[data-template=response_time]")
    assert page.input_value("input[name=name]") == "Average response time"
    assert page.input_value("input[name=warning]") == "4"
    page.fill("input[name=process]", "Customer support")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    kpi = Kpi.objects.get()
    assert f"/kpis/{kpi.pk}/" in page.url

    # A week of data, pasted from a spreadsheet: previewed, then imported.
    today = dt.date.today()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    hours = [3, 4, 5, 6, 5, 4, 6]  # the week's average: 4.71 h, past the 4 h warning
    rows = "\n".join(
        f"{(monday + dt.timedelta(days=i)).isoformat()}\t{h}" for i, h in enumerate(hours)
    )
    page.fill("textarea[name=text]", rows)
    with page.expect_navigation():
        page.click("button[data-action=paste]")
    assert DataPoint.objects.count() == 0  # a preview writes nothing
    with page.expect_navigation():
        page.click("button[data-action=confirm-import]")
    assert DataPoint.objects.filter(kpi=kpi).count() == 7

    # The breach became a deviation; the owner is alerted.
    deviation = Deviation.objects.get(kpi=kpi)
    assert deviation.is_open and deviation.level == "warning"
    assert page.locator("#deviations .deviation.open").count() == 1
    assert page.locator(".alerts-link .badge").inner_text() == "1"
    page.wait_for_selector("[data-vega-spec][data-rendered] svg", timeout=15000)

    # The response, from seed 002.
    form = page.locator("#deviations form")
    form.locator("input[value=improve_process]").check()
    form.locator("textarea").fill("Triage rota in the mornings")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    deviation.refresh_from_db()
    assert deviation.response == "improve_process"
    assert "Triage rota" in page.locator("#deviations").inner_text()

    # And the KPI becomes a key result of the support objective.
    page.select_option("select[name=objective]", label="Support that delights")
    with page.expect_navigation():
        page.click("button[data-action=promote]")
    kr = KeyResult.objects.get(kpi=kpi)
    assert kr.objective == setup["objective"]
    assert (kr.type, kr.target) == ("decrease", 2)
    assert kr.start == pytest.approx(33 / 7)
    assert "/edit/" in page.url and kr.title in page.content()
