"""Reads from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``), writes to the primary.

Only the reads of a safe request (GET, HEAD) go to the replica, and only the workspace's
data: sessions, the cache and everything in a transaction stay on the primary, as do the
worker and the commands. Someone who has just written (a POST, a check-in through the API)
reads from the primary for ``REPLICA_PIN_SECONDS`` afterwards, so they see their own write
although the replica lags; the pin is kept in the shared cache, keyed by their session or
their token.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from redis.exceptions import RedisError

REPLICA = "replica"
# The apps whose rows a page reads; Django's sessions, cache table and migrations are not.
DATA_APPS = {"workspaces", "okrs", "kpis", "coach", "integrations", "reports", "imports", "jobs"}
_reads_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reads_from_replica", default=False
)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reads_from_replica.get()
            and model._meta.app_label in DATA_APPS
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


def _pin_key(identity: str | None) -> str | None:
    return "pin:" + hashlib.sha256(identity.encode()).hexdigest()[:32] if identity else None


def _who(request, response=None) -> str | None:
    """Whose writes a request reads: their session (the one just given, after a log in) or
    their API token, as a cache key."""
    name = settings.SESSION_COOKIE_NAME
    if response is not None and name in response.cookies:
        return _pin_key(response.cookies[name].value)
    return _pin_key(request.COOKIES.get(name) or request.headers.get("Authorization", ""))


def _pinned(key: str) -> bool:
    try:
        return bool(cache.get(key))
    except RedisError:
        return True  # cannot tell: the primary is always right


class ReplicaMiddleware:
    """Decides, per request, whether its reads may come from the replica."""

    SAFE = {"GET", "HEAD", "OPTIONS"}

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = REPLICA in settings.DATABASES

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        key = _who(request)
        safe = request.method in self.SAFE
        token = _reads_from_replica.set(safe and not (key and _pinned(key)))
        try:
            response = self.get_response(request)
        finally:
            _reads_from_replica.reset(token)
        if not safe:  # their next reads come from the primary for a while
            key = _who(request, response)
            if key:
                with contextlib.suppress(RedisError):
                    cache.set(key, 1, settings.REPLICA_PIN_SECONDS)
        return response
