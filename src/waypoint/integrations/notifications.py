"""Reminders, escalations, digests and KPI alerts, by e-mail and Slack (seed 001: continuous
manager-employee conversation). The clock is a parameter, so tests freeze it."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from waypoint import outbound
from waypoint.kpis.models import Deviation
from waypoint.lib import scoring
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import CheckIn, Cycle, KeyResult, Objective
from waypoint.workspaces.models import Member, Team, Workspace

from .models import NotificationPrefs, NotificationRun

log = logging.getLogger(__name__)
SEND_WEEKDAY, SEND_HOUR = 0, 9  # Monday, 9 o'clock in the workspace's time zone


def prefs(member: Member) -> NotificationPrefs:
    return NotificationPrefs.objects.filter(member=member).first() or NotificationPrefs(
        member=member
    )


def local_now(workspace: Workspace, now: dt.datetime) -> dt.datetime:
    return now.astimezone(workspace.zone)


def post_slack(url: str, text: str) -> int:
    return outbound.post_json(url, json.dumps({"text": text}).encode())


def _slack(workspace: Workspace, text: str) -> None:
    if not workspace.slack_webhook_url:
        return
    try:
        post_slack(workspace.slack_webhook_url, text)
    except (OSError, outbound.OutboundRefused) as exc:  # Slack must not stop the e-mails
        log.warning("Slack delivery failed for %s: %s", workspace.slug, exc)


def _mail(member: Member, subject: str, body: str) -> None:
    send_mail(f"[Waypoint] {subject}", body, settings.DEFAULT_FROM_EMAIL, [member.user.email])


def _once(workspace: Workspace, kind: str, week: dt.date) -> NotificationRun | None:
    try:
        with transaction.atomic():
            return NotificationRun.objects.create(workspace=workspace, kind=kind, week=week)
    except IntegrityError:
        return None


def stale_key_results(workspace: Workspace, today: dt.date) -> dict[Member, list[tuple]]:
    """Each member's key results of the current cycle with no check-in for 7 days or more,
    with the number of days since the last one (or since the cycle began)."""
    cycle = okr_selectors.current_cycle(workspace)
    if cycle is None or cycle.start > today:
        return {}
    krs = (
        KeyResult.objects.filter(objective__cycle=cycle)
        .exclude(objective__status=Objective.Status.ARCHIVED)
        .select_related("owner__user", "objective__owner__user")
    )
    out: dict[Member, list[tuple]] = defaultdict(list)
    for kr in krs:
        who = kr.owner or kr.objective.owner
        if who is None:
            continue
        since = kr.current_date or cycle.start
        days = (today - since).days
        if days >= 7:
            out[who].append((kr, days))
    return out


def weekly_reminders(workspace: Workspace, today: dt.date) -> int:
    """Remind everyone with a stale key result; after two missed weeks, their team leads too."""
    sent = 0
    stale = stale_key_results(workspace, today)
    leads: dict[Member, list[str]] = defaultdict(list)
    lines_for_slack = []
    for member, items in stale.items():
        p = prefs(member)
        with translation.override(workspace.language):
            titles = "\n".join(f"- {kr.title} ({days} d)" for kr, days in items)
            if p.reminders and p.email:
                _mail(
                    member,
                    _("Time to check in"),
                    _(
                        "These key results have not been updated for a week or more:\n%(krs)s\n\n"
                        "A minute each: the new value, your confidence, a word on what changed."
                    )
                    % {"krs": titles},
                )
                sent += 1
            lines_for_slack.append(f"{slack_escape(str(member.user))}: {len(items)}")
        if any(days >= 14 for _kr, days in items):
            for team in member.teams.select_related("lead__user"):
                if team.lead and team.lead != member:
                    leads[team.lead].append(str(member.user))
    for lead, names in leads.items():
        p = prefs(lead)
        if p.email and p.reminders:
            with translation.override(workspace.language):
                _mail(
                    lead,
                    _("Check-ins missed for two weeks"),
                    _(
                        "No check-in for two weeks or more from: %(names)s. A short conversation "
                        "usually unblocks it."
                    )
                    % {"names": ", ".join(sorted(set(names)))},
                )
            sent += 1
    if lines_for_slack:
        with translation.override(workspace.language):
            _slack(workspace, _("Check-ins due this week:") + " " + "; ".join(lines_for_slack))
    return sent


@dataclass
class TeamDigest:
    """What a team lead reads each Monday, built once and written for e-mail and for Slack."""

    team: Team
    cycle: Cycle
    progress: float
    objectives: list[tuple[str, float]]  # title, score
    risky: list[tuple[str, str]]  # key result title, confidence label
    breaches: list[tuple[str, str]]  # KPI name, level


def team_digest(team: Team, cycle: Cycle, reader: Member | None) -> TeamDigest:
    """The team's digest as ``reader`` may see it; ``None`` for the workspace's Slack channel,
    where no private objective goes."""
    objectives = list(
        Objective.objects.filter(cycle=cycle, teams=team)
        .filter(okr_selectors.visible_q(reader))
        .exclude(status=Objective.Status.ARCHIVED)
        .order_by("position", "id")
    )
    risky = KeyResult.objects.filter(
        objective__in=objectives, current_confidence__in=["at_risk", "off_track"]
    ).order_by("objective__position", "id")
    confidence = dict(CheckIn.Confidence.choices)
    breaches = Deviation.objects.filter(kpi__team=team, closed_on__isnull=True).select_related(
        "kpi"
    )
    return TeamDigest(
        team=team,
        cycle=cycle,
        progress=scoring.weighted_mean((o.progress, 1) for o in objectives),
        objectives=[(o.title, o.score) for o in objectives],
        risky=[(kr.title, str(confidence[kr.current_confidence])) for kr in risky],
        breaches=[(d.kpi.name, d.level) for d in breaches],
    )


def digest_text(d: TeamDigest) -> str:
    """The digest as plain text for e-mail."""
    lines = [
        _("Objectives of %(team)s in %(cycle)s:") % {"team": d.team.name, "cycle": d.cycle.name}
    ]
    lines += [f"- {title}: {score:.1f}" for title, score in d.objectives]
    lines.append(_("At risk or off track:"))
    lines += [f"- {title}" for title, _conf in d.risky] or ["-"]
    lines.append(_("KPIs outside their thresholds:"))
    lines += [f"- {name} ({level})" for name, level in d.breaches] or ["-"]
    return "\n".join(lines)


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup: user text must carry them as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def digest_slack(d: TeamDigest) -> str:
    """The digest in Slack mrkdwn: a bold heading, then the same three lists."""
    e = slack_escape
    lines = [
        "*"
        + e(_("Weekly digest: %(team)s") % {"team": d.team.name})
        + "* · "
        + e(d.cycle.name)
        + " · "
        + e(_("progress %(progress)s%%") % {"progress": round(d.progress * 100)}),
        "*" + e(_("Objectives")) + "*",
    ]
    lines += [f"• {e(title)}: {score:.1f}" for title, score in d.objectives] or ["–"]
    lines.append("*" + e(_("At risk or off track:")) + "*")
    lines += [f"• {e(title)} ({e(conf)})" for title, conf in d.risky] or ["–"]
    lines.append("*" + e(_("KPIs outside their thresholds:")) + "*")
    lines += [f"• {e(name)} ({e(level)})" for name, level in d.breaches] or ["–"]
    return "\n".join(lines)


def weekly_digest(workspace: Workspace, today: dt.date) -> int:
    """Each team lead: the team's objectives' progress, at-risk key results, KPI breaches;
    by e-mail and in the workspace's Slack, as the lead's preferences say."""
    cycle = okr_selectors.current_cycle(workspace)
    if cycle is None:
        return 0
    sent = 0
    for team in Team.objects.filter(workspace=workspace, lead__isnull=False).select_related(
        "lead__user"
    ):
        p = prefs(team.lead)
        by_mail = p.digest and p.email
        by_slack = p.digest and p.slack and bool(workspace.slack_webhook_url)
        if not (by_mail or by_slack):
            continue
        with translation.override(workspace.language):
            if by_mail:
                _mail(
                    team.lead,
                    _("Weekly digest: %(team)s") % {"team": team.name},
                    digest_text(team_digest(team, cycle, team.lead)),
                )
            if by_slack:
                _slack(workspace, digest_slack(team_digest(team, cycle, None)))
        sent += 1
    return sent


def kpi_alert(kpi, text: str) -> None:
    """A KPI breach or recovery, to its owner by e-mail and to the workspace's Slack."""
    if kpi.owner_id is None:
        return
    p = prefs(kpi.owner)
    if p.kpi_alerts and p.email:
        _mail(kpi.owner, kpi.name, text)
    if p.kpi_alerts and p.slack:
        _slack(kpi.workspace, slack_escape(text))


def run_weekly(now: dt.datetime) -> dict[str, int]:
    """The hourly job: workspaces where it is Monday 9 o'clock get reminders and digests."""
    done = {"reminders": 0, "digest": 0}
    for workspace in Workspace.objects.all():
        local = local_now(workspace, now)
        if local.weekday() != SEND_WEEKDAY or local.hour != SEND_HOUR:
            continue
        week = local.date()
        if _once(workspace, "reminders", week):
            done["reminders"] += weekly_reminders(workspace, week)
        if _once(workspace, "digest", week):
            done["digest"] += weekly_digest(workspace, week)
    return done
