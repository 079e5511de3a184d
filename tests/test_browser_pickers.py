"""Long pickers can be searched: on the objective form, a few letters of a parent's title and
Enter choose it, with the keyboard only."""

import pytest

from tests.test_browser_checkin import five, log_in  # noqa: F401
from waypoint.okrs import services as okr
from waypoint.okrs.models import Cycle, Objective

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_parent_is_found_by_typing_and_enter(page, live_server, five):  # noqa: F811
    cycle = Cycle.objects.get(name="Now")
    ws = cycle.workspace
    for i in range(14):
        okr.objective_create(
            workspace=ws, cycle=cycle, title=f"Company goal number {i:02d}", actor=None
        )
    target = okr.objective_create(
        workspace=ws, cycle=cycle, title="Zhongwen 中文 market entry", actor=None
    )
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/w/acme/cycles/{cycle.pk}/objectives/new/")
    box = page.locator("#id_parent").locator("xpath=preceding-sibling::input[1]")
    assert box.get_attribute("class") == "picker-filter"
    box.focus()
    page.keyboard.type("中文")
    hidden = page.evaluate(
        "[...document.querySelectorAll('#id_parent option')].filter(o => o.hidden).length"
    )
    assert hidden == 15  # "Customers love us" and the fourteen numbered goals
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_parent"
    assert page.input_value("#id_parent") == str(target.pk)
    page.fill("#id_title", "Win the Chinese market with a local partner")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    made = Objective.objects.get(title="Win the Chinese market with a local partner")
    assert made.parent == target
