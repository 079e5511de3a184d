"""What an operator sees: JSON log lines that carry a request id, Prometheus metrics, and
errors sent to Sentry when ``SENTRY_DSN`` is set.

- Every request gets a request id (the client's ``X-Request-ID`` when it is a plain token,
  else a new one), answered in ``X-Request-ID`` and written on each log line of that
  request, with its workspace, user, route, status and duration.
- A job remembers the request id of the request that caused it; the worker's log lines for
  that job carry it too.
- ``/metrics`` is open to the addresses of ``WAYPOINT_METRICS_ALLOW`` (loopback by default)
  or to ``Authorization: Bearer $WAYPOINT_METRICS_TOKEN``; anyone else gets a 404.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import os
import re
import secrets
import time
import traceback

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("waypoint_request")
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "waypoint_http_requests",
    "HTTP requests answered, by route, method and status class.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "waypoint_http_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "waypoint_job_runs", "Background jobs run, by kind.", ["kind"], registry=REGISTRY
)
JOB_FAILURES = Counter(
    "waypoint_job_failures", "Background jobs that failed, by kind.", ["kind"], registry=REGISTRY
)
# Read from the database at each scrape: the same whichever process answers.
JOB_GAUGES = {
    "waypoint_jobs_pending": "Jobs queued or running (all workers).",
    "waypoint_jobs_failed": "Jobs that failed and wait for a retry.",
    "waypoint_outbox_lag_seconds": "How long the oldest due job has waited to start.",
}


# --- Request context ----------------------------------------------------------------------


def context() -> dict:
    """The fields every log line carries: the request's (id, workspace, user), or in a
    worker the job's, with the id of the request that caused it."""
    ctx = _context.get(None)
    if ctx is not None:
        return ctx
    from waypoint.jobs.queue import current_job

    job = current_job.get()
    if job is None:
        return {}
    fields = {"request_id": job.request_id, "job": job.pk, "kind": job.kind}
    if job.workspace_id:
        fields["workspace_id"] = job.workspace_id
    return fields


def request_id() -> str:
    """The id of the request being answered, or of the request that caused this job."""
    return context().get("request_id", "")


def bind(**fields) -> None:
    """Add fields (workspace, user...) to the current request's log lines."""
    ctx = _context.get(None)
    if ctx is not None:
        ctx.update({k: v for k, v in fields.items() if v not in (None, "")})


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route.lstrip("^")
    return "other"


class RequestContextMiddleware:
    """First in the chain: the request id, then one access line and the metrics at the end."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.log = logging.getLogger("waypoint.request")

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if SAFE_ID.fullmatch(given) else secrets.token_hex(12)
        token = _context.set({"request_id": rid})
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            duration = time.monotonic() - started
            route = _route(request)
            # The user only if the request already loaded it: the access line must not
            # query the database (it may be the database that failed).
            user = getattr(request, "_cached_user", None)
            if user is not None and user.is_authenticated:
                bind(user=user.pk)
            workspace = getattr(request, "workspace", None)
            if workspace is not None:
                bind(workspace=workspace.slug)
            REQUESTS.labels(route, request.method, f"{status // 100}xx").inc()
            LATENCY.labels(route).observe(duration)
            self.log.info(
                "request",
                extra={
                    "route": route,
                    "method": request.method,
                    "path": request.path[:300],
                    "status": status,
                    "duration_ms": round(duration * 1000, 1),
                },
            )
            _context.reset(token)


# --- Logs -----------------------------------------------------------------------------------

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request's context and any
    ``extra`` fields; an exception as its type, message and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(context())
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            kind, exc, tb = record.exc_info
            line["error"] = {
                "type": getattr(kind, "__name__", str(kind)),
                "message": str(exc),
                "trace": "".join(traceback.format_tb(tb))[-4000:],
            }
        return json.dumps(line, default=str, ensure_ascii=False)


# --- Metrics ----------------------------------------------------------------------------------


def count_job_run(kind: str) -> None:
    JOB_RUNS.labels(kind).inc()


def count_job_failure(kind: str) -> None:
    JOB_FAILURES.labels(kind).inc()


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and secrets.compare_digest(given, f"Bearer {token}"):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for net in getattr(settings, "METRICS_ALLOW", []):
        if address in ipaddress.ip_network(net, strict=False):
            return True
    return False


def _job_gauges() -> bytes:
    from django.db import DatabaseError

    from waypoint.jobs import queue
    from waypoint.jobs.models import Job

    try:
        values = {
            "waypoint_jobs_pending": queue.pending_count(),
            "waypoint_jobs_failed": Job.objects.filter(status=Job.Status.FAILED).count(),
            "waypoint_outbox_lag_seconds": queue.oldest_pending_age(),
        }
    except DatabaseError:
        return b""  # the request counters still answer; /readyz says what is wrong
    lines = []
    for name, value in values.items():
        lines += [f"# HELP {name} {JOB_GAUGES[name]}", f"# TYPE {name} gauge", f"{name} {value}"]
    return ("\n".join(lines) + "\n").encode()


def metrics(request):
    """Prometheus text format. The job gauges come from the database at each scrape. The
    request and job counters are this process's own, or, when ``PROMETHEUS_MULTIPROC_DIR``
    is set (``waypoint serve`` sets it for several web processes), summed over them."""
    if not _allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        body = generate_latest(shared)
    else:
        body = generate_latest(REGISTRY)
    return HttpResponse(body + _job_gauges(), content_type=CONTENT_TYPE_LATEST)


# --- Error reporting ----------------------------------------------------------------------------


def init_sentry(dsn: str, environment: str, release: str) -> bool:
    """Send unhandled errors to Sentry (no personal data, no request bodies)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )
    return True
