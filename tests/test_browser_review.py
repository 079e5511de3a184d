"""Propose, review, agree in a real browser: the owner proposes a draft, the lead of its team
hears of it, asks for a change, the owner proposes again, the lead agrees; the draft is
active and the conversation holds the review."""

import pytest

from tests.conftest import verified
from waypoint.okrs import services as okr
from waypoint.okrs.models import Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Role

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-2026"


@pytest.fixture
def setup(db, django_user_model):
    import datetime as dt

    owner = verified(
        django_user_model.objects.create_user(email="olivia@acme.test", password=PASSWORD)
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=owner, actor=owner)
    people = {}
    for email, name in (("tess@acme.test", "Tess Teammate"), ("lena@acme.test", "Lena Lead")):
        member = ws_services.member_ensure(
            workspace=ws, email=email, full_name=name, role=Role.MEMBER, actor=None
        )
        member.user.set_password(PASSWORD)
        member.user.save()
        verified(member.user)
        people[email] = member
    team = ws_services.team_create(
        workspace=ws, name="Support", lead=people["lena@acme.test"], actor=None
    )
    team.members.add(people["tess@acme.test"])
    today = ws.today()
    cycle = okr.cycle_create(
        workspace=ws,
        name="Now",
        start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=80),
        actor=None,
    )
    draft = okr.objective_create(
        workspace=ws,
        cycle=cycle,
        title="Customers hear from us within the hour",
        owner=people["tess@acme.test"],
        level="individual",
        status="draft",
        actor=None,
    )
    return draft


def log_in(page, base, email):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_propose_review_agree(page, live_server, setup):
    base, draft = live_server.url, setup
    url = f"{base}/w/acme/objectives/{draft.pk}/"
    log_in(page, base, "tess@acme.test")
    page.goto(url)
    with page.expect_navigation():
        page.click("[data-action=propose]")
    assert page.locator("[data-review=proposed]").count() == 1
    log_in(page, base, "lena@acme.test")
    page.goto(base + "/w/acme/inbox/")
    with page.expect_navigation():
        page.click("text=Tess Teammate proposes")
    page.fill("#review-comment", "Say which reply: the first one")
    with page.expect_navigation():
        page.click("[data-action=changes]")
    assert "Changes asked for: Say which reply" in page.content()
    log_in(page, base, "tess@acme.test")
    page.goto(url)
    assert page.locator("[data-review=changes]").count() == 1
    with page.expect_navigation():
        page.click("[data-action=propose]")
    log_in(page, base, "lena@acme.test")
    page.goto(url)
    with page.expect_navigation():
        page.click("[data-action=agree]")
    draft.refresh_from_db()
    assert (draft.status, draft.review) == (Objective.Status.ACTIVE, "agreed")
    assert page.locator("#review").count() == 0
