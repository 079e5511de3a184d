"""KPI data sources: a SQL query against a database the user owns, pulled by the worker.

The query runs on a read-only connection with a time limit. It returns either one number
(today's value) or rows of (date, value). Failures are kept on the source, shown on the KPI
page, and retried later with a growing pause.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint.kpis import importing
from waypoint.kpis import services as kpi_services
from waypoint.workspaces import audit

TIMEOUT_SECONDS = 10
MAX_ROWS = 100_000


class SourceError(Exception):
    pass


def sqlite_path(url: str) -> Path:
    """sqlite:///data/shop.db and sqlite:////data/shop.db both name /data/shop.db."""
    return Path("/" + url.removeprefix("sqlite://").lstrip("/"))


def check_url(url: str) -> None:
    """Only SQLite files and PostgreSQL servers, and never Waypoint's own database."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = sqlite_path(url).resolve()
        if Path(settings.DATA_DIR) in path.parents or path == Path(settings.DATA_DIR):
            raise ValidationError({"url": _("Waypoint's own data cannot be a data source.")})
        return
    if parsed.scheme in ("postgres", "postgresql"):
        own = settings.DATABASES["default"]
        if own["ENGINE"].endswith("postgresql") and (
            (parsed.hostname or "localhost")
            in (own.get("HOST") or "localhost", "localhost", "127.0.0.1")
            and (parsed.path.lstrip("/") == own.get("NAME"))
        ):
            raise ValidationError({"url": _("Waypoint's own data cannot be a data source.")})
        return
    raise ValidationError({"url": _("Use sqlite:///path/to/file.db or postgresql://…")})


def _run_sqlite(url: str, query: str) -> list[tuple]:
    path = sqlite_path(url)
    if not path.exists():
        raise SourceError(_("No such database file: %(path)s") % {"path": path})
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise SourceError(str(exc)) from exc
    deadline = time.monotonic() + TIMEOUT_SECONDS
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    try:
        return conn.execute(query).fetchmany(MAX_ROWS)
    except sqlite3.Error as exc:
        raise SourceError(str(exc)) from exc
    finally:
        conn.close()


def _run_postgres(url: str, query: str) -> list[tuple]:
    import psycopg

    try:
        with (
            psycopg.connect(
                url,
                connect_timeout=TIMEOUT_SECONDS,
                options=f"-c default_transaction_read_only=on "
                f"-c statement_timeout={TIMEOUT_SECONDS * 1000}",
            ) as conn,
            conn.cursor() as cur,
        ):
            cur.execute(query)
            return cur.fetchmany(MAX_ROWS)
    except psycopg.Error as exc:
        raise SourceError(str(exc).strip()) from exc


def fetch(url: str, query: str) -> list[tuple]:
    scheme = urlparse(url).scheme
    return _run_sqlite(url, query) if scheme == "sqlite" else _run_postgres(url, query)


def rows_to_points(rows: list[tuple], today: dt.date) -> list[tuple[dt.date, float]]:
    if len(rows) == 1 and len(rows[0]) == 1:
        value = importing.parse_number(rows[0][0])
        if value is None:
            raise SourceError(_("The query returned “%(v)s”, not a number.") % {"v": rows[0][0]})
        return [(today, value)]
    parsed = importing.parse_table([list(r[:2]) for r in rows])
    if parsed.errors:
        raise SourceError("; ".join(parsed.errors[:3]))
    return parsed.rows


@transaction.atomic
def source_save(*, kpi, url: str, query: str, every_minutes: int, actor):
    from .models import KpiSource

    check_url(url)
    if not query.strip():
        raise ValidationError({"query": _("Write the query.")})
    source, _created = KpiSource.objects.get_or_create(
        kpi=kpi, defaults={"url": url, "query": query, "every_minutes": every_minutes}
    )
    return audit.save_changes(
        source,
        actor=actor,
        action="kpi.source",
        workspace=kpi.workspace,
        fields={
            "url": url,
            "query": query.strip(),
            "every_minutes": every_minutes,
            "next_run_at": timezone.now(),
        },
    )


def pull(source, now=None) -> bool:
    """Run the query and record its values; on failure keep the error and back off."""
    now = now or timezone.now()
    source.last_run_at = now
    try:
        points = rows_to_points(fetch(source.url, source.query), source.kpi.workspace.today())
        kpi_services.data_points_record(kpi=source.kpi, rows=points, actor=None)
    except (SourceError, OSError) as exc:
        source.failures += 1
        source.last_error = str(exc)[:500]
        pause = min(5 * 2 ** (source.failures - 1), 360)
        source.next_run_at = now + dt.timedelta(minutes=pause)
        source.save()
        return False
    source.failures, source.last_error, source.last_count = 0, "", len(points)
    source.next_run_at = now + dt.timedelta(minutes=source.every_minutes)
    source.save()
    return True


def pull_due(now=None) -> int:
    from .models import KpiSource

    now = now or timezone.now()
    done = 0
    for source in KpiSource.objects.filter(next_run_at__lte=now).select_related("kpi__workspace"):
        pull(source, now)
        done += 1
    return done
