"""The pulse after a check-in, in a real browser: the week's check-in saved, the two
questions appear in place, answered from the keyboard, and stored once for the week."""

import pytest

from tests.test_browser_checkin import five, log_in  # noqa: F401
from waypoint.okrs.models import CheckIn, CheckInPulse

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_pulse_after_a_check_in(page, live_server, five):  # noqa: F811
    log_in(page, live_server.url)
    page.goto(live_server.url + "/w/acme/checkin/")
    assert page.locator("[data-pulse]").count() == 0
    first = five["krs"][0]
    value = page.locator(f"input[name=kr{first.pk}-value]")
    value.fill("52")
    value.press("Enter")  # saves the sheet in place
    page.wait_for_selector("[data-saved]")
    assert CheckIn.objects.filter(key_result=first).first().value == 52
    pulse = page.locator("[data-pulse]")
    pulse.wait_for()
    useful = pulse.locator("input[name=useful][value=yes]")
    useful.focus()
    page.keyboard.press("Space")
    pulse.locator("input[name=changed_plan][value=yes]").check()
    with page.expect_navigation():
        pulse.locator("button[type=submit]").click()
    (answer,) = CheckInPulse.objects.all()
    assert answer.useful and answer.changed_plan
    assert page.locator("[data-pulse]").count() == 0  # answered this week
