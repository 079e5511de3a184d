"""SQL: a query against a database the user owns (PostgreSQL, MySQL, MariaDB or SQLite).

The query runs only on the worker, on a read-only connection with a time limit and a row
cap, against what the outbound policy allows (``waypoint.outbound``). It returns either one
number (today's value) or rows of (date, value). The database URL, with its password, is a
credential: kept encrypted, never shown again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import sqlite3
import time
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waypoint import outbound
from waypoint.kpis import importing
from waypoint.outbound import OutboundRefused

from ..base import Call, Kind, Result, Setting, SourceError

TIMEOUT_SECONDS = 10
MAX_ROWS = 100_000


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


def _my_params(url: str) -> dict:
    parts = urlsplit(url)
    try:
        port = parts.port or 3306
    except ValueError as exc:
        raise OutboundRefused(_("The port is not valid.")) from exc
    extra = sorted(set(parse_qs(parts.query)) - {"charset"})
    if extra:
        raise OutboundRefused(_("The URL may not set %(names)s.") % {"names": ", ".join(extra)})
    if not parts.hostname:
        raise OutboundRefused(_("Name one MySQL or MariaDB server by its host name or address."))
    return {
        "host": parts.hostname,
        "port": port,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
        "charset": parse_qs(parts.query).get("charset", ["utf8mb4"])[0],
    }


def check_url(url: str) -> None:
    """Only SQLite files and PostgreSQL, MySQL or MariaDB servers the outbound policy allows."""
    scheme = urlsplit(url).scheme
    try:
        if scheme == "sqlite":
            outbound.check_file(sqlite_path(url))
        elif scheme in ("postgres", "postgresql"):
            params = _pg_params(url)
            outbound.check_host(params["host"], params["port"])
        elif scheme in ("mysql", "mariadb"):
            params = _my_params(url)
            outbound.check_host(params["host"], params["port"])
        else:
            raise SourceError(
                _("Use sqlite:///path/to/file.db, postgresql://…, mysql://… or mariadb://…")
            )
    except OutboundRefused as exc:
        raise SourceError(str(exc)) from exc


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


def _run_mysql(url: str, query: str) -> list[tuple]:
    import pymysql

    params = _my_params(url)
    address = outbound.check_host(params["host"], params["port"])
    try:
        conn = pymysql.connect(
            **{**params, "host": str(address)},  # the address that was checked
            connect_timeout=max(int(TIMEOUT_SECONDS), 1),
            read_timeout=TIMEOUT_SECONDS + 2,
            write_timeout=TIMEOUT_SECONDS + 2,
            autocommit=False,
        )
    except pymysql.MySQLError as exc:
        raise SourceError(_my_error(exc)) from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            # MariaDB counts seconds, MySQL milliseconds; each ignores the other's name.
            for statement in (
                f"SET SESSION max_statement_time = {int(TIMEOUT_SECONDS)}",
                f"SET SESSION max_execution_time = {int(TIMEOUT_SECONDS * 1000)}",
            ):
                with contextlib.suppress(pymysql.MySQLError):
                    cur.execute(statement)
            cur.execute("START TRANSACTION READ ONLY")
            cur.execute(query)
            rows = cur.fetchmany(MAX_ROWS + 1) if cur.description else []
        conn.rollback()
        return [tuple(r) for r in rows]
    except pymysql.MySQLError as exc:
        raise SourceError(_my_error(exc)) from exc
    except OSError as exc:  # a read past read_timeout
        raise SourceError(
            _("The query was stopped after %(s)s seconds (statement timeout).")
            % {"s": TIMEOUT_SECONDS}
        ) from exc
    finally:
        conn.close()


def _my_error(exc) -> str:
    """Like ``_pg_error``: a data error's text can quote a value, so only the query's own
    errors keep their words."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
    if code in (1969, 3024, 1317):
        return _("The query was stopped after %(s)s seconds (statement timeout).") % {
            "s": TIMEOUT_SECONDS
        }
    if code in (1792, 1290):
        return _("The connection is read-only: the query may only read.")
    if code in (1064, 1146, 1054, 1142, 1044, 1045, 1049) and len(exc.args) > 1:
        return str(exc.args[1])[:300]
    if code >= 2000:
        return _("The database server could not be reached or refused the connection.")
    return _("The database refused the query (error %(code)s).") % {"code": code}


def run(url: str, query: str) -> list[tuple]:
    scheme = urlsplit(url).scheme
    runner = {"sqlite": _run_sqlite, "mysql": _run_mysql, "mariadb": _run_mysql}.get(
        scheme, _run_postgres
    )
    try:
        rows = runner(url, query)
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


def validate(values: dict) -> None:
    try:
        check_url(values.get("url", ""))
    except SourceError as exc:
        raise ValidationError({"url": str(exc)}) from exc
    if not values.get("query", "").strip():
        raise ValidationError({"query": _("Write the query.")})


def fetch(call: Call) -> Result:
    check_url(call["url"])
    if not call["query"].strip():
        raise SourceError(_("Write the query."))
    return Result(points=rows_to_points(run(call["url"], call["query"]), call.today))


KIND = Kind(
    key="sql",
    label=gettext_lazy("SQL database"),
    auth="password",
    reads=("metric", "count"),
    pages=gettext_lazy("one query, up to 100,000 rows"),
    settings=(
        Setting(
            "url",
            gettext_lazy("Database URL"),
            help=gettext_lazy(
                "postgresql://user:password@host/db, mysql://… or mariadb://…, or "
                "sqlite:///path/to/file.db in a directory the operator allows. Kept encrypted."
            ),
            secret=True,
        ),
        Setting(
            "query",
            gettext_lazy("Query"),
            help=gettext_lazy(
                "Returns one number (today's value) or rows of date and value. "
                "It runs read-only, for at most 10 seconds."
            ),
            widget="textarea",
        ),
    ),
    fetch=fetch,
    validate=validate,
)
