"""An initiative kept from the keyboard, in a real browser: from the home page, its edit
form opens where it is listed, a step is ticked, one is added, and it is saved; the
checklist follows."""

import pytest

from tests.test_browser_checkin import five, log_in  # noqa: F401
from waypoint.okrs import services as okr
from waypoint.okrs.models import Initiative
from waypoint.workspaces.models import Member

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_an_initiatives_checklist_from_the_keyboard(page, live_server, five):  # noqa: F811
    tess = Member.objects.get(user__email="tess@acme.test")
    work = okr.initiative_create(
        key_result=five["krs"][0],
        title="Call every detractor",
        owner=tess,
        checklist=[{"text": "Export the detractors", "done": False}],
        actor=None,
    )
    log_in(page, live_server.url)
    page.goto(live_server.url + "/w/acme/")
    row = page.locator(f"#my-initiatives #initiative-{work.pk}")
    assert "0 of 1 step" in row.inner_text()
    summary = row.locator("details.initiative-edit > summary")
    summary.focus()
    page.keyboard.press("Enter")  # opens the details: the form arrives in place
    step = row.locator(f"input[name=i{work.pk}-step-0-done]")
    step.wait_for()
    step.focus()
    page.keyboard.press("Space")
    row.locator(f"input[name=i{work.pk}-new_step]").focus()
    page.keyboard.type("Call the first ten")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form
    work.refresh_from_db()
    assert work.checklist == [
        {"text": "Export the detractors", "done": True},
        {"text": "Call the first ten", "done": False},
    ]
    assert Initiative.objects.count() == 1
    # Back on the objective, where the initiative is listed.
    assert f"#kr-{work.key_result_id}" in page.url
    assert "1 of 2 steps" in page.locator(f"#initiative-{work.pk}").inner_text()
