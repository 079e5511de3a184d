"""Propose, review, agree (seed 000: the people who set goals take part in alignment): a
draft put forward by its owner, reviewed by a lead of its teams, agreed or sent back."""

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from waypoint.coach import maturity
from waypoint.coach import selectors as coach
from waypoint.integrations.models import Notification
from waypoint.okrs import selectors
from waypoint.okrs import services as okr
from waypoint.okrs.models import Comment, Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role


@pytest.fixture
def team(workspace, teammate):
    lead = ws_services.member_ensure(
        workspace=workspace,
        email="lena@acme.test",
        full_name="Lena Lead",
        role=Role.MEMBER,
        actor=None,
    )
    t = ws_services.team_create(workspace=workspace, name="Support", lead=lead, actor=None)
    t.members.add(teammate)
    return t


@pytest.fixture
def draft(workspace, now_cycle, teammate, team):
    return okr.objective_create(
        workspace=workspace,
        cycle=now_cycle,
        title="Customers hear from us within the hour",
        owner=teammate,
        level="individual",
        status="draft",
        actor=None,
    )


def test_a_draft_is_proposed_reviewed_and_agreed(draft, team, teammate):
    lead = team.lead
    assert selectors.may_review(lead, draft) and not selectors.may_review(teammate, draft)
    with TestCase.captureOnCommitCallbacks(execute=True):
        okr.objective_propose(objective=draft, actor=None)
    assert draft.review == "proposed"
    asked = Notification.objects.get(recipient=lead, kind="objective_review")
    assert "Tess Teammate proposes" in asked.text and asked.url.endswith("#review")
    with pytest.raises(ValidationError, match="Say what should change"):
        okr.objective_review(objective=draft, agree=False, by=lead, actor=None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        okr.objective_review(
            objective=draft, agree=False, comment="Name the hour: first reply", by=lead, actor=None
        )
    assert (draft.review, draft.status) == ("changes", "draft")
    assert Comment.objects.get().body == "Changes asked for: Name the hour: first reply"
    assert Notification.objects.filter(recipient=teammate, kind="comment").exists()
    okr.objective_propose(objective=draft, actor=None)
    okr.objective_review(objective=draft, agree=True, by=lead, actor=None)
    draft.refresh_from_db()
    assert (draft.review, draft.status) == ("agreed", "active")
    assert AuditEntry.objects.filter(action="objective.review").count() == 2
    with pytest.raises(ValidationError, match="not waiting"):
        okr.objective_review(objective=draft, agree=True, by=lead, actor=None)


def test_only_drafts_are_proposed_and_only_reviewers_review(client, draft, team, teammate, owner):
    active = okr.objective_create(
        workspace=draft.workspace, cycle=draft.cycle, title="Live", owner=teammate, actor=None
    )
    with pytest.raises(ValidationError, match="Only a draft"):
        okr.objective_propose(objective=active, actor=None)
    client.force_login(teammate.user)
    page = client.get(f"/w/acme/objectives/{draft.pk}/").content.decode()
    assert 'data-action="propose"' in page
    client.post(f"/w/acme/objectives/{draft.pk}/propose/")
    assert (
        client.post(f"/w/acme/objectives/{draft.pk}/review/", {"action": "agree"}).status_code
        == 403
    )
    stranger = ws_services.member_ensure(
        workspace=draft.workspace,
        email="sam@acme.test",
        full_name="Sam",
        role=Role.MEMBER,
        actor=None,
    )
    client.force_login(stranger.user)
    assert (
        client.post(f"/w/acme/objectives/{draft.pk}/review/", {"action": "agree"}).status_code
        == 403
    )
    client.force_login(owner.user)  # an owner of the workspace may review any draft
    assert (
        client.post(f"/w/acme/objectives/{draft.pk}/review/", {"action": "agree"}).status_code
        == 302
    )
    assert Objective.objects.get(pk=draft.pk).status == "active"


def test_participation_in_alignment_is_a_maturity_signal(workspace, draft, team):
    okr.objective_create(
        workspace=workspace, cycle=draft.cycle, title="Set from above", level="team", actor=None
    )
    okr.objective_propose(objective=draft, actor=None)
    facts = coach.maturity_facts(workspace, workspace.today())
    assert (facts.reviewed_lower, facts.lower_objectives) == (1, 2)
    signal = next(
        s
        for s in maturity.diagnose(facts).signals
        if s.name == "Goals set with the people who do them"
    )
    assert signal.value == "50% proposed by their owners and reviewed" and signal.stage == 3
