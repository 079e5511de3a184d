"""The coach in a real browser: a flawed key result is called out as it is typed and the
finding goes when it is fixed; then a cycle is closed, graded, reviewed and carried over."""

import datetime as dt

import pytest

from tests.conftest import verified
from waypoint.okrs import services as okr
from waypoint.okrs.models import KeyResult, Objective, Retrospective

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
    owner = ws.members.get()
    today = dt.date.today()
    q1 = okr.cycle_create(
        workspace=ws,
        name="Last quarter",
        start=today - dt.timedelta(days=120),
        end=today - dt.timedelta(days=30),
        kind="quarter",
        actor=user,
    )
    q2 = okr.cycle_create(
        workspace=ws,
        name="This quarter",
        start=today - dt.timedelta(days=29),
        end=today + dt.timedelta(days=60),
        kind="quarter",
        actor=user,
    )
    okr.cycle_set_current(cycle=q2, actor=user)
    objective = okr.objective_create(
        workspace=ws,
        cycle=q1,
        title="Customers love onboarding",
        why="Churn in the first 90 days is our leak",
        owner=owner,
        actor=user,
    )
    nps = okr.key_result_create(
        objective=objective,
        title="Raise NPS from 55 to 66",
        start=55,
        target=66,
        owner=owner,
        actor=user,
    )
    okr.key_result_create(
        objective=objective,
        title="Cut time to value from 60 to 45 minutes",
        type="decrease",
        start=60,
        target=45,
        owner=owner,
        actor=user,
    )
    okr.checkin_create(key_result=nps, date=q1.end, value=62, actor=user)
    current = okr.objective_create(
        workspace=ws,
        cycle=q2,
        title="Support that delights",
        why="Slow answers cost renewals",
        owner=owner,
        actor=user,
    )
    return {"q1": q1, "q2": q2, "objective": objective, "nps": nps, "current": current}


def log_in(page, base):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "olivia@acme.test")
    page.fill("input[name=password]", "a-Long-pass-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_the_coach_speaks_while_typing_and_at_the_end_of_the_cycle(page, live_server, setup):
    base = live_server.url
    log_in(page, base)

    # A flawed key result typed in the editor: the coach says so, then takes it back.
    page.goto(base + f"/w/acme/objectives/{setup['current'].pk}/edit/")
    title = page.locator("#add-kr input[name='kr-title']")
    title.fill("Launch the new help centre")
    page.wait_for_selector("#kr-findings [data-rule=kr-is-activity]", timeout=10000)
    title.fill("Raise first-contact resolution from 45% to 70%")
    page.wait_for_selector(
        "#kr-findings [data-rule=kr-is-activity]", state="detached", timeout=10000
    )
    assert page.locator("#kr-findings .finding.ok").count() == 1

    # Close last quarter: grade with a reason, write the retrospective, carry a KR over.
    page.goto(base + f"/w/acme/cycles/{setup['q1'].pk}/retro/")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button[data-action=close-cycle]")
    setup["q1"].refresh_from_db()
    assert setup["q1"].status == "closed"

    item = page.locator(f"#o-{setup['objective'].pk}")
    item.locator("input[name$='-grade']").fill("0.8")
    item.locator("textarea[name$='-what_worked']").fill("Weekly survey waves")
    item.locator("textarea[name$='-learned']").fill("Ask at handover, not a month later")
    with page.expect_navigation():
        item.locator("button[data-action=grade]").click()
    assert Retrospective.objects.filter(grade__isnull=False).count() == 0  # needs a reason
    assert "say why" in page.content()

    item = page.locator(f"#o-{setup['objective'].pk}")
    item.locator("input[name$='-grade']").fill("0.8")
    item.locator("textarea[name$='-override_reason']").fill("The last survey wave came late")
    item.locator("textarea[name$='-what_worked']").fill("Weekly survey waves")
    item.locator("textarea[name$='-learned']").fill("Ask at handover, not a month later")
    with page.expect_navigation():
        item.locator("button[data-action=grade]").click()
    retro = Retrospective.objects.get(objective=setup["objective"])
    assert retro.grade == 0.8 and retro.learned.startswith("Ask at handover")
    grade = page.locator(f"#o-{setup['objective'].pk} [data-grade] .grade")
    assert grade.inner_text().split()[0] in ("0.8", "0,8")  # then the band, for screen readers
    assert grade.get_attribute("data-band") == "green"

    item = page.locator(f"#o-{setup['objective'].pk}")
    item.locator("details.carry summary").click()
    with page.expect_navigation():
        item.locator("button[data-action=carry]").click()
    carried = Objective.objects.get(carried_from=setup["objective"])
    assert carried.cycle == setup["q2"]
    nps = KeyResult.objects.get(objective=carried, title="Raise NPS from 55 to 66")
    assert (nps.start, nps.target) == (62, 66)


def test_present_mode_is_driven_by_the_keyboard(page, live_server, setup):
    base = live_server.url
    log_in(page, base)
    page.goto(base + f"/w/acme/cycles/{setup['q2'].pk}/present/")
    assert page.locator("[data-current]").inner_text() == "1"
    page.keyboard.press("ArrowRight")
    assert page.locator("[data-current]").inner_text() == "2"
    assert page.locator(".slide:not([hidden]) h2").inner_text() == "Support that delights"
    page.keyboard.press("ArrowLeft")
    assert page.locator(".slide:not([hidden]) h1").inner_text() == "This quarter"
    with page.expect_navigation():
        page.keyboard.press("Escape")
    assert f"/cycles/{setup['q2'].pk}/" in page.url
