"""Rate limits counted where every process and host sees them (Redis with REDIS_URL, the
database otherwise), so that two web workers do not each allow the full rate.

A limit is a fixed window: ``hit`` counts one request of ``ident`` in ``scope`` and says
how long to wait when the window's count is spent. In the database a hit is one upsert
statement in a transaction of its own. With SQLite that statement goes to a file of its own
beside the database (``rate-counts.sqlite3``), with its own write lock: SQLite has one
writer at a time, and a request that only reads would otherwise queue for its count behind
every check-in, import and job writing to the database, and hold them up in turn. The
counts are only ever a minute or a day old, so that file is written without waiting for
the disk and is never backed up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from redis.exceptions import RedisError


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the last address a trusted proxy added to
    X-Forwarded-For when the operator says a proxy sets it (WAYPOINT_PROXY_HEADERS)."""
    if getattr(settings, "PROXY_HEADERS", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/m' → (600, 60). Units: s, m, h, d."""
    count, _slash, unit = rate.partition("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.strip()[:1] or "m"]


def hit(scope: str, ident: str, rate: str) -> int | None:
    """Count a request; None when allowed, else the seconds until the window opens again."""
    return hits([(scope, ident, rate)])


def hits(limits: list[tuple[str, str, str]]) -> int | None:
    """Count one request against several limits (scope, ident, rate) at once: None when
    every one allows it, else the longest wait. In the database all of them are one
    statement, so that on SQLite a request takes one turn at the writers' gate, not one a
    limit."""
    now = time.time()
    windows = []
    for scope, ident, rate in limits:
        limit, period = parse_rate(rate)
        window = int(now // period)
        key = "rl:" + hashlib.sha256(f"{scope}:{ident}:{window}".encode()).hexdigest()[:40]
        windows.append((key, limit, (window + 1) * period))
    counts: dict[str, int] = {}
    if settings.REDIS_URL:
        # The window's first request creates the counter; the others only increment it.
        try:
            for key, _limit, end in windows:
                try:
                    counts[key] = cache.incr(key)
                except ValueError:  # the first in its window, unless another process made it
                    counts[key] = 1 if cache.add(key, 1, int(end - now) + 2) else cache.incr(key)
        except RedisError:  # Redis is down: the database counts until it is back
            counts = {}
    if not counts:
        counts = _count_in_database([(key, end) for key, _limit, end in windows])
    waits = [
        max(int(end - now) + 1, 1) for key, limit, end in windows if counts.get(key, 0) > limit
    ]
    return max(waits) if waits else None


def _count_in_database(windows: list[tuple[str, float]]) -> dict[str, int]:
    """Count one hit on each (key, end of its window): {key: its count now}."""
    rows = sorted(windows)  # one order for every request: two upserts never wait in a circle
    housekeeping = random.random() < 0.01  # noqa: S311 - now and then, in a new window
    side_file = _counts_file()
    if side_file is not None:
        return _count_in_file(side_file, rows, housekeeping)
    from waypoint.workspaces.models import RateCount

    q = connection.ops.quote_name
    table, k, n, e = q(RateCount._meta.db_table), q("key"), q("count"), q("expires")

    def at(seconds: float):
        return connection.ops.adapt_datetimefield_value(dt.datetime.fromtimestamp(seconds, dt.UTC))

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _upsert(table, k, n, e, len(rows), "%s"),
            [v for key, end in rows for v in (key, at(end + 1))],
        )
        counts = dict(cursor.fetchall())
        if housekeeping and min(counts.values()) == 1:  # clear the windows that have ended
            cursor.execute(f"DELETE FROM {table} WHERE {e} < %s", [at(time.time())])  # noqa: S608
    return counts


def _upsert(table: str, k: str, n: str, e: str, rows: int, mark: str) -> str:
    values = ", ".join([f"({mark}, 1, {mark})"] * rows)
    return (
        f"INSERT INTO {table} ({k}, {n}, {e}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({k}) DO UPDATE SET {n} = {table}.{n} + 1 RETURNING {k}, {n}"
    )


def _counts_file() -> str | None:
    """The counts' own file beside an SQLite database file; None on PostgreSQL and for an
    in-memory database (the tests'), which nothing else writes to at the same time."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return str(Path(connection.settings_dict["NAME"]).with_name("rate-counts.sqlite3"))


_files = threading.local()  # a connection a thread, opened again after a fork


def _count_in_file(path: str, rows: list[tuple[str, float]], housekeeping: bool) -> dict:
    from waypoint.lib.sqlite.base import gate_for

    db = getattr(_files, "db", None)
    if db is None or _files.key != (os.getpid(), path):
        db = sqlite3.connect(path, timeout=20, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(
            "CREATE TABLE IF NOT EXISTS rate_count "
            "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
        )
        _files.db, _files.key = db, (os.getpid(), path)
    gate = gate_for(path)  # writers of every process take turns, as on the database's file
    gate.acquire()
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            found = db.execute(
                _upsert("rate_count", "key", "count", "expires", len(rows), "?"),
                [v for key, end in rows for v in (key, end + 1)],
            )
            counts = dict(found.fetchall())
            if housekeeping and min(counts.values()) == 1:
                db.execute("DELETE FROM rate_count WHERE expires < ?", [time.time()])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        gate.release()
    return counts


def too_many(retry_after: int) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": f"Too many requests: try again in {retry_after} s.",
    }
    response = HttpResponse(json.dumps(body), status=429, content_type="application/problem+json")
    response["Retry-After"] = str(retry_after)
    return response


class ApiRateLimitMiddleware:
    """Every request under /api/ counts against its address, and one that carries a token
    against that token too (before the token is even looked up, so a flood of wrong tokens
    is stopped as early as a flood of right ones)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            limits = [("api-address", client_address(request), settings.API_RATE_PER_ADDRESS)]
            auth = request.META.get("HTTP_AUTHORIZATION", "")
            if auth:
                token = hashlib.sha256(auth.encode()).hexdigest()
                limits.append(("api-token", token, settings.API_RATE_PER_TOKEN))
            wait = hits(limits)
            if wait is not None:
                return too_many(wait)
        return self.get_response(request)
