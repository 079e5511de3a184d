"""The four core jobs of the weekly loop, done in a real browser from the home page, with
every click, key press and typed field counted: a check-in of three key results, an
objective with three key results aligned to a parent, a KPI breach answered, a grade at the
end of a cycle. The counts are kept in artifacts/core-jobs.json for the report, and each
job has a ceiling here so that it cannot quietly grow."""

import datetime as dt
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_browser_checkin import five, log_in  # noqa: F401
from waypoint.kpis import services as kpis
from waypoint.kpis.models import Deviation
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, Objective, Retrospective
from waypoint.workspaces.models import Member

pytestmark = [pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parent.parent / "artifacts" / "core-jobs.json"


class Hands:
    """Clicks, key presses (Tab, Enter, arrows, shortcuts) and fields typed into."""

    def __init__(self, page):
        self.page, self.clicks, self.keys, self.fields = page, 0, 0, 0

    def click(self, selector):
        self.page.click(selector)
        self.clicks += 1

    def press(self, *keys):
        for key in keys:
            self.page.keyboard.press(key)
            self.keys += 1

    def type(self, text):
        """Text typed into the focused field: one field, whatever its length."""
        self.page.keyboard.type(text)
        self.fields += 1

    def record(self, job):
        counts = json.loads(OUT.read_text()) if OUT.exists() else {}
        counts[job] = {"clicks": self.clicks, "keys": self.keys, "fields": self.fields}
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
        return self.clicks + self.keys


def start(page, live_server):
    log_in(page, live_server.url)
    page.goto(live_server.url + "/w/acme/")
    return Hands(page)


def test_check_in_of_three_key_results(page, live_server, five):  # noqa: F811
    hands = start(page, live_server)
    hands.press("c")  # the shortcut to the check-in
    page.wait_for_url("**/checkin/")
    krs = five["krs"]
    page.evaluate("document.activeElement.select()")
    for i, (value, arrows, comment) in enumerate(
        [("52", 0, "CRM live"), ("6", 1, ""), ("35", 0, "")]
    ):
        hands.type(value)
        hands.press("Tab", *["ArrowRight"] * arrows, "Tab")
        if comment:
            hands.type(comment)
        if i < 2:
            hands.press("Tab", "Tab", "Tab")
    hands.press("Enter")
    page.wait_for_selector("[data-saved]")
    assert [CheckIn.objects.filter(key_result=kr).first().value for kr in krs[:3]] == [52, 6, 35]
    assert hands.record("check-in of 3 key results") <= 16 and hands.clicks == 0


def test_an_objective_with_three_key_results_aligned_to_a_parent(
    page,
    live_server,
    five,  # noqa: F811
):
    parent = five["krs"][0].objective
    for i in range(10):  # a company's other objectives: the parent is found by typing
        okr.objective_create(
            workspace=parent.workspace, cycle=parent.cycle, title=f"Goal {i}", actor=None
        )
    hands = start(page, live_server)
    hands.click("main .page-head a.button")  # New objective
    page.wait_for_url("**/objectives/new/**")
    hands.click("#id_title")
    hands.type("Partners bring a third of new customers")
    hands.click("#id_why")
    hands.type("Direct sales alone cannot reach the mid-market")
    hands.click("input.picker-filter[aria-controls=id_parent]")
    hands.type("Customers love")
    hands.press("Enter")  # picks the parent
    with page.expect_navigation():
        hands.click("main form button[type=submit]")
    page.wait_for_selector("#add-kr")
    for title, start_value, target in [
        ("Grow partner-sourced deals from 2 to 12", "2", "12"),
        ("Raise partner win rate from 10% to 25%", "10", "25"),
        ("Sign active partners from 0 to 8", "0", "8"),
    ]:
        # The title has the focus: after the objective is created, and after each key result.
        expect(page.locator("input[name=kr-title]")).to_be_focused(timeout=15_000)
        hands.type(title)
        hands.click("#add-kr [name=kr-start]")
        hands.type(start_value)
        hands.press("Tab")
        hands.type(target)
        with page.expect_response(lambda r: "/krs/new/" in r.url):
            hands.press("Enter")
        page.wait_for_selector(f"#kr-editor li:has-text('{title}')")
    made = Objective.objects.get(title="Partners bring a third of new customers")
    assert made.parent == parent and made.key_results.count() == 3
    # 18 before the title of the next key result took the focus by itself.
    assert hands.record("objective with 3 key results aligned to a parent") <= 15


def test_a_kpi_breach_answered(page, live_server, five):  # noqa: F811
    tess = Member.objects.get(user__email="tess@acme.test")
    kpi = kpis.kpi_create(
        workspace=tess.workspace,
        actor=None,
        name="First reply time",
        unit="h",
        direction="lower_is_better",
        frequency="daily",
        aggregation="average",
        target=2,
        warning=4,
        critical=8,
        owner=tess,
    )
    today = five["today"]
    kpis.data_points_record(
        kpi=kpi, rows=[(today - dt.timedelta(days=1), 9), (today, 10)], actor=None
    )
    deviation = Deviation.objects.get(kpi=kpi)
    hands = start(page, live_server)
    hands.click("header a[href$='/inbox/']")  # the bell
    hands.click(f"[data-deviation='{deviation.pk}'] a")
    page.wait_for_url(f"**/kpis/{kpi.pk}/**")
    hands.click(f"input[name=d{deviation.pk}-response][value=improve_process]")
    hands.click(f"[name=d{deviation.pk}-note]")
    hands.type("Night shift uncovered since the reorg: adding a rota")
    with page.expect_navigation():
        hands.click("form[action$='/respond/'] button[type=submit]")
    deviation.refresh_from_db()
    assert deviation.response == "improve_process"
    assert hands.record("KPI breach answered") <= 6


def test_a_grade_at_the_end_of_a_cycle(page, live_server, five):  # noqa: F811
    tess = Member.objects.get(user__email="tess@acme.test")
    today = five["today"]
    sprint = okr.cycle_create(
        workspace=tess.workspace,
        name="Sprint",
        start=today - dt.timedelta(days=60),
        end=today - dt.timedelta(days=1),
        actor=None,
    )
    objective = okr.objective_create(
        workspace=tess.workspace, cycle=sprint, title="Launch in Poland", owner=tess, actor=None
    )
    kr = okr.key_result_create(
        objective=objective, title="Sign 10 Polish clients", start=0, target=10, actor=None
    )
    okr.checkin_create(key_result=kr, date=today - dt.timedelta(days=2), value=7, actor=None)
    hands = start(page, live_server)
    hands.click(f"main a[href$='/retro/{sprint.pk}/'], main a:has-text('Sprint')")
    page.wait_for_selector("[data-action=grade]")
    hands.click(f"[name=o{objective.pk}-what_worked]")
    hands.type("Local partner opened doors")
    hands.click(f"[name=o{objective.pk}-learned]")
    hands.type("Start the legal work a month earlier")
    with page.expect_navigation():
        hands.click("[data-action=grade]")
    retro = Retrospective.objects.get(objective=objective)
    assert retro.grade == pytest.approx(0.7) and retro.learned.startswith("Start the legal")
    assert hands.record("grade at cycle end") <= 6
