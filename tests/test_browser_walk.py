"""A new user's first week, in a real browser: sign up, set up, write OKRs, invite, check in.

The same walk runs with the interface in English and in Russian. Selectors use names and
addresses, never visible text, so the walk is the same in every language; what the user
reads is checked against the translation catalogue. Screenshots of every main page, at
desktop and phone width, are kept under artifacts/screenshots/.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from waypoint.okrs.models import CheckIn, KeyResult

pytestmark = [pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PASSWORD = "a-Long-pass-2026"


def t(lang, text):
    with translation.override(lang):
        return translation.gettext(text)


def sign_up(page, base, name, email, lang, mailoutbox):
    page.goto(base + "/accounts/signup/")
    if lang != "en" and page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.select_option("#lang-select", lang)
    page.fill("input[name=full_name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # E-mail verification is mandatory: follow the mailed link and confirm.
    mail = [m for m in mailoutbox if email in m.to][-1]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", mail.body).group(1)
    page.goto(base + link)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def shoot(page, base, lang, name, path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in (("desktop", 1280), ("phone", 390)):
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(base + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"{lang}-{name}-{label}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width + 1, f"{path} is {overflow}px wide at {width}px"
        # One row of header, on a desktop and on a phone, in every language.
        header = page.evaluate("document.querySelector('header').getBoundingClientRect().height")
        assert header <= 64, f"{path}: the header is {header}px high at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["en", "ru", "zh-hans", "pl"])
def test_a_new_team_gets_going(page, browser, live_server, mailoutbox, lang):
    base = live_server.url
    today = dt.date.today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"

    # The owner signs up and creates the workspace.
    sign_up(page, base, "Olivia Owner", "olivia@northwind.test", lang, mailoutbox)
    assert page.url.endswith("/workspaces/new/")
    assert page.locator("html").get_attribute("lang") == lang
    page.fill("input[name=name]", "Northwind")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/w/northwind/cycles/")

    # A year with its quarters; the current quarter becomes the current cycle.
    with page.expect_navigation():
        page.click("form[action$='/cycles/year/'] button[type=submit]")
    assert page.locator("table").get_by_text(quarter, exact=True).count() == 1
    with page.expect_navigation():
        page.locator("tr", has_text=quarter).locator("button[type=submit]").click()

    # A company objective with three key results, written in the editor.
    page.goto(base + "/w/northwind/overview/")
    assert t(lang, "No objectives in this cycle yet") in page.content()
    with page.expect_navigation():
        page.locator("a[href*='/objectives/new/?level=company']").click()
    page.fill("#id_title", "Customers love our onboarding")
    page.fill("#id_why", "Churn in the first 90 days is our biggest leak")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/edit/" in page.url
    krs = [
        ("Raise NPS of new customers from 55 to 66", "increase", "55", "66"),
        ("Cut time to first value from 60 to 45 minutes", "decrease", "60", "45"),
        ("Raise activation from 30% to 50%", "increase", "30", "50"),
    ]
    for n, (title, kind, start, target) in enumerate(krs, start=1):
        form = page.locator("#add-kr")
        if kind != "increase":
            form.locator("select[name='kr-type']").select_option(kind)
            page.wait_for_timeout(300)  # htmx re-renders the fields for the type
        form = page.locator("#add-kr")
        form.locator("input[name='kr-title']").fill(title)
        form.locator("input[name='kr-start']").fill(start)
        form.locator("input[name='kr-target']").fill(target)
        form.locator("button[type=submit]").click()
        expect(page.locator("#kr-editor .kr-list > li")).to_have_count(n, timeout=15_000)
    assert KeyResult.objects.count() == 3
    assert KeyResult.objects.get(title__startswith="Cut time").type == "decrease"

    # Invite a teammate, who signs up from the mailed link and joins.
    page.goto(base + "/w/northwind/settings/")
    page.fill("#invite input[name=email]", "tom@northwind.test")
    with page.expect_navigation():
        page.click("#invite button[type=submit]")
    link = re.search(r"https?://[^/\s]+(/invite/[^/\s]+/)", mailoutbox[-1].body).group(1)

    teammate = browser.new_context(viewport={"width": 1280, "height": 900})
    tom = teammate.new_page()
    tom.goto(base + link)
    if lang != "en":
        with tom.expect_navigation():
            tom.select_option("#lang-select", lang)
    with tom.expect_navigation():
        tom.click("a[href*='/accounts/signup/']")
    tom.fill("input[name=full_name]", "Tom Teammate")
    tom.fill("input[name=email]", "tom@northwind.test")
    tom.fill("input[name=password1]", PASSWORD)
    tom.fill("input[name=password2]", PASSWORD)
    with tom.expect_navigation():
        tom.click("main form button[type=submit]")
    assert tom.url.endswith(link)
    with tom.expect_navigation():
        tom.click("main form button[type=submit]")
    assert tom.url.endswith("/w/northwind/")

    # The owner makes Tom the owner of the NPS key result.
    nps = KeyResult.objects.get(title__startswith="Raise NPS")
    page.goto(base + f"/w/northwind/krs/{nps.pk}/edit/")
    page.select_option("select[name='kr-owner']", label="Tom Teammate")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # Tom checks in: a value, a confidence, save. No page reload.
    tom.goto(base + "/w/northwind/checkin/")
    row = tom.locator(f"#checkin-{nps.pk}")
    row.locator("input[name$='-value']").fill("60")
    row.locator("label.seg.at_risk").click()
    row.locator("input[name$='-comment']").fill("First survey wave")
    row.locator("button[type=submit]").click()
    tom.wait_for_selector(f"#checkin-{nps.pk} .saved")
    assert tom.locator(f"#checkin-{nps.pk} [data-progress]").inner_text() == "45%"
    checkin = CheckIn.objects.get()
    assert (checkin.value, checkin.confidence, checkin.date) == (60, "at_risk", today)
    teammate.close()

    # The owner sees the new progress on the overview and on the alignment tree.
    page.goto(base + "/w/northwind/overview/")
    row = page.locator(".okr-row", has_text="Customers love our onboarding")
    assert row.locator(".score").inner_text() == ("0,2" if lang in ("ru", "pl") else "0.2")
    assert row.locator(".conf").inner_text() == t(lang, "At risk")
    page.goto(base + "/w/northwind/overview/?view=tree")
    tree = page.locator(".tree").inner_text()
    assert "15%" in tree and "45%" in tree
    assert t(lang, "Alignment tree") in page.content()

    # Every main page, at desktop and phone width.
    objective = nps.objective
    for name, path in [
        ("home", "/w/northwind/"),
        ("overview", "/w/northwind/overview/"),
        ("tree", "/w/northwind/overview/?view=tree"),
        ("objective", f"/w/northwind/objectives/{objective.pk}/"),
        ("editor", f"/w/northwind/objectives/{objective.pk}/edit/"),
        ("checkin", "/w/northwind/checkin/"),
        ("teams", "/w/northwind/teams/"),
        ("people", "/w/northwind/people/"),
        ("cycles", "/w/northwind/cycles/"),
        ("settings", "/w/northwind/settings/"),
        ("kpis", "/w/northwind/kpis/"),
        ("notifications", "/w/northwind/inbox/"),
        ("preferences", "/w/northwind/notifications/"),
        ("search", f"/w/northwind/search/?q={objective.title.split()[-1]}"),
    ]:
        shoot(page, base, lang, name, path)
    found = page.locator("[data-result=objective]").all_inner_texts()  # the last page shot
    assert any(objective.title in f for f in found), found
    page.goto(base + f"/w/northwind/objectives/{objective.pk}/")
    page.wait_for_selector("[data-vega-spec][data-rendered] svg", timeout=15000)
