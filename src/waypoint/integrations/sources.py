"""KPI data sources: a SQL query against a database the user owns, pulled by the worker.

The query runs only on the worker, on a read-only connection with a time limit and a row
cap, against what the outbound policy allows (``outbound.py``). It returns either one number
(today's value) or rows of (date, value). Failures are kept on the source, shown on the KPI
page, and retried later with a growing pause.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import time
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint import outbound
from waypoint.kpis import importing
from waypoint.kpis import services as kpi_services
from waypoint.outbound import OutboundRefused
from waypoint.workspaces import audit

TIMEOUT_SECONDS = 10
MAX_ROWS = 100_000


class SourceError(Exception):
    pass


# Connection parameters a source URL may carry. Everything else (passfile, service,
# sslkey, sslrootcert, hostaddr, options ...) could read the server's files or steer the
# connection around the checked address, so it is refused.
PG_PARAMS = {"host", "port", "dbname", "user", "password", "sslmode"}


def sqlite_path(url: str) -> str:
    """sqlite:///data/shop.db and sqlite:////data/shop.db both name /data/shop.db."""
    return "/" + url.removeprefix("sqlite://").lstrip("/")


def _pg_params(url: str) -> dict:
    import psycopg

    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise OutboundRefused(_("The PostgreSQL URL is not valid.")) from exc
    extra = sorted(set(params) - PG_PARAMS)
    if extra:
        raise OutboundRefused(_("The URL may not set %(names)s.") % {"names": ", ".join(extra)})
    host, port = str(params.get("host") or ""), str(params.get("port") or "5432")
    if not host or host.startswith("/") or "," in host or "," in port:
        raise OutboundRefused(_("Name one PostgreSQL server by its host name or address."))
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise OutboundRefused(_("The port is not valid."))
    params["port"] = int(port)
    return params


def check_url(url: str) -> None:
    """Only SQLite files and PostgreSQL servers that the outbound policy allows."""
    scheme = urlparse(url).scheme
    try:
        if scheme == "sqlite":
            outbound.check_file(sqlite_path(url))
        elif scheme in ("postgres", "postgresql"):
            params = _pg_params(url)
            outbound.check_host(params["host"], params["port"])
        else:
            raise ValidationError({"url": _("Use sqlite:///path/to/file.db or postgresql://…")})
    except OutboundRefused as exc:
        raise ValidationError({"url": str(exc)}) from exc


def _run_sqlite(url: str, query: str) -> list[tuple]:
    # Resolved here, in the process that opens it: a path that pointed somewhere allowed
    # when it was saved may not any more.
    path = outbound.check_file(sqlite_path(url))
    if not path.is_file():
        raise SourceError(_("No such database file: %(path)s") % {"path": path})
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise SourceError(str(exc)) from exc
    deadline = time.monotonic() + TIMEOUT_SECONDS
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    try:
        conn.execute("PRAGMA query_only = ON")
        return conn.execute(query).fetchmany(MAX_ROWS + 1)
    except sqlite3.Error as exc:
        raise SourceError(str(exc)) from exc
    finally:
        conn.close()


def _pg_error(exc) -> str:
    """What went wrong, without any value the query read: a data error's text quotes the
    offending value ("invalid input syntax for type integer: ..."), so only errors about
    the query itself (syntax, names, permissions) keep their own words."""
    state = getattr(exc, "sqlstate", None) or ""
    if state == "57014":
        return _("The query was stopped after %(s)s seconds (statement timeout).") % {
            "s": TIMEOUT_SECONDS
        }
    if state == "25006":
        return _("The connection is read-only: the query may only read.")
    if state.startswith("42") and exc.diag.message_primary:
        return str(exc.diag.message_primary)[:300]
    if state:
        return _("The database refused the query (SQLSTATE %(code)s).") % {"code": state}
    return _("The database server could not be reached or refused the connection.")


def _run_postgres(url: str, query: str) -> list[tuple]:
    import psycopg

    params = _pg_params(url)
    address = outbound.check_host(params["host"], params["port"])
    try:
        with (
            psycopg.connect(
                **params,
                hostaddr=str(address),  # the address that was checked, not a second lookup
                connect_timeout=max(int(TIMEOUT_SECONDS), 1),
                options=f"-c default_transaction_read_only=on "
                f"-c statement_timeout={int(TIMEOUT_SECONDS * 1000)}",
            ) as conn,
            conn.cursor() as cur,
        ):
            conn.read_only = True
            cur.execute(query)
            return cur.fetchmany(MAX_ROWS + 1) if cur.description else []
    except psycopg.Error as exc:
        raise SourceError(_pg_error(exc)) from exc


def fetch(url: str, query: str) -> list[tuple]:
    scheme = urlparse(url).scheme
    try:
        rows = _run_sqlite(url, query) if scheme == "sqlite" else _run_postgres(url, query)
    except OutboundRefused as exc:
        raise SourceError(str(exc)) from exc
    if len(rows) > MAX_ROWS:
        raise SourceError(
            _("The query returned more than %(n)s rows; aggregate or filter it.") % {"n": MAX_ROWS}
        )
    return rows


def _kind(value) -> str:
    if value is None:
        return _("empty")
    if isinstance(value, bytes | bytearray | memoryview):
        return _("binary")
    return _("text")


def rows_to_points(rows: list[tuple], today: dt.date) -> list[tuple[dt.date, float]]:
    """The query's values as data points. An error names the row and column and the kind
    of value found, never the value: a query can read anything the source's user may."""
    if len(rows) == 1 and len(rows[0]) == 1:
        value = (
            importing.parse_number(rows[0][0])
            if not isinstance(rows[0][0], bytes | bytearray | memoryview)
            else None
        )
        if value is None or not math.isfinite(value):
            raise SourceError(
                _("Row 1, column 1 is %(kind)s, not a number.") % {"kind": _kind(rows[0][0])}
            )
        return [(today, value)]
    points, seen = [], set()
    for index, row in enumerate(rows, start=1):
        if len(row) < 2:
            raise SourceError(
                _("Row %(row)s: return two columns, a date and a value.") % {"row": index}
            )
        day = importing.parse_date(row[0])
        if day is None:
            raise SourceError(
                _("Row %(row)s, column 1 is %(kind)s, not a date.")
                % {"row": index, "kind": _kind(row[0])}
            )
        value = (
            importing.parse_number(row[1])
            if not isinstance(row[1], bytes | bytearray | memoryview)
            else None
        )
        if value is None or not math.isfinite(value):
            raise SourceError(
                _("Row %(row)s, column 2 is %(kind)s, not a number.")
                % {"row": index, "kind": _kind(row[1])}
            )
        if day in seen:
            raise SourceError(_("Row %(row)s repeats a date of an earlier row.") % {"row": index})
        seen.add(day)
        points.append((day, value))
    return points


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
    except (SourceError, OSError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            exc = " ".join(exc.messages)
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
