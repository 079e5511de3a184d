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
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    key = "rl:" + hashlib.sha256(f"{scope}:{ident}:{window}".encode()).hexdigest()[:40]
    count = None
    if settings.REDIS_URL:
        # The window's first request creates the counter; the others only increment it.
        try:
            try:
                count = cache.incr(key)
            except ValueError:  # the first in its window, unless another process just made it
                count = 1 if cache.add(key, 1, period + 1) else cache.incr(key)
        except RedisError:  # Redis is down: the database counts until it is back
            count = None
    if count is None:
        count = _count_in_database(key, (window + 1) * period)
    if count > limit:
        return max(int((window + 1) * period - now) + 1, 1)
    return None


def _count_in_database(key: str, window_end: float) -> int:
    from waypoint.workspaces.models import RateCount

    q = connection.ops.quote_name
    table, k, n, e = q(RateCount._meta.db_table), q("key"), q("count"), q("expires")
    expires = dt.datetime.fromtimestamp(window_end + 1, tz=dt.UTC)
    adapt = connection.ops.adapt_datetimefield_value
    # One statement, in a transaction of its own so that on SQLite it takes its turn at the
    # writers' gate (lib/sqlite) instead of sleeping in SQLite's busy handler.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({k}, {n}, {e}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({k}) DO UPDATE SET {n} = {table}.{n} + 1 RETURNING {n}",
            [key, adapt(expires)],
        )
        count = cursor.fetchone()[0]
        if count == 1 and random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            # Now and then a new window clears the windows that have ended.
            cursor.execute(
                f"DELETE FROM {table} WHERE {e} < %s",  # noqa: S608
                [adapt(dt.datetime.now(tz=dt.UTC))],
            )
    return count


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
            wait = hit("api-address", client_address(request), settings.API_RATE_PER_ADDRESS)
            auth = request.META.get("HTTP_AUTHORIZATION", "")
            if wait is None and auth:
                token = hashlib.sha256(auth.encode()).hexdigest()
                wait = hit("api-token", token, settings.API_RATE_PER_TOKEN)
            if wait is not None:
                return too_many(wait)
        return self.get_response(request)
