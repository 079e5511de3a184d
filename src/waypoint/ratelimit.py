"""Rate limits counted where every process and host sees them (Redis with REDIS_URL, the
database otherwise), so that two web workers do not each allow the full rate.

A limit is a fixed window: ``hit`` counts one request of ``ident`` in ``scope`` and says
how long to wait when the window's count is spent. In the database a hit is one upsert
statement, outside any transaction: on SQLite it holds the single write lock for the time
of that statement, not for a transaction around the cache's read-then-write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time

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
    from waypoint.workspaces.models import RateCount

    q = connection.ops.quote_name
    table, k, n, e = q(RateCount._meta.db_table), q("key"), q("count"), q("expires")
    adapt = connection.ops.adapt_datetimefield_value
    rows = sorted(  # one order for every request, so that two upserts never wait in a circle
        (key, adapt(dt.datetime.fromtimestamp(end + 1, tz=dt.UTC))) for key, end in windows
    )
    values = ", ".join(["(%s, 1, %s)"] * len(rows))
    # One statement, in a transaction of its own so that on SQLite it takes its turn at the
    # writers' gate (lib/sqlite) instead of sleeping in SQLite's busy handler.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({k}, {n}, {e}) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({k}) DO UPDATE SET {n} = {table}.{n} + 1 RETURNING {k}, {n}",
            [v for row in rows for v in row],
        )
        counts = dict(cursor.fetchall())
        if min(counts.values()) == 1 and random.random() < 0.01:  # noqa: S311 - housekeeping
            # Now and then a new window clears the windows that have ended.
            cursor.execute(
                f"DELETE FROM {table} WHERE {e} < %s",  # noqa: S608
                [adapt(dt.datetime.now(tz=dt.UTC))],
            )
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
