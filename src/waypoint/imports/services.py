"""Writes for spreadsheet imports: the upload, its mapping, and the import itself (audited).

The rows are planned again and checked outside any transaction: nothing is written unless
every row is valid, and otherwise the upload says why. The rows are then written in chunks,
each its own short transaction (on SQLite the write lock is held for a chunk, never for the
whole file, so other people's writes go on), and each chunk records itself on the upload in
the same transaction. A worker killed in the middle leaves the committed chunks; the job is
taken over and goes on from the next one, so every row is written exactly once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

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

# How much one chunk writes: objectives plus their key results, or data points. Measured on
# SQLite, a chunk of 50 OKR items holds the write lock about 0.3 s on an idle machine, and
# stays under a second with both cores busy (see test_imports); 100 took 0.6 s idle and up
# to 2.3 s under load, long enough for another writer to wait on the lock.
CHUNK_OKR_ITEMS = 50
CHUNK_POINTS = 5000


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
    """Plan the rows again, then write them chunk by chunk from the first one not yet written."""
    actor = upload.created_by.user if upload.created_by else None
    try:
        plan = upload_plan(upload, today=today)
    except ValidationError as exc:
        return _finish(upload, Upload.Status.FAILED, {"errors": exc.messages}, actor)
    if not plan.ok:
        messages = [f"{e.row or ''} {e.column}: {e.message}".strip() for e in plan.errors[:20]]
        return _finish(upload, Upload.Status.FAILED, {"errors": messages}, actor)
    chunks = list(_chunks(upload, plan, actor))
    total = sum(size for size, _write in chunks)
    done = sum(size for size, _write in chunks[: upload.written])
    # How long the longest chunk held the transaction open, and how much of that was this
    # thread's own work: the first is what another writer waits, the second what the chunk
    # size decides (the rest is the machine being busy elsewhere).
    longest = longest_cpu = 0.0
    for index, (size, write) in enumerate(chunks):
        if index < upload.written:
            continue
        began, began_cpu = time.perf_counter(), time.thread_time()
        try:
            with transaction.atomic():
                write()
                Upload.objects.filter(pk=upload.pk).update(written=index + 1)
        except okrfile.OkrFileError as exc:
            errors = exc.errors[:20]
            if index:
                errors.append(_written_before(done, total))
            return _finish(upload, Upload.Status.FAILED, {"errors": errors}, actor)
        longest = max(longest, time.perf_counter() - began)
        longest_cpu = max(longest_cpu, time.thread_time() - began_cpu)
        upload.written = index + 1
        done += size
        if progress:
            progress(done, total)
    result = {"counts": plan.counts, "rows": plan.rows, "chunks": len(chunks)}
    result["longest_chunk_ms"] = round(longest * 1000)
    result["longest_chunk_cpu_ms"] = round(longest_cpu * 1000)
    return _finish(upload, Upload.Status.DONE, result, actor)


def _written_before(done: int, total: int) -> str:
    return _(
        "%(done)s of %(total)s were written before this error. Importing the same file again "
        "after fixing it is safe: what is already there is not written twice."
    ) % {"done": done, "total": total}


def _chunks(upload: Upload, plan: plans.Plan, actor: User | None) -> Iterator[tuple[int, Callable]]:
    """(size, write) for each chunk, in the same order every time the same file is planned."""
    if upload.kind == Upload.Kind.OKRS:
        for doc in okrfile.chunk_documents(plan.docs, CHUNK_OKR_ITEMS):

            def write(doc=doc):
                okrfile.import_documents(
                    [doc],
                    workspace_slug=upload.workspace.slug,
                    actor=actor,
                    filename=upload.filename,
                    partial=True,
                )

            yield len(doc.objectives), write
        return
    kpis = Kpi.objects.in_bulk(list(plan.points))
    for kpi_id, rows in plan.points.items():
        for offset in range(0, len(rows), CHUNK_POINTS):
            part = rows[offset : offset + CHUNK_POINTS]

            def write(kpi=kpis[kpi_id], part=part):
                kpi_services.data_points_record(
                    kpi=kpi, rows=part, author=upload.created_by, actor=actor
                )

            yield len(part), write


@transaction.atomic
def _finish(upload: Upload, status: str, result: dict, actor: User | None) -> Upload:
    fields = {"status": status, "result": result, "finished_at": timezone.now()}
    if status == Upload.Status.DONE:
        fields["data"] = b""  # the rows now live in the workspace; the file is not kept
    return audit.save_changes(
        upload, actor=actor, action=f"import.{status}", workspace=upload.workspace, fields=fields
    )


def upload_fail(*, upload: Upload, message: str) -> Upload:
    """An import that broke off unexpectedly and will not be tried again; the chunk it was
    writing is gone, the ones before it stay (the message says how many)."""
    actor = upload.created_by.user if upload.created_by else None
    return _finish(upload, Upload.Status.FAILED, {"errors": [message]}, actor)
