"""The weekly check-in in a real browser: five key results with the keyboard only, every key
counted, and the same sheet on a 390 px phone."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.conftest import verified
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-pass-2026"  # a test account's password


@pytest.fixture
def five(db, django_user_model):
    from waypoint.workspaces import services as ws_services

    user = verified(
        django_user_model.objects.create_user(
            email="tess@acme.test", password=PASSWORD, full_name="Tess Teammate"
        )
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=user, actor=user)
    me = ws.members.get(user=user)
    today = ws.today()
    cycle = okr.cycle_create(
        workspace=ws,
        name="Now",
        start=today - dt.timedelta(days=40),
        end=today + dt.timedelta(days=50),
        actor=user,
    )
    okr.cycle_set_current(cycle=cycle, actor=user)
    objective = okr.objective_create(
        workspace=ws, cycle=cycle, title="Customers love us", owner=me, actor=user
    )
    krs = []
    for i, (title, last) in enumerate(
        [
            ("NPS from 40 to 60", 45),
            ("Churn from 8 to 4 percent", 7),
            ("Leads from 10 to 90", 30),
            ("Demos from 5 to 50", 20),
            ("Trials from 10 to 80", 40),
        ]
    ):
        start, target = (8, 4) if i == 1 else (int(title.split()[2]), int(title.split()[4]))
        kr = okr.key_result_create(
            objective=objective,
            title=title,
            type="decrease" if i == 1 else "increase",
            start=start,
            target=target,
            unit="%" if i == 1 else "",
            actor=user,
        )
        okr.checkin_create(
            key_result=kr,
            date=today - dt.timedelta(days=7),
            value=last,
            confidence="on_track",
            comment=f"last week {i}",
            author=me,
            actor=user,
        )
        krs.append(kr)
    return {"user": user, "krs": krs, "today": today}


def log_in(page, base):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "tess@acme.test")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


class Keys:
    """The keyboard, with every key press counted; comment text is typed, not counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def press(self, *keys):
        for key in keys:
            self.page.keyboard.press(key)
            self.count += 1

    def type_value(self, text):
        for ch in text:
            self.press(ch)

    def type_text(self, text):
        self.page.keyboard.type(text)


def test_five_key_results_checked_in_with_the_keyboard_only(page, live_server, five):
    log_in(page, live_server.url)
    page.goto(live_server.url + "/w/acme/checkin/")
    krs = five["krs"]
    # The first value has the focus and its last value is there, selected for typing over
    # (the page's script may give it the focus just after the load event).
    first = f"kr{krs[0].pk}-value"
    expect(page.locator(f"input[name={first}]")).to_be_focused(timeout=15_000)
    assert page.evaluate("document.activeElement.name") == first
    assert page.input_value(f"input[name=kr{krs[0].pk}-value]") == "45"
    page.evaluate("document.activeElement.select()")

    keys = Keys(page)
    plan = [  # value, arrows in the confidence, comment
        ("52", 0, "CRM is live"),
        ("6", 1, ""),  # at risk
        ("35", 0, "two fairs"),
        ("", 0, ""),  # no change in the value, just a word
        ("48", 2, "trial flow broken"),  # off track
    ]
    per_kr = []
    for i, (value, arrows, comment) in enumerate(plan):
        before = keys.count
        if value:
            keys.type_value(value)  # typed over the selected last value
        keys.press("Tab")  # to the confidence (the checked radio)
        keys.press(*["ArrowRight"] * arrows)
        keys.press("Tab")  # to the comment
        keys.type_text(comment or ("quiet week" if i == 3 else ""))
        if i < len(plan) - 1:
            keys.press("Tab", "Tab", "Tab")  # past Save and No change, to the next value
            assert page.evaluate("document.activeElement.name") == f"kr{krs[i + 1].pk}-value"
        else:
            keys.press("Enter")  # saves all
        per_kr.append(keys.count - before)
    page.wait_for_selector("[data-saved]")
    assert max(per_kr) <= 8, per_kr

    latest = {kr.pk: CheckIn.objects.filter(key_result=kr).first() for kr in krs}
    got = [(latest[kr.pk].value, latest[kr.pk].confidence, latest[kr.pk].comment) for kr in krs]
    assert got == [
        (52, "on_track", "CRM is live"),
        (6, "at_risk", ""),
        (35, "on_track", "two fairs"),
        (20, "on_track", "quiet week"),
        (48, "off_track", "trial flow broken"),
    ]
    assert all(latest[kr.pk].date == five["today"] for kr in krs)
    # The saved values, confidences and comments are on the screen after saving.
    assert page.locator("[data-saved]").count() == 5
    for kr, (value, confidence, comment) in zip(krs, got, strict=True):
        row = page.locator(f"#checkin-{kr.pk}")
        assert page.input_value(f"input[name=kr{kr.pk}-value]") == f"{value:g}"
        assert row.locator(f"input[value={confidence}]").is_checked()
        if comment:
            assert row.locator("[data-last-comment]").inner_text() == comment
    assert page.locator(f"#checkin-{krs[0].pk} [data-progress]").inner_text() == "60%"
    # The focus went to the message that says what was saved.
    assert "5 check-ins saved" in page.evaluate("document.activeElement.innerText")


def test_the_sheet_fits_a_phone_and_no_change_is_one_tap(page, live_server, five):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url)
    page.goto(live_server.url + "/w/acme/checkin/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    kr = five["krs"][2]
    page.click(f"#checkin-{kr.pk} [data-no-change]")
    page.wait_for_selector(f"#checkin-{kr.pk} [data-saved]")
    latest = CheckIn.objects.filter(key_result=kr).first()
    assert (latest.value, latest.date) == (30, five["today"])
    # The focus moves on to the next key result's value, once htmx has settled the row (a
    # moment after the saved row is in the page).
    next_value = f"kr{five['krs'][3].pk}-value"
    expect(page.locator(f"input[name={next_value}]")).to_be_focused(timeout=15_000)
    assert page.evaluate("document.activeElement.name") == next_value
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_slash_searches_as_you_type_and_question_mark_lists_the_shortcuts(page, live_server, five):
    log_in(page, live_server.url)
    page.goto(live_server.url + "/w/acme/")
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.type("churn")
    page.wait_for_selector("[data-result=key_result]")
    assert page.locator("[data-result=key_result]").inner_text().startswith("Churn from 8 to 4")
    page.keyboard.press("Escape")  # clears the box: htmx searches again and pushes ?q=
    page.wait_for_url("**/search/?q=")  # else that push can pass for the next navigation
    page.locator("body").click()
    with page.expect_navigation(url="**/w/acme/checkin/"):
        page.keyboard.press("c")
    assert page.url.endswith("/w/acme/checkin/")
