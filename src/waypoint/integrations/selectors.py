"""Reads for the notification feed and the deviations inbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from waypoint.kpis.models import Deviation
from waypoint.workspaces.models import Invitation, Member, User

from .models import Notification

FEED_SIZE = 50
# A deviation that closed on its own still asks for an answer, for this long.
ANSWER_WITHIN = dt.timedelta(days=14)


def unread_count(member: Member) -> int:
    return Notification.objects.filter(recipient=member, in_app=True, read_at=None).count()


def feed(member: Member) -> QuerySet[Notification]:
    """The member's notifications, newest first (a page shows ``FEED_SIZE``)."""
    return Notification.objects.filter(recipient=member, in_app=True).select_related("actor__user")


def deviations_to_answer(member: Member, today: dt.date) -> QuerySet[Deviation]:
    """Deviations waiting for this member's answer: theirs, their KPIs', or their team's
    KPIs' when they lead it; open, or closed lately. An answer takes one out of the inbox."""
    mine = Q(owner=member) | Q(kpi__owner=member) | Q(kpi__team__lead=member)
    recent = Q(closed_on__isnull=True) | Q(closed_on__gte=today - ANSWER_WITHIN)
    return (
        Deviation.objects.filter(workspace_id=member.workspace_id, response="")
        .filter(mine)
        .filter(recent)
        .select_related("kpi", "owner__user")
        .order_by("-opened_on", "-id")
    )


def invitations_for(user: User) -> QuerySet[Invitation]:
    """Invitations to other workspaces waiting for this person (sent to their address)."""
    from django.utils import timezone

    return (
        Invitation.objects.filter(
            email__iexact=user.email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .exclude(workspace__members__user=user)
        .select_related("workspace", "invited_by")
        .order_by("-created_at")[:20]
    )


@dataclass(frozen=True)
class SetupStep:
    key: str
    label: str
    help: str
    url: str
    done: bool


def setup_steps(workspace) -> list[SetupStep]:
    """The first-run checklist of a new workspace, each step done or not (six queries)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from waypoint.okrs.models import CheckIn, Objective

    from .models import SlackLink

    slug = workspace.slug
    settings_url = reverse("workspaces:settings", args=[slug])
    invited = (
        Member.objects.filter(workspace=workspace).count() > 1
        or workspace.invitations.filter(revoked_at__isnull=True).exists()
    )
    connected = bool(workspace.slack_webhook_url or workspace.teams_webhook_url) or (
        SlackLink.objects.filter(workspace=workspace).exists()
    )
    return [
        SetupStep(
            "invite",
            _("Invite your team"),
            _("OKRs are a team sport: bring in the people who will own key results."),
            settings_url + "#invite",
            invited,
        ),
        SetupStep(
            "objective",
            _("Write the first objective"),
            _("Start from an example and make its numbers yours."),
            reverse("okrs:starters", args=[slug]),
            Objective.objects.filter(workspace=workspace).exists(),
        ),
        SetupStep(
            "checkin_day",
            _("Choose the check-in day"),
            _("The day reminders go out and everyone updates their key results."),
            settings_url + "#id_checkin_weekday",
            workspace.checkin_weekday is not None,
        ),
        SetupStep(
            "connect",
            _("Connect Slack or Teams"),
            _("Reminders with a Check in button where people already talk."),
            reverse("integrations:slack", args=[slug]),
            connected,
        ),
        SetupStep(
            "checkin",
            _("Record the first check-in"),
            _("A value, a confidence and a word on what changed: a minute per key result."),
            reverse("okrs:checkin", args=[slug]),
            CheckIn.objects.filter(workspace=workspace).exists(),
        ),
    ]
