"""Backup and restore of one workspace, whole: every row of every table that belongs to it,
with its primary keys, creation times, stored values, audit trail and (unless left out)
password hashes, so that a restore into an empty database gives back the same rows.

The archive is gzip-compressed JSON lines: a header, then for each table a line naming it
and its columns, then one line per row (a JSON array in the columns' order). It is written
and read a chunk at a time, so memory stays bounded whatever the workspace's size. A restore
writes everything in one transaction (foreign keys are checked at commit, so the order of
tables does not matter) and refuses rows whose keys are already taken: nothing is half
written. ``digest`` gives a SHA-256 per table of a workspace's rows, to compare a restore
with its source row by row.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management import call_command
from django.db import connection, models, transaction

from waypoint.lib import bulk

FORMAT = "waypoint-backup"
VERSION = 1
CHUNK = 5_000
APPS = (
    "workspaces",
    "okrs",
    "kpis",
    "coach",
    "integrations",
    "connectors",
    "reports",
    "imports",
)
# Not backed up: "jobs" (events and jobs are the work in flight of this instance, not data of
# the workspace; a restore must not send its webhooks again).
# Not the workspace's data: counters, and Django's own permission tables Waypoint leaves empty.
SKIPPED = {"workspaces.RateCount"}
# Rows several workspaces share (a person in two of them): a restore keeps the one already
# here when it is the same (same id and this field), and refuses one that differs.
SHARED = {"workspaces.User": "email", "account.EmailAddress": "email"}


class BackupError(Exception):
    """An archive that cannot be restored here; nothing was written."""


def _encode(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not serialisable")


def _dumps(row) -> str:
    # Keys sorted: PostgreSQL stores JSON objects in its own key order, SQLite as written.
    return json.dumps(
        row, default=_encode, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )


def _columns(model) -> list[models.Field]:
    """The columns a backup keeps: all but links to operational rows outside the workspace's
    data (a delivery's event in the job queue), which a restore leaves empty."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.is_relation or f.related_model._meta.app_label in (*APPS, "account")
    ]


def _tables(workspace) -> Iterator[tuple[str, list[models.Field], models.QuerySet]]:
    """Each table of the workspace: its name, its columns and the query of its rows."""
    from allauth.account.models import EmailAddress

    from .models import AuditEntry, Invitation, Member, User, Workspace

    ws = workspace.pk
    users = (
        set(Member.objects.filter(workspace=ws).values_list("user_id", flat=True))
        | set(AuditEntry.objects.filter(workspace=ws).values_list("actor_id", flat=True))
        | set(Invitation.objects.filter(workspace=ws).values_list("invited_by_id", flat=True))
    ) - {None}
    yield User._meta.db_table, _columns(User), User.objects.filter(pk__in=sorted(users))
    yield (
        EmailAddress._meta.db_table,
        _columns(EmailAddress),
        EmailAddress.objects.filter(user__in=sorted(users)),
    )
    yield Workspace._meta.db_table, _columns(Workspace), Workspace.objects.filter(pk=ws)
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            label = model._meta.label
            if label in SKIPPED or model in (User, Workspace):
                continue
            names = {f.name for f in model._meta.concrete_fields}
            if "workspace" in names:
                rows = model.objects.filter(workspace=ws)
            else:
                # Rows that hang from a row of the workspace (a webhook's deliveries).
                parent = next(
                    f
                    for f in model._meta.concrete_fields
                    if f.is_relation
                    and "workspace" in {g.name for g in f.related_model._meta.concrete_fields}
                )
                rows = model.objects.filter(**{f"{parent.name}__workspace": ws})
            yield model._meta.db_table, _columns(model), rows
            for m2m in model._meta.local_many_to_many:
                through = m2m.remote_field.through
                if through._meta.auto_created:
                    owner = m2m.m2m_field_name()
                    yield (
                        through._meta.db_table,
                        _columns(through),
                        through.objects.filter(**{f"{owner}__workspace": ws}),
                    )


def _rows(queryset, columns) -> Iterator[tuple]:
    attnames = [f.attname for f in columns]
    return queryset.order_by("pk").values_list(*attnames).iterator(chunk_size=CHUNK)


@dataclass
class Summary:
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def backup(
    workspace,
    out: io.BufferedWriter,
    *,
    passwords: bool = True,
    progress: Callable[[str, int], None] | None = None,
) -> Summary:
    """Write the workspace's archive to the binary stream ``out``."""
    summary = Summary()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6) as z:
        header = {
            "format": FORMAT,
            "version": VERSION,
            "workspace": workspace.slug,
            "created": dt.datetime.now(dt.UTC).isoformat(),
            "database": connection.vendor,
            "migrations": _migrations(),
            "passwords": passwords,
        }
        z.write((_dumps(header) + "\n").encode())
        with transaction.atomic():  # one consistent view of the workspace
            for table, columns, queryset in _tables(workspace):
                names = [f.attname for f in columns]
                z.write((_dumps({"table": table, "columns": names}) + "\n").encode())
                blank = names.index("password") if not passwords and "password" in names else None
                count = 0
                for row in _rows(queryset, columns):
                    if blank is not None:
                        row = (*row[:blank], "!", *row[blank + 1 :])  # unusable: set anew
                    z.write((_dumps(row) + "\n").encode())
                    count += 1
                summary.tables[table] = count
                if progress:
                    progress(table, count)
    return summary


def _migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        if app in APPS and name > latest.get(app, ""):
            latest[app] = name
    return latest


def _model_of(table: str):
    from allauth.account.models import EmailAddress

    for model in [*apps.get_models(include_auto_created=True), EmailAddress]:
        if model._meta.db_table == table:
            return model
    raise BackupError(f"the archive holds a table this version does not know: {table}")


def restore(src: io.BufferedReader, *, progress: Callable[[str, int], None] | None = None):
    """Write an archive's rows into this database, all or nothing."""
    summary = Summary()
    with gzip.GzipFile(fileobj=src, mode="rb") as z:
        lines = (line for line in io.TextIOWrapper(z, encoding="utf-8"))
        try:
            header = json.loads(next(lines))
        except (StopIteration, ValueError, OSError, EOFError) as exc:
            raise BackupError(f"not a Waypoint backup ({exc})") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BackupError("not a Waypoint backup")
        if header.get("version") != VERSION:
            raise BackupError(f"backup format {header.get('version')} is not {VERSION}")
        mine = _migrations()
        newer = {a: n for a, n in header.get("migrations", {}).items() if n > mine.get(a, "")}
        if newer:
            raise BackupError(
                "the backup comes from a newer Waypoint (migrations "
                + ", ".join(f"{a}.{n}" for a, n in sorted(newer.items()))
                + "): upgrade this one first"
            )
        from .models import Workspace

        if Workspace.objects.filter(slug=header.get("workspace")).exists():
            raise BackupError(f"a workspace {header.get('workspace')!r} already exists here")
        try:
            with transaction.atomic():
                _restore_tables(lines, summary, progress)
                _reindex_search(header.get("workspace"))
        except (ValueError, KeyError, TypeError, EOFError, OSError) as exc:
            raise BackupError(f"the archive is damaged: {exc}") from exc
    if connection.vendor == "postgresql":
        _reset_sequences()
    from waypoint.lib import planner

    planner.refresh(bulk_loaded=True)  # the tables have just grown by the whole workspace
    return header, summary


def _restore_tables(lines, summary: Summary, progress) -> None:
    from django.db import IntegrityError

    model = columns = None
    batch: list[tuple] = []

    def flush():
        if not batch:
            return
        label, at = model._meta.label, columns.index(model._meta.pk)
        ids = [row[at] for row in batch]
        if label in SHARED:
            # People of several workspaces: the same person (same id, same address) is
            # already here from another workspace's archive, and is kept as is.
            same = columns.index(model._meta.get_field(SHARED[label]))
            here = dict(model.objects.filter(pk__in=ids).values_list("pk", SHARED[label]))
            clash = [row for row in batch if row[at] in here and here[row[at]] != row[same]]
            if clash:
                raise BackupError(
                    f"{model._meta.db_table}: id {clash[0][at]} belongs to someone else here"
                )
            batch[:] = [row for row in batch if row[at] not in here]
        elif model.objects.filter(pk__in=ids).exists():
            raise BackupError(
                f"{model._meta.db_table}: rows with these keys already exist here; restore "
                "into an empty database"
            )
        try:
            bulk.insert(model._meta.db_table, [f.column for f in columns], batch)
        except IntegrityError as exc:
            raise BackupError(f"{model._meta.db_table}: {exc}") from exc
        batch.clear()

    for line in lines:
        item = json.loads(line)
        if isinstance(item, dict):
            flush()
            if model is not None and progress:
                progress(model._meta.db_table, summary.tables[model._meta.db_table])
            model = _model_of(item["table"])
            by_attname = {f.attname: f for f in model._meta.concrete_fields}
            missing = [n for n in item["columns"] if n not in by_attname]
            if missing:
                raise BackupError(f"{item['table']}: unknown columns {', '.join(missing)}")
            columns = [by_attname[n] for n in item["columns"]]
            summary.tables[model._meta.db_table] = 0
            continue
        values = tuple(
            None
            if value is None
            else f.get_db_prep_value(f.to_python(value), connection, prepared=False)
            for f, value in zip(columns, item, strict=True)
        )
        batch.append(values)
        summary.tables[model._meta.db_table] += 1
        if len(batch) >= CHUNK:
            flush()
    flush()
    if model is not None and progress:
        progress(model._meta.db_table, summary.tables[model._meta.db_table])


def _reindex_search(slug) -> None:
    """The search index is derived from the rows, so it is not in the archive: it is built
    from them, in the restore's transaction."""
    from waypoint.search import index

    from .models import Workspace

    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is not None:
        index.reindex(workspace.pk)


def _reset_sequences() -> None:
    """After rows were written with their own ids, PostgreSQL's sequences start past them."""
    out = io.StringIO()
    labels = [*APPS, "account"]
    call_command("sqlsequencereset", *labels, stdout=out, no_color=True)
    with connection.cursor() as cursor:
        cursor.execute(out.getvalue())


def digest(workspace) -> dict[str, str]:
    """A SHA-256 per table of the workspace's rows, in key order, as the archive writes
    them: equal digests mean equal rows."""
    out = {}
    for table, columns, queryset in _tables(workspace):
        h = hashlib.sha256()
        for row in _rows(queryset, columns):
            h.update(_dumps(row).encode())
            h.update(b"\n")
        out[table] = h.hexdigest()
    return out
