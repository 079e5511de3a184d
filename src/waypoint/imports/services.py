"""Writes for spreadsheet imports: the upload, its mapping, and the import itself (audited).

The import is all or nothing: the rows are planned again, and written in one transaction
only when every row is valid; otherwise nothing is written and the upload says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint.jobs import queue
from waypoint.kpis import services as kpi_services
from waypoint.kpis.models import Kpi
from waypoint.okrs import okrfile
from waypoint.okrs.models import Cycle
from waypoint.workspaces import audit
from waypoint.workspaces.models import Member, User, Workspace
from waypoint.workspaces.services import same_workspace

from . import plans, tables
from .models import Upload

STALE_AFTER = dt.timedelta(days=1)


def upload_create(
    *,
    workspace: Workspace,
    by: Member,
    kind: str,
    filename: str,
    data: bytes,
    cycle: Cycle | None = None,
    kpi: Kpi | None = None,
    actor: User | None,
) -> Upload:
    """Keep a readable table with a guessed mapping; a file that is no table is refused."""
    if kind not in Upload.Kind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    same_workspace(workspace, cycle, kpi)
    try:
        table = tables.read(filename, data)
    except tables.TableError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    with transaction.atomic():
        Upload.objects.filter(
            workspace=workspace, created_at__lt=timezone.now() - STALE_AFTER
        ).exclude(status=Upload.Status.RUNNING).update(data=b"")
        upload = Upload.objects.create(
            workspace=workspace,
            created_by=by,
            kind=kind,
            filename=filename[:200],
            data=data,
            cycle=cycle,
            kpi=kpi,
            mapping=plans.guess(kind, table.header),
        )
        audit.record(
            workspace=workspace,
            actor=actor,
            action="import.upload",
            obj=upload,
            after=audit.snapshot(upload),
        )
    return upload


def table_of(upload: Upload) -> tables.Table:
    if not upload.data:
        raise ValidationError(_("This upload has expired: upload the file again."))
    return tables.read(upload.filename, bytes(upload.data))


@transaction.atomic
def upload_map(
    *,
    upload: Upload,
    mapping: dict[str, int | None],
    cycle: Cycle | None,
    kpi: Kpi | None,
    actor: User | None,
) -> Upload:
    """Which column holds which field; a column may serve one field only."""
    same_workspace(upload.workspace, cycle, kpi)
    width = len(table_of(upload).header)
    keys = {f.key for f in plans.fields_for(upload.kind)}
    clean = {k: v for k, v in mapping.items() if k in keys}
    errors = {}
    used: dict[int, str] = {}
    for key, index in clean.items():
        if index is None:
            continue
        if not 0 <= index < width:
            errors[key] = _("The file has no such column.")
        elif index in used:
            errors[key] = _("This column is already chosen for another field.")
        used.setdefault(index, key)
    if errors:
        raise ValidationError(errors)
    return audit.save_changes(
        upload,
        actor=actor,
        action="import.map",
        workspace=upload.workspace,
        fields={"mapping": clean, "cycle": cycle, "kpi": kpi},
    )


def upload_plan(upload: Upload, *, today: dt.date) -> plans.Plan:
    table = table_of(upload)
    if upload.kind == Upload.Kind.OKRS:
        member = upload.created_by
        return plans.plan_okrs(
            table,
            upload.mapping,
            workspace=upload.workspace,
            cycle=upload.cycle,
            by_email=member.user.email if member else None,
            today=today,
        )
    return plans.plan_points(table, upload.mapping, workspace=upload.workspace, kpi=upload.kpi)


def upload_start(*, upload: Upload, actor: User | None) -> Upload:
    """Mark the upload as importing, with the job that runs it once this commits."""
    if upload.status != Upload.Status.NEW:
        raise ValidationError(_("This file has already been imported."))
    with transaction.atomic():
        queue.enqueue(
            "imports.run",
            {"upload": upload.pk},
            workspace=upload.workspace,
            key=f"upload:{upload.pk}",
        )
        return audit.save_changes(
            upload,
            actor=actor,
            action="import.start",
            workspace=upload.workspace,
            fields={"status": Upload.Status.RUNNING},
        )


def upload_run(
    *, upload: Upload, today: dt.date, progress: Callable[[int, int], None] | None = None
) -> Upload:
    """Plan the rows again and write them in one transaction, or write nothing and say why."""
    actor = upload.created_by.user if upload.created_by else None
    try:
        plan = upload_plan(upload, today=today)
    except ValidationError as exc:
        return _finish(upload, Upload.Status.FAILED, {"errors": exc.messages}, actor)
    if not plan.ok:
        messages = [f"{e.row or ''} {e.column}: {e.message}".strip() for e in plan.errors[:20]]
        return _finish(upload, Upload.Status.FAILED, {"errors": messages}, actor)
    try:
        with transaction.atomic():
            if upload.kind == Upload.Kind.OKRS:
                total = sum(len(d.objectives) for d in plan.docs)
                okrfile.import_documents(
                    plan.docs,
                    workspace_slug=upload.workspace.slug,
                    actor=actor,
                    filename=upload.filename,
                    partial=True,
                    progress=(lambda n: progress(n, total)) if progress else None,
                )
            else:
                total = sum(len(rows) for rows in plan.points.values())
                done = 0
                kpis = Kpi.objects.in_bulk(list(plan.points))
                for kpi_id, rows in plan.points.items():
                    kpi_services.data_points_record(
                        kpi=kpis[kpi_id],
                        rows=rows,
                        author=upload.created_by,
                        actor=actor,
                        progress=(lambda n, base=done: progress(base + n, total))
                        if progress
                        else None,
                    )
                    done += len(rows)
    except okrfile.OkrFileError as exc:
        return _finish(upload, Upload.Status.FAILED, {"errors": exc.errors[:20]}, actor)
    return _finish(upload, Upload.Status.DONE, {"counts": plan.counts, "rows": plan.rows}, actor)


@transaction.atomic
def _finish(upload: Upload, status: str, result: dict, actor: User | None) -> Upload:
    fields = {"status": status, "result": result, "finished_at": timezone.now()}
    if status == Upload.Status.DONE:
        fields["data"] = b""  # the rows now live in the workspace; the file is not kept
    return audit.save_changes(
        upload, actor=actor, action=f"import.{status}", workspace=upload.workspace, fields=fields
    )


def upload_fail(*, upload: Upload, message: str) -> Upload:
    """An import that broke off unexpectedly: its transaction is gone, nothing was written."""
    actor = upload.created_by.user if upload.created_by else None
    return _finish(upload, Upload.Status.FAILED, {"errors": [message]}, actor)
