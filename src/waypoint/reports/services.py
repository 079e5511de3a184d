"""Writes to reports and their share links, audited."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint.jobs import queue as events
from waypoint.workspaces import audit
from waypoint.workspaces.models import Member, User, Workspace
from waypoint.workspaces.services import check_dates, same_workspace

from .models import SECTION_KEYS, Report, ReportTemplate, ShareLink

log = logging.getLogger(__name__)


@transaction.atomic
def report_create(
    *,
    workspace: Workspace,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    summary: str = "",
    template: ReportTemplate | None = None,
    by: Member | None,
    actor: User | None,
) -> Report:
    """A report of a period; from ``template``, with its sections, teams and KPIs."""
    check_dates(period_start=period_start, period_end=period_end)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end date is before the start date.")})
    if not title.strip():
        raise ValidationError({"title": _("A report needs a title.")})
    if template is not None:
        same_workspace(workspace, "template", template)
    report = Report.objects.create(
        workspace=workspace,
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        summary=summary.strip(),
        created_by=by,
        sections=list(template.sections) if template else [],
        dashboard=template.dashboard if template else None,
    )
    if template is not None:
        report.teams.set(template.teams.all())
        report.kpis.set(template.kpis.all())
    audit.record(
        workspace=workspace,
        actor=actor,
        action="report.create",
        obj=report,
        after=audit.snapshot(report),
    )
    return report


@transaction.atomic
def report_update(*, report: Report, actor: User | None, **fields) -> Report:
    allowed = {"title", "summary", "period_start", "period_end"}
    if set(fields) - allowed:
        raise TypeError(f"cannot set {sorted(set(fields) - allowed)}")
    fields = {k: v for k, v in fields.items() if v is not None}
    if "title" in fields:
        fields["title"] = fields["title"].strip()
        if not fields["title"]:
            raise ValidationError({"title": _("A report needs a title.")})
    if "summary" in fields:
        fields["summary"] = fields["summary"].strip()
    check_dates(period_start=fields.get("period_start"), period_end=fields.get("period_end"))
    start = fields.get("period_start", report.period_start)
    if fields.get("period_end", report.period_end) < start:
        raise ValidationError({"period_end": _("The end date is before the start date.")})
    return audit.save_changes(
        report, actor=actor, action="report.update", workspace=report.workspace, fields=fields
    )


@transaction.atomic
def report_draft_summary(*, report: Report, actor: User | None) -> Report:
    """The summary drafted from the period's data (``drafting``), in place of what it was:
    the audit trail keeps the text it replaced."""
    from .drafting import draft_summary

    return report_update(report=report, actor=actor, summary=draft_summary(report))


def _check_template(workspace: Workspace, name: str, sections, teams, kpis) -> list[str]:
    if not name.strip():
        raise ValidationError({"name": _("A template needs a name.")})
    unknown = [k for k in sections if k not in SECTION_KEYS]
    if unknown or not sections:
        raise ValidationError({"sections": _("Choose at least one section.")})
    for obj in [*teams, *kpis]:
        if obj.workspace_id != workspace.pk:
            raise ValidationError(_("This belongs to another workspace."))
    return [k for k in SECTION_KEYS if k in sections]


@transaction.atomic
def template_save(
    *,
    workspace: Workspace,
    name: str,
    sections,
    teams=(),
    kpis=(),
    dashboard=None,
    template: ReportTemplate | None = None,
    actor: User | None,
) -> ReportTemplate:
    """A report template made, or changed when ``template`` is given."""
    ordered = _check_template(workspace, name, sections, teams, kpis)
    if dashboard is not None:
        same_workspace(workspace, "dashboard", dashboard)
    clash = ReportTemplate.objects.filter(workspace=workspace, name=name.strip())
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"name": _("A template of this name exists already.")})
    if template is None:
        template = ReportTemplate.objects.create(
            workspace=workspace, name=name.strip(), sections=ordered, dashboard=dashboard
        )
        template.teams.set(teams)
        template.kpis.set(kpis)
        audit.record(
            workspace=workspace,
            actor=actor,
            action="report_template.create",
            obj=template,
            after={
                **audit.snapshot(template),
                "teams": [t.pk for t in teams],
                "kpis": [k.pk for k in kpis],
            },
        )
        return template
    return audit.save_changes(
        template,
        actor=actor,
        action="report_template.update",
        workspace=workspace,
        fields={"name": name.strip(), "sections": ordered, "dashboard": dashboard},
        m2m={"teams": list(teams), "kpis": list(kpis)},
    )


@transaction.atomic
def template_delete(*, template: ReportTemplate, actor: User | None) -> None:
    audit.record(
        workspace=template.workspace,
        actor=actor,
        action="report_template.delete",
        obj=template,
        before=audit.snapshot(template),
    )
    template.delete()


@transaction.atomic
def report_set_scope(*, report: Report, teams, kpis, actor: User | None) -> Report:
    """Which teams' objectives and which KPIs a report covers (none: the default scope)."""
    for obj in [*teams, *kpis]:
        if obj.workspace_id != report.workspace_id:
            raise ValidationError(_("This belongs to another workspace."))
    return audit.save_changes(
        report,
        actor=actor,
        action="report.scope",
        workspace=report.workspace,
        fields={},
        m2m={"teams": list(teams), "kpis": list(kpis)},
    )


def _link_create(
    *, workspace: Workspace, kind: str, report: Report | None, days: int, actor: User | None
) -> ShareLink:
    if not 1 <= days <= 365:
        raise ValidationError({"days": _("A link lasts between 1 and 365 days.")})
    link = ShareLink.objects.create(
        workspace=workspace,
        kind=kind,
        report=report,
        token=secrets.token_urlsafe(24),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="share_link.create",
        obj=link,
        after={
            "kind": kind,
            "report": report.pk if report else None,
            "expires_at": link.expires_at.isoformat(),
        },
    )
    return link


@transaction.atomic
def share_link_create(*, report: Report, days: int, actor: User | None) -> ShareLink:
    return _link_create(
        workspace=report.workspace,
        kind=ShareLink.Kind.REPORT,
        report=report,
        days=days,
        actor=actor,
    )


@transaction.atomic
def dashboard_link_create(
    *, workspace: Workspace, days: int, actor: User | None, dashboard=None
) -> ShareLink:
    """A link to the live dashboard (the current cycle's shared objectives and the KPIs), or
    to a dashboard the workspace built; read-only, and embeddable in another site's page."""
    if dashboard is not None and dashboard.workspace_id != workspace.pk:
        raise ValidationError(_("A dashboard of another workspace."))
    link = _link_create(
        workspace=workspace, kind=ShareLink.Kind.DASHBOARD, report=None, days=days, actor=actor
    )
    if dashboard is not None:
        link.dashboard = dashboard
        link.save(update_fields=["dashboard"])
    return link


@transaction.atomic
def share_link_revoke(*, link: ShareLink, actor: User | None) -> ShareLink:
    return audit.save_changes(
        link,
        actor=actor,
        action="share_link.revoke",
        workspace=link.workspace,
        fields={"revoked_at": timezone.now()},
    )


def first_monday(day: dt.date) -> bool:
    return day.weekday() == 0 and day.day <= 7


@transaction.atomic
def schedule_save(
    *,
    workspace: Workspace,
    recipients: str,
    active: bool,
    template: ReportTemplate | None = None,
    send_as_drafted: bool = False,
    actor: User | None,
):
    from django.core.validators import validate_email

    from .models import ReportSchedule

    schedule, _created = ReportSchedule.objects.get_or_create(
        workspace=workspace, defaults={"recipients": recipients}
    )
    for address in [a.strip() for a in recipients.replace(",", "\n").splitlines() if a.strip()]:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(
                {"recipients": _("“%(a)s” is not an e-mail address.") % {"a": address}}
            ) from exc
    return audit.save_changes(
        schedule,
        actor=actor,
        action="report.schedule",
        workspace=workspace,
        fields={
            "recipients": recipients.strip(),
            "active": active,
            "template": template,
            "send_as_drafted": send_as_drafted,
        },
    )


def send_scheduled(schedule, today: dt.date) -> Report | None:
    """On the first Monday of a month: last month's report, from the schedule's template,
    with its summary drafted from the data. Sent as a PDF at once when the schedule says so;
    otherwise it waits for its editors, who are told, to edit the summary and send it. Once."""
    from django.utils import translation

    if not (schedule.active and first_monday(today) and schedule.addresses):
        return None
    if schedule.last_sent_on == today:
        return None
    end = today.replace(day=1) - dt.timedelta(days=1)
    ws = schedule.workspace
    with transaction.atomic():
        with translation.override(ws.language):
            report = report_create(
                workspace=ws,
                period_start=end.replace(day=1),
                period_end=end,
                template=schedule.template,
                by=None,
                actor=None,
                title=_("%(workspace)s: report for %(month)s")
                % {"workspace": ws.name, "month": end.strftime("%Y-%m")},
            )
        report_draft_summary(report=report, actor=None)
        schedule.last_sent_on = today
        schedule.save(update_fields=["last_sent_on"])
        if not schedule.send_as_drafted:
            events.record(ws, "report.review", {"report": report.pk})
    if schedule.send_as_drafted:
        try:
            report_send(report=report, actor=None)
        except (OSError, ValidationError) as exc:
            # Not lost: the report waits for its editors, who are told, as without the option.
            log.warning("Scheduled report %s was not sent: %s", report.pk, exc)
            with transaction.atomic():
                events.record(ws, "report.review", {"report": report.pk})
    return report


def report_send(*, report: Report, actor: User | None) -> Report:
    """E-mail the report as a PDF to the schedule's recipients, in the workspace's language;
    the report keeps when it went."""
    from django.core.mail import EmailMessage
    from django.utils import translation

    from .models import ReportSchedule
    from .selectors import report_pdf

    ws = report.workspace
    schedule = ReportSchedule.objects.filter(workspace=ws).first()
    if schedule is None or not schedule.addresses:
        raise ValidationError(_("Give the report schedule its recipients first."))
    month = report.period_end.strftime("%Y-%m")
    with translation.override(ws.language):
        mail = EmailMessage(
            subject=report.title,
            body=(report.summary + "\n\n" if report.summary else "")
            + _("The report for %(month)s is attached.") % {"month": month},
            to=schedule.addresses,
        )
        mail.attach(f"report-{month}.pdf", report_pdf(report, ws.language), "application/pdf")
    mail.send()
    with transaction.atomic():
        audit.save_changes(
            report,
            actor=actor,
            action="report.send",
            workspace=ws,
            fields={"sent_at": timezone.now()},
        )
    return report
