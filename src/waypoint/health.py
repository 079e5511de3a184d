"""Health for load balancers and operators, and the answer when the database is away.

``/healthz`` says the process is alive (it touches nothing). ``/readyz`` says whether it
can serve: the database answers a read and takes a write, the queue answers, and every
migration is applied; JSON either way, 503 with ``Retry-After`` when it cannot. When the
database goes away in the middle of a request, the error handler answers 503 with
``Retry-After`` (a page, or problem JSON under ``/api/``) instead of a bare 500; with
``CONN_HEALTH_CHECKS`` the next request opens a fresh connection, so the service recovers
by itself when the database returns.
"""

from __future__ import annotations

import json
import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: a failover or a restart of the database takes about this long
_migrated = False  # once every migration is applied, it stays so for this process


class _Rollback(Exception):
    pass


def healthz(request):
    """Liveness: the process answers. Nothing else is checked, so that a database outage
    does not make an orchestrator restart every healthy web process."""
    return JsonResponse({"status": "alive"})


def _database_read() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _database_write() -> None:
    """A row written and rolled back: a read-only database (a full disk, a standby, a file
    without write permission) fails here, not at the first user's save."""
    from waypoint.workspaces.models import RateCount

    try:
        with transaction.atomic():
            RateCount.objects.create(key="readyz", count=0, expires=timezone.now())
            raise _Rollback
    except _Rollback:
        pass


def _queue() -> None:
    """The queue answers (it rings the jobs' bell) and the jobs' table reads."""
    from huey.contrib.djhuey import HUEY

    from waypoint.jobs.queue import pending_count

    HUEY.pending_count()
    pending_count()


def unapplied_migrations() -> int:
    """How many migrations the database still lacks (0 is remembered for this process)."""
    global _migrated
    if _migrated:
        return 0
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    missing = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrated = missing == 0
    return missing


def _migrations() -> None:
    if missing := unapplied_migrations():
        raise RuntimeError(f"{missing} migrations not applied")


CHECKS = {
    "database_read": _database_read,
    "database_write": _database_write,
    "queue": _queue,
    "migrations": _migrations,
}


def readyz(request):
    """Readiness: every check, each "ok" or why not; 503 unless all are ok."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
    ready = all(v == "ok" for v in results.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": results},
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def _database_away(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    )


def server_error(request):
    """Django's 500 handler, called while the exception is being handled: a database that
    went away is a 503 to retry, not a server error; problem JSON under ``/api/``."""
    exc = sys.exc_info()[1]
    away = _database_away(exc)
    status = 503 if away else 500
    if away:
        log.warning("database unavailable: %s", exc)
        detail = _("The database is not available right now. Try again in a few seconds.")
        title = "Service Unavailable"
    else:
        detail = _("Something went wrong on our side. It has been logged.")
        title = "Internal Server Error"
    if request.path.startswith("/api/"):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        response = HttpResponse(
            json.dumps(body), status=status, content_type="application/problem+json"
        )
    else:
        page = (
            '<!doctype html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{title}</title></head><body style="font-family: system-ui, sans-serif; '
            f'max-width: 36rem; margin: 4rem auto; padding: 0 1rem"><h1>{title}</h1>'
            f"<p>{detail}</p></body></html>"
        )
        response = HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    if away:
        response["Retry-After"] = str(RETRY_AFTER)
    return response
