"""Data sources in a real browser: a KPI connected to an HTTP JSON API (a local server) fills
itself; a catch hook's address, shown once, takes a post; the pages fit a phone."""

import datetime as dt
import json
import os

import pytest

from tests.conftest import verified
from waypoint.connectors.models import Pull, Source
from waypoint.kpis.models import DataPoint, Kpi

pytestmark = [pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("WAYPOINT_SCREENSHOTS")  # a folder: the test leaves its screenshots


@pytest.fixture
def setup(db, django_user_model):
    from waypoint.workspaces import services as ws_services

    user = verified(
        django_user_model.objects.create_user(
            email="olivia@acme.test", password="a-Long-pass-2026", full_name="Olivia Owner"
        )
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=user, actor=user)
    owner = ws.members.get()
    visitors = Kpi.objects.create(workspace=ws, name="Site visitors", owner=owner, warning=100)
    leads = Kpi.objects.create(workspace=ws, name="Leads from Zapier", owner=owner)
    return {"visitors": visitors, "leads": leads}


def shoot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_kpi_fills_from_an_api_and_a_catch_hook(page, live_server, setup, vendor):
    today = dt.date.today()
    rows = [
        {"date": (today - dt.timedelta(days=i)).isoformat(), "value": 120 + i} for i in range(14)
    ]
    vendor.route("GET", "/analytics")(lambda req: (200, {"data": {"rows": rows}}))
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "olivia@acme.test")
    page.fill("input[name=password]", "a-Long-pass-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # From the KPI page: connect, choose HTTP JSON, fill it in; the worker pulls at once.
    page.goto(f"{base}/w/acme/kpis/{setup['visitors'].pk}/")
    with page.expect_navigation():
        page.click("[data-connect]")
    shoot(page, "sources-choose")
    with page.expect_navigation():
        page.click("tr[data-kind=http_json] a")
    page.fill("input[name=url]", vendor.url + "/analytics")
    page.fill("input[name=path]", "$.data.rows[*]")
    page.fill("textarea[name=headers]", "Authorization: Bearer sk-browser-secret")
    with page.expect_navigation():
        page.click("#source-form button[type=submit]")
    assert "/w/acme/sources/" in page.url
    page.wait_for_selector("#pulls tr.pull-ok")
    assert "sk-browser-secret" not in page.content()
    assert page.locator("button[value=pull]").count() == 1  # pulled, not posted to
    assert page.locator("button[value=hook]").count() == 0
    shoot(page, "sources-source")
    assert DataPoint.objects.filter(kpi=setup["visitors"]).count() == 14
    assert vendor.calls("/analytics")[0].headers["authorization"] == "Bearer sk-browser-secret"
    page.goto(f"{base}/w/acme/kpis/{setup['visitors'].pk}/")
    assert page.locator("[data-source-link]").inner_text() == "HTTP JSON"

    # A catch hook: its address is shown once; a post fills the KPI.
    page.goto(f"{base}/w/acme/sources/new/?kpi={setup['leads'].pk}&kind=catch_hook")
    with page.expect_navigation():
        page.click("#source-form button[type=submit]")
    address = page.input_value("[data-hook-url]")
    assert address.startswith(base + "/hooks/catch/")
    shoot(page, "sources-hook")
    answer = page.request.post(
        address,
        data=json.dumps({"date": today.isoformat(), "value": 17}),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 200 and answer.json() == {"recorded": 1}
    assert DataPoint.objects.get(kpi=setup["leads"]).value == 17
    page.reload()
    assert not page.locator("[data-hook-url]").count()  # shown once
    assert page.locator("button[value=hook]").count() == 1
    assert page.locator("#pulls tr.pull-ok").count() == 1
    assert Pull.objects.filter(via="hook").count() == 1

    # The pages fit a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (
        f"/w/acme/sources/{Source.objects.get(kpi=setup['visitors']).pk}/",
        "/w/acme/sources/",
        f"/w/acme/sources/new/?kpi={setup['visitors'].pk}&kind=github",
    ):
        page.goto(base + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    shoot(page, "sources-phone")


def test_a_dashboard_draws_its_funnel_and_its_shared_wallboard(page, live_server, setup):
    from playwright.sync_api import expect

    from waypoint.kpis import services as kpis
    from waypoint.reports import dashboards, services
    from waypoint.workspaces.models import Workspace

    ws = Workspace.objects.get(slug="acme")
    process = kpis.process_ensure(workspace=ws, name="Marketing funnel", actor=None)
    day = ws.today() - dt.timedelta(days=1)
    for position, (stage, value) in enumerate(
        [("Visitors", 1000), ("Leads", 250), ("Customers", 50)]
    ):
        kpi = kpis.kpi_create(
            workspace=ws,
            name=f"{stage} a day",
            frequency="daily",
            process=process,
            stage=stage,
            stage_position=position,
            actor=None,
        )
        kpis.data_points_record(
            kpi=kpi, rows=[(day - dt.timedelta(days=d), value + d) for d in range(10)], actor=None
        )
    board = dashboards.dashboard_save(
        workspace=ws,
        actor=None,
        name="Client board",
        blocks=[
            {"type": "funnel", "process": process.pk},
            {"type": "kpi", "kpi": kpi.pk},
            {"type": "text", "text": "The funnel first."},
        ],
    )
    link = services.dashboard_link_create(workspace=ws, days=7, actor=None, dashboard=board)
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "olivia@acme.test")
    page.fill("input[name=password]", "a-Long-pass-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(f"{base}/w/acme/dashboards/{board.pk}/")
    funnel = page.locator("[data-funnel]")
    expect(funnel).to_have_attribute("data-rendered", "1", timeout=20_000)
    assert funnel.locator("svg .mark-rect path").count() == 3  # one bar a stage
    expect(page.locator("#block-1 .chart")).to_have_attribute("data-rendered", "1", timeout=20_000)
    shoot(page, "dashboard-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("[data-funnel]")).to_have_attribute("data-rendered", "1", timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "dashboard-phone")
    # The shared wallboard, as another site's iframe would show it: drawn, refreshing.
    page.set_viewport_size({"width": 1600, "height": 900})
    page.context.clear_cookies()
    page.goto(f"{base}/share/{link.token}/?wall=1")
    expect(page.locator("[data-funnel]")).to_have_attribute("data-rendered", "1", timeout=20_000)
    assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "300"
    shoot(page, "dashboard-wall")
