"""Notifications: reminders, escalations, digests, KPI alerts and deviations, mentions and
comments, grades due; in the feed, by e-mail and in the workspace's Slack (seed 001:
continuous manager-employee conversation). Each member chooses where each kind reaches them
(``NotificationPrefs``). The clock is a parameter, so tests freeze it."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waypoint import outbound
from waypoint.kpis.models import Deviation
from waypoint.lib import scoring
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import CheckIn, Cycle, KeyResult, Objective
from waypoint.workspaces.models import Member, Role, Team, Workspace

from . import mailin
from .models import Channel, Kind, Notification, NotificationPrefs, NotificationRun, SlackLink
from .slack import escape as slack_escape

log = logging.getLogger(__name__)
SEND_HOUR = 9  # o'clock in the workspace's time zone, on its check-in day (Monday unless set)


def prefs(member: Member) -> NotificationPrefs:
    return NotificationPrefs.objects.filter(member=member).first() or NotificationPrefs(
        member=member
    )


def local_now(workspace: Workspace, now: dt.datetime) -> dt.datetime:
    return now.astimezone(workspace.zone)


def post_slack(url: str, text: str, blocks: list | None = None) -> int:
    message = {"text": text} | ({"blocks": blocks} if blocks else {})
    return outbound.post_json(url, json.dumps(message).encode())


def _slack(workspace: Workspace, text: str, blocks: list | None = None) -> None:
    if not workspace.slack_webhook_url:
        return
    try:
        post_slack(workspace.slack_webhook_url, text, blocks)
    except (OSError, outbound.OutboundRefused) as exc:  # Slack must not stop the e-mails
        log.warning("Slack delivery failed for %s: %s", workspace.slug, exc)


def _mail(member: Member, subject: str, body: str, reply_to: str | None = None) -> None:
    EmailMessage(
        f"[Waypoint] {subject}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [member.user.email],
        reply_to=[reply_to] if reply_to else None,
    ).send()


def slack_blocks(text: str, url: str, *, checkin: bool = False, escaped: bool = False):
    from .slack import message_blocks

    return message_blocks(text, url, checkin=checkin, escaped=escaped)


def _teams(workspace: Workspace, title: str, lines: list[str], url: str = "", button: str = ""):
    """A card in the workspace's Teams channel, when it has one."""
    from . import teams

    if not workspace.teams_webhook_url:
        return
    try:
        teams.post(workspace.teams_webhook_url, teams.card(title, lines, url, button))
    except (OSError, outbound.OutboundRefused) as exc:  # Teams must not stop the e-mails
        log.warning("Teams delivery failed for %s: %s", workspace.slug, exc)


def link(path: str) -> str:
    """An address in this installation, whole, for an e-mail."""
    return settings.PUBLIC_URL + path


def notify(
    *,
    workspace: Workspace,
    recipients: list[Member],
    kind: str,
    text: str,
    key: str,
    url: str = "",
    actor: Member | None = None,
    subject: str | None = None,
    body: str | None = None,
    reply_to: bool = False,
) -> int:
    """Tell each recipient once per ``key``: a line in their feed and an e-mail, as they
    chose for this kind, then Slack, Teams and push where they connected them. Never the
    one who did it. Run again (a job taken over after a crash), it tells no one twice; an
    e-mail that cannot be sent leaves no line, so the job retries. Slack, Teams and push are
    tried once each: one of them down stops neither the others nor the e-mail. Returns how
    many were told."""
    told = 0
    seen: set[int] = set()
    slack_link = SlackLink.objects.filter(workspace=workspace).first()  # once, not per person
    for member in recipients:
        if member is None or member.pk in seen or (actor is not None and member.pk == actor.pk):
            continue
        seen.add(member.pk)
        p = prefs(member)
        wanted = {c for c in Channel if p.wants(kind, c)}
        if not wanted:
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    workspace=workspace,
                    recipient=member,
                    kind=kind,
                    text=text[:300],
                    url=url[:300],
                    actor=actor,
                    key=f"{key}:{member.pk}"[:120],
                    in_app=Channel.APP in wanted,
                )
                if Channel.EMAIL in wanted:
                    _mail(
                        member,
                        subject or text[:100],
                        body or f"{text}\n\n{link(url)}",
                        reply_to=mailin.reply_address(member) if reply_to else None,
                    )
        except IntegrityError:
            continue  # told already
        told += 1
        _elsewhere(slack_link, member, p, wanted, kind=kind, text=text, url=url, subject=subject)
    return told


def _elsewhere(slack_link, member, p, wanted, *, kind, text, url, subject) -> None:
    """Slack, Teams and push, for a member who connected them."""
    from . import push, slack, teams

    checkin = kind == Kind.CHECKIN_DUE
    if Channel.SLACK in wanted and slack_link is not None:
        try:
            slack.dm(slack_link, member, text, slack.message_blocks(text, url, checkin=checkin))
        except (OSError, outbound.OutboundRefused, slack.SlackError) as exc:
            log.warning("Slack message failed for member %s: %s", member.pk, exc)
    if Channel.TEAMS in wanted and p.teams_url:
        try:
            teams.post(
                p.teams_url,
                teams.card(subject or _("Waypoint"), [text], url, _("Check in") if checkin else ""),
            )
        except (OSError, outbound.OutboundRefused) as exc:
            log.warning("Teams message failed for member %s: %s", member.pk, exc)
    if Channel.PUSH in wanted:
        push.notify(member, title=subject or _("Waypoint"), text=text, url=url)


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
    checkin = reverse("okrs:checkin", args=[workspace.slug])
    for member, items in stale.items():
        with translation.override(workspace.language):
            titles = "\n".join(f"- {kr.title} ({days} d)" for kr, days in items)
            body = _(
                "These key results have not been updated for a week or more:\n%(krs)s\n\n"
                "A minute each: the new value, your confidence, a word on what changed."
            ) % {"krs": titles}
            if mailin.reply_address(member):
                from .checkins import sheet

                krs = sheet(member)
                body += "\n\n" + _("Or reply to this e-mail:") + "\n" + mailin.sheet_text(krs)
                body += "\n\n" + mailin.help_text(krs)
            sent += notify(
                workspace=workspace,
                recipients=[member],
                kind=Kind.CHECKIN_DUE,
                key=f"checkin_due:{today.isoformat()}",
                url=checkin,
                text=ngettext(
                    "%(count)s key result waits for this week's check-in.",
                    "%(count)s key results wait for this week's check-in.",
                    len(items),
                )
                % {"count": len(items)},
                subject=_("Time to check in"),
                body=body + "\n\n" + link(checkin),
                reply_to=True,
            )
            lines_for_slack.append(f"{slack_escape(str(member.user))}: {len(items)}")
        if any(days >= 14 for _kr, days in items):
            for team in member.teams.select_related("lead__user"):
                if team.lead and team.lead != member:
                    leads[team.lead].append(str(member.user))
    for lead, names in leads.items():
        with translation.override(workspace.language):
            text = _(
                "No check-in for two weeks or more from: %(names)s. A short conversation "
                "usually unblocks it."
            ) % {"names": ", ".join(sorted(set(names)))}
            sent += notify(
                workspace=workspace,
                recipients=[lead],
                kind=Kind.CHECKIN_DUE,
                key=f"checkins_missed:{today.isoformat()}",
                text=text,
                url=checkin,
                subject=_("Check-ins missed for two weeks"),
                body=text,
            )
    if lines_for_slack:
        with translation.override(workspace.language):
            text = _("Check-ins due this week:") + " " + "; ".join(lines_for_slack)
            _slack(workspace, text, slack_blocks(text, checkin, checkin=True))
            _teams(
                workspace,
                _("Check-ins due this week:"),
                [f"{m.user}: {len(items)}" for m, items in stale.items()],
                checkin,
                _("Check in"),
            )
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
    by e-mail as the lead chose, and in the workspace's Slack channel when it has one."""
    cycle = okr_selectors.current_cycle(workspace)
    if cycle is None:
        return 0
    sent = 0
    for team in Team.objects.filter(workspace=workspace, lead__isnull=False).select_related(
        "lead__user"
    ):
        with translation.override(workspace.language):
            if prefs(team.lead).wants(Kind.DIGEST, Channel.EMAIL):
                _mail(
                    team.lead,
                    _("Weekly digest: %(team)s") % {"team": team.name},
                    digest_text(team_digest(team, cycle, team.lead)),
                )
                sent += 1
            if workspace.slack_webhook_url or workspace.teams_webhook_url:
                public = team_digest(team, cycle, None)
                checkin = reverse("okrs:checkin", args=[workspace.slug])
                text = digest_slack(public)
                _slack(workspace, text, slack_blocks(text, checkin, checkin=True, escaped=True))
                _teams(
                    workspace,
                    _("Weekly digest: %(team)s") % {"team": team.name},
                    digest_text(public).splitlines(),
                    checkin,
                    _("Check in"),
                )
    return sent


def kpi_alert(kpi, text: str, *, event: int, deviation=None, also=()) -> int:
    """A KPI breach, escalation, recovery or response: to the KPI's owner, the deviation's
    owner, the lead of the KPI's team, the owners of key results it drives and ``also``
    (the owner of an initiative a response opened); and to Slack."""
    recipients = [kpi.owner, getattr(deviation, "owner", None), *also]
    if kpi.team_id and kpi.team.lead_id:
        recipients.append(kpi.team.lead)
    recipients += [
        kr.owner for kr in KeyResult.objects.filter(kpi=kpi).select_related("owner__user")
    ]
    told = notify(
        workspace=kpi.workspace,
        recipients=[m for m in recipients if m is not None],
        kind=Kind.DEVIATION if deviation is not None else Kind.KPI_ALERT,
        text=text,
        key=f"kpi_alert:{event}",
        url=reverse("kpis:detail", args=[kpi.workspace.slug, kpi.pk]),
        subject=kpi.name,
    )
    url = reverse("kpis:detail", args=[kpi.workspace.slug, kpi.pk])
    _slack(kpi.workspace, slack_escape(text), slack_blocks(text, url))
    _teams(kpi.workspace, kpi.name, [text], url)
    return told


def comment_notifications(comment, *, event: int) -> int:
    """Everyone a comment mentions, and the objective's owner: each only if they may see the
    objective (a private one stays private)."""
    from waypoint.workspaces.selectors import mentioned_members

    objective = comment.objective
    workspace = objective.workspace
    author = comment.author
    visible = okr_selectors.visible_objectives
    url = reverse("okrs:objective", args=[workspace.slug, objective.pk]) + "#comments"
    who = str(author.user) if author else _("Someone")
    excerpt = comment.body if len(comment.body) <= 140 else comment.body[:139] + "…"

    def may_see(member) -> bool:
        return visible(workspace, member).filter(pk=objective.pk).exists()

    mentioned = mentioned_members(workspace, comment.body)
    with translation.override(workspace.language):
        told = notify(  # never the author: notify leaves out the actor
            workspace=workspace,
            recipients=[m for m in mentioned if may_see(m)],
            kind=Kind.MENTION,
            key=f"comment:{comment.pk}",
            url=url,
            actor=author,
            text=_("%(who)s mentioned you on “%(objective)s”: %(text)s")
            % {"who": who, "objective": objective.title, "text": excerpt},
            subject=_("%(who)s mentioned you") % {"who": who},
        )
        owner = objective.owner
        if owner is not None and owner not in mentioned and may_see(owner):
            told += notify(
                workspace=workspace,
                recipients=[owner],
                kind=Kind.COMMENT,
                key=f"comment:{comment.pk}",
                url=url,
                actor=author,
                text=_("%(who)s commented on “%(objective)s”: %(text)s")
                % {"who": who, "objective": objective.title, "text": excerpt},
            )
    return told


GRADING_OPENS = dt.timedelta(days=14)  # before a cycle's end


def grades_due(workspace: Workspace, today: dt.date) -> int:
    """In a cycle's last two weeks (and after its end, until it is closed): each owner of an
    objective not yet graded, once per cycle."""
    told = 0
    cycles = Cycle.objects.filter(
        workspace=workspace, status=Cycle.Status.OPEN, end__lte=today + GRADING_OPENS
    )
    for cycle in cycles:
        owners = (
            Objective.objects.filter(cycle=cycle, owner__isnull=False)
            .exclude(status__in=[Objective.Status.ARCHIVED, Objective.Status.DRAFT])
            .filter(Q(retrospective__isnull=True) | Q(retrospective__grade__isnull=True))
            .values("owner")
        )
        # A subquery, not a list of ids: at 10,000 people the owners run into thousands.
        members = Member.objects.filter(pk__in=owners).select_related("user")
        with translation.override(workspace.language):
            told += notify(
                workspace=workspace,
                recipients=list(members),
                kind=Kind.GRADE_DUE,
                key=f"grade_due:{cycle.pk}",
                url=reverse("coach:retro", args=[workspace.slug, cycle.pk]),
                text=_(
                    "“%(cycle)s” ends on %(end)s: grade your objectives and write what you learned."
                )
                % {"cycle": cycle.name, "end": cycle.end.isoformat()},
                subject=_("Time to grade “%(cycle)s”") % {"cycle": cycle.name},
            )
    return told


def objective_proposed(objective, *, event: int) -> int:
    """A draft proposed for review: the leads of its teams and its owner's who may see it
    (the workspace's admins without any) are asked to review it."""
    ws = objective.workspace
    with translation.override(ws.language):
        return notify(
            workspace=ws,
            recipients=_leads_of(objective),
            kind=Kind.OBJECTIVE_REVIEW,
            key=f"objective_review:{event}",
            url=reverse("okrs:objective", args=[ws.slug, objective.pk]) + "#review",
            actor=objective.owner,
            text=_("%(owner)s proposes “%(title)s”: review it, agree or ask for changes.")
            % {"owner": objective.owner or _("Someone"), "title": objective.title},
        )


REVIEWERS = 50  # the editors told of a report to review, at most


def report_review(report, *, event: int) -> int:
    """A scheduled report with a drafted summary: the workspace's editors and admins are
    asked to read it, edit the summary and send it."""
    ws = report.workspace
    editors = list(
        Member.objects.filter(workspace=ws, role__in=[Role.OWNER, Role.ADMIN, Role.EDITOR])
        .select_related("user")
        .order_by("id")[:REVIEWERS]
    )
    with translation.override(ws.language):
        return notify(
            workspace=ws,
            recipients=editors,
            kind=Kind.REPORT_REVIEW,
            key=f"report_review:{event}",
            url=reverse("reports:detail", args=[ws.slug, report.pk]),
            text=_("“%(title)s” is ready with a drafted summary: read it, edit it and send it.")
            % {"title": report.title},
        )


# An initiative past its due date is told about on the days that follow, for this long (a
# missed daily run still tells); once per due date.
OVERDUE_WINDOW = dt.timedelta(days=7)


def initiatives_overdue(workspace: Workspace, today: dt.date) -> int:
    """Each open initiative whose due date passed lately: its owner hears, once per due date
    (moving the date and missing it again tells again)."""
    from waypoint.okrs.models import Initiative

    told = 0
    late = (
        Initiative.objects.filter(
            workspace=workspace,
            status__in=Initiative.OPEN,
            owner__isnull=False,
            due_on__lt=today,
            due_on__gte=today - OVERDUE_WINDOW,
        )
        .select_related("owner__user", "key_result__objective", "kpi")
        .order_by("due_on", "id")
    )
    with translation.override(workspace.language):
        for initiative in late:
            if initiative.key_result_id:
                url = (
                    reverse(
                        "okrs:objective",
                        args=[workspace.slug, initiative.key_result.objective_id],
                    )
                    + f"#initiative-{initiative.pk}"
                )
            else:
                url = reverse("kpis:detail", args=[workspace.slug, initiative.kpi_id])
            told += notify(
                workspace=workspace,
                recipients=[initiative.owner],
                kind=Kind.INITIATIVE_DUE,
                key=f"initiative_due:{initiative.pk}:{initiative.due_on.isoformat()}",
                url=url,
                text=_("“%(title)s” was due on %(date)s: mark it done, or give it a new date.")
                % {"title": initiative.title, "date": initiative.due_on.isoformat()},
            )
    return told


def _why_red(objective: Objective, today: dt.date) -> str | None:
    """Why a commitment is red: a key result whose owner says it is off track, or the
    objective far behind its pace (``scoring.pace_band``); None when it is not."""
    (row,) = okr_selectors.rows_for([objective], today)
    off = [k.kr.title for k in row.krs if k.confidence == CheckIn.Confidence.OFF_TRACK]
    if off:
        return _("off track: %(krs)s") % {"krs": "; ".join(f"“{t}”" for t in off)}
    behind = scoring.pace(row.progress, row.expected)
    if scoring.pace_band(behind) == "late":
        return _("%(points)s%% behind its pace") % {"points": round(-behind * 100)}
    return None


def _leads_of(objective: Objective) -> list[Member]:
    """Who a commitment at risk goes to: the leads of its teams and of its owner's teams
    who may see it (a private objective stays private); without any, the workspace's
    admins. Never its owner."""
    visible = okr_selectors.visible_objectives
    leads = {
        lead
        for lead in okr_selectors.team_leads(objective)
        if visible(objective.workspace, lead).filter(pk=objective.pk).exists()
    }
    if not leads:
        leads = set(
            Member.objects.filter(
                workspace_id=objective.workspace_id, role__in=(Role.OWNER, Role.ADMIN)
            ).select_related("user")
        )
    return sorted((m for m in leads if m.pk != objective.owner_id), key=lambda m: m.pk)


def commitment_at_risk(objective: Objective, today: dt.date) -> int:
    """Seed 003: a committed objective that turns red goes to its owner's lead at once (not
    after two missed weeks of check-ins), once a week while it stays red."""
    if (
        objective.kind != Objective.Kind.COMMITTED
        or objective.status != Objective.Status.ACTIVE
        or objective.cycle.status != Cycle.Status.OPEN
    ):
        return 0
    workspace = objective.workspace
    with translation.override(workspace.language):
        why = _why_red(objective, today)
        if why is None:
            return 0
        owner = str(objective.owner.user) if objective.owner else _("nobody")
        text = _(
            "A commitment is at risk: “%(objective)s” (%(owner)s) is %(why)s. Committed "
            "objectives are raised at once, while there is time to help."
        ) % {"objective": objective.title, "owner": owner, "why": why}
        url = reverse("okrs:objective", args=[workspace.slug, objective.pk])
        return notify(
            workspace=workspace,
            recipients=_leads_of(objective),
            kind=Kind.COMMITMENT,
            key=f"commitment:{objective.pk}:{okr_selectors.week_of(today).isoformat()}",
            url=url,
            text=text,
            subject=_("A commitment is at risk: “%(objective)s”") % {"objective": objective.title},
            body=text + "\n\n" + link(url),
        )


def commitments_at_risk(workspace: Workspace, today: dt.date) -> int:
    """Every commitment of the workspace's open cycles that is red today (its pace can turn
    red with no check-in at all)."""
    told = 0
    committed = (
        Objective.objects.filter(
            workspace=workspace,
            kind=Objective.Kind.COMMITTED,
            status=Objective.Status.ACTIVE,
            cycle__status=Cycle.Status.OPEN,
            cycle__start__lte=today,
            cycle__end__gte=today,
        )
        .select_related("cycle", "workspace", "owner__user")
        .prefetch_related("key_results")
    )
    for objective in committed.iterator(chunk_size=200):
        told += commitment_at_risk(objective, today)
    return told


def run_daily(now: dt.datetime) -> int:
    """The hourly job's daily part, at 9 in each workspace's time zone: grades due,
    commitments that turned red without a check-in, and initiatives past their due date."""
    told = 0
    for workspace in Workspace.objects.all():
        local = local_now(workspace, now)
        if local.hour == SEND_HOUR:
            told += grades_due(workspace, local.date())
            told += commitments_at_risk(workspace, local.date())
            told += initiatives_overdue(workspace, local.date())
    return told


def run_weekly(now: dt.datetime) -> dict[str, int]:
    """The hourly job: workspaces where it is 9 o'clock on their check-in day get reminders
    and digests."""
    done = {"reminders": 0, "digest": 0}
    for workspace in Workspace.objects.all():
        local = local_now(workspace, now)
        if local.weekday() != workspace.reminder_weekday or local.hour != SEND_HOUR:
            continue
        week = local.date()
        if _once(workspace, "reminders", week):
            done["reminders"] += weekly_reminders(workspace, week)
        if _once(workspace, "digest", week):
            done["digest"] += weekly_digest(workspace, week)
    return done
