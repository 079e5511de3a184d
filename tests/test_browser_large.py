"""A large organisation in a real browser: the first screen is bounded, and a reader still
reaches every objective by opening folded teams and branches, searching and paging."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import verified
from waypoint import seed
from waypoint.okrs.models import Cycle, Objective
from waypoint.workspaces.models import Member

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org(db):
    ws = seed.seed(people=400, slug="bigco")
    owner = Member.objects.get(workspace=ws, role="owner")
    verified(owner.user)
    return {"ws": ws, "owner": owner, "cycle": Cycle.objects.get(workspace=ws, is_current=True)}


def log_in(page, base):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "owner@bigco.test")
    page.fill("input[name=password]", seed.PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_folded_teams_and_branches_open_on_demand(page, live_server, org):
    base, cycle = live_server.url, org["cycle"]
    log_in(page, base)

    # The overview: teams folded, 30 a page; opening one loads its objectives.
    page.goto(f"{base}/w/bigco/cycles/{cycle.pk}/")
    groups = page.locator("details.team-group")
    assert groups.count() == 30
    assert page.locator("nav.pager a[rel=next]").count() == 1
    first = groups.first
    assert first.locator(".okr-row").count() == 0
    first.locator("summary").click()
    first.locator(".okr-row").first.wait_for()
    team_name = first.locator(".team-name").inner_text()
    shown = first.locator(".okr-row").count()
    assert (
        shown
        == Objective.objects.filter(workspace=org["ws"], cycle=cycle, teams__name=team_name)
        .exclude(status="archived")
        .distinct()
        .count()
        or shown == 30
    )

    # The search box narrows the objectives to a person's.
    person = (
        Objective.objects.filter(workspace=org["ws"], cycle=cycle, level="individual")
        .exclude(status="archived")
        .first()
        .owner
    )
    mine = Objective.objects.filter(workspace=org["ws"], cycle=cycle, owner=person).exclude(
        status="archived"
    )
    page.fill("#id_q", person.user.email)
    expect(page).to_have_url(re.compile(r"[?&]q="), timeout=15_000)
    page.locator("#overview-results .okr-row").first.wait_for()
    titles = page.locator("#overview-results .okr-title").all_inner_texts()
    assert sorted(titles) == sorted(mine.values_list("title", flat=True))

    # The tree: a folded branch says how many it holds and opens to them.
    page.goto(f"{base}/w/bigco/cycles/{cycle.pk}/tree/")
    folded = page.locator("li.tree-item[aria-expanded=false]").first
    # Opened as a reader does; the summary's title is a link, so open the disclosure itself.
    folded.locator(":scope > details").evaluate("d => { d.open = true; }")
    folded.locator(":scope > details li.tree-item").first.wait_for()
    assert folded.locator(":scope > details li.tree-item").count() >= 1
