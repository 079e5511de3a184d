"""Writes to reports and their share links, audited."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint.workspaces import audit
from waypoint.workspaces.models import Member, User, Workspace

from .models import Report, ShareLink


@transaction.atomic
def report_create(
    *,
    workspace: Workspace,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    summary: str = "",
    by: Member | None,
    actor: User | None,
) -> Report:
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end date is before the start date.")})
    if not title.strip():
        raise ValidationError({"title": _("A report needs a title.")})
    report = Report.objects.create(
        workspace=workspace,
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        summary=summary.strip(),
        created_by=by,
    )
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
    return audit.save_changes(
        report, actor=actor, action="report.update", workspace=report.workspace, fields=fields
    )


@transaction.atomic
def share_link_create(*, report: Report, days: int, actor: User | None) -> ShareLink:
    if not 1 <= days <= 365:
        raise ValidationError({"days": _("A link lasts between 1 and 365 days.")})
    link = ShareLink.objects.create(
        workspace=report.workspace,
        report=report,
        token=secrets.token_urlsafe(24),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit.record(
        workspace=report.workspace,
        actor=actor,
        action="share_link.create",
        obj=link,
        after={"report": report.pk, "expires_at": link.expires_at.isoformat()},
    )
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
