"""Events and jobs that are never lost: one way to run work in the background.

- ``record(workspace, name, data)`` writes an event of the outbox inside the caller's
  transaction, and a job for each listener of that name (``listen``).
- ``enqueue(kind, args)`` writes a job inside the caller's transaction. Once it commits, the
  queue is asked to run it (``ring``); a queue that is down is logged, not raised: the
  sweep finds the job later.
- ``run(job_id)`` claims the job with a lease (one UPDATE, so two workers never both run
  it), runs its handler and records the outcome. Transient errors (database, network) are
  retried with backoff; other errors fail the job at once. A failed job keeps its error and
  can be run again (admin action, ``waypoint jobs --retry``).
- ``sweep()`` (every few seconds in each worker) rings for jobs that are due, whose lease
  has expired, or whose worker on this host has died: a worker killed with ``kill -9``
  means its job runs again, never that it is lost.

Delivery is at least once, so every handler is idempotent: a job that is run twice has
the effect of one run (an upload's state, a delivery's status, keys that are unique).
A handler declared ``atomic`` runs in one transaction with the mark that it is done, so
its database effect happens exactly once.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from waypoint import observability

from .models import Event, Job

log = logging.getLogger("waypoint.jobs")

# Errors that may pass: a database that restarts, a connection cut, a peer that times out.
TRANSIENT = (OperationalError, InterfaceError, OSError)
BACKOFF = [5, 30, 120, 600, 1800]  # seconds before attempts 2, 3, 4...
DUE_GRACE = dt.timedelta(seconds=5)  # the bell rings first; the sweep only after this
# A job the sweep rang and no worker has taken yet (a long backlog, not a lost bell) is rung
# again only after this: a queue of 10,000 jobs does not grow by a thousand bells a sweep.
RERING = dt.timedelta(minutes=5)


class Retry(Exception):
    """Raised by a handler to run the job again after ``delay`` seconds (not a failure)."""

    def __init__(self, delay: float, reason: str = ""):
        super().__init__(reason)
        self.delay = delay


@dataclass(frozen=True)
class Handler:
    kind: str
    fn: Callable[..., object]
    lease: int  # seconds a run may take before another worker may take the job over
    max_attempts: int
    atomic: bool
    on_fail: Callable[[Job, str], None] | None


HANDLERS: dict[str, Handler] = {}
LISTENERS: dict[str, list[str]] = {}
WANTS: dict[str, Callable[[int | None, str, dict], bool]] = {}

# The job a worker thread is running: its request id goes into that thread's log lines.
current_job: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)


def handler(
    kind: str,
    *,
    lease: int = 300,
    max_attempts: int = 5,
    atomic: bool = False,
    on_fail: Callable[[Job, str], None] | None = None,
):
    """Declare the function that runs jobs of ``kind``; it receives the job's ``args``."""

    def register(fn):
        HANDLERS[kind] = Handler(kind, fn, lease, max_attempts, atomic, on_fail)
        return fn

    return register


def listen(
    event_name: str, kind: str, wants: Callable[[int | None, str, dict], bool] | None = None
) -> None:
    """Each event ``event_name`` recorded from now on gets a job of ``kind``; with ``wants``,
    only when ``wants(workspace_id, event_name, data)`` says it has a use for it (a check-in
    in a workspace without webhooks, or on an objective that is not a commitment, costs no
    job)."""
    kinds = LISTENERS.setdefault(event_name, [])
    if kind not in kinds:
        kinds.append(kind)
    if wants is not None:
        WANTS[kind] = wants


def record(workspace, name: str, data: dict) -> Event | None:
    """Write that ``name`` happened, with a job for each listener that wants it, in the
    current transaction: the event exists if and only if the change it describes does.
    Nothing is written when no listener wants it."""
    workspace_id = workspace.pk if workspace is not None else None
    kinds = [
        kind
        for kind in LISTENERS.get(name, [])
        if kind not in WANTS or WANTS[kind](workspace_id, name, data)
    ]
    if not kinds:
        return None
    event = Event.objects.create(
        workspace=workspace, name=name, payload=data, request_id=observability.request_id()
    )
    for kind in kinds:
        enqueue(kind, {"event": event.pk}, workspace=workspace, event=event)
    return event


def enqueue(
    kind: str,
    args: dict | None = None,
    *,
    workspace=None,
    workspace_id: int | None = None,
    event: Event | None = None,
    key: str | None = None,
    delay: float = 0,
) -> Job:
    """A job of ``kind``, run once the current transaction commits. With a ``key``, a job
    that already has it is returned instead of a second one."""
    if kind not in HANDLERS:
        raise LookupError(f"no handler for jobs of kind {kind!r}")
    if key is not None:
        existing = Job.objects.filter(key=key).first()
        if existing is not None:
            return existing
    fields = dict(
        kind=kind,
        args=args or {},
        key=key,
        workspace_id=workspace.pk if workspace is not None else workspace_id,
        event=event,
        run_after=timezone.now() + dt.timedelta(seconds=delay),
        request_id=observability.request_id(),
    )
    if key is None:
        job = Job.objects.create(**fields)
    else:
        try:
            with transaction.atomic():
                job = Job.objects.create(**fields)
        except IntegrityError:  # another process made it between our read and write
            return Job.objects.get(key=key)
    transaction.on_commit(lambda: ring(job.pk, delay))
    return job


def ring(job_id: int, delay: float = 0) -> bool:
    """Ask the queue to run the job now (or after ``delay``). False when the queue cannot be
    reached: the job is safe in the database and the next sweep rings again."""
    from .tasks import run_job

    try:
        if delay > 0:
            run_job.schedule((job_id,), delay=delay)
        else:
            run_job(job_id)
        return True
    except Exception as exc:
        log.warning("queue unreachable, job %s waits for the sweep: %s", job_id, exc)
        return False


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(job_id: int, spec: Handler, now: dt.datetime) -> bool:
    due = Q(status=Job.Status.QUEUED, run_after__lte=now) | Q(
        status=Job.Status.RUNNING, leased_until__lt=now
    )
    return bool(
        Job.objects.filter(due, pk=job_id).update(
            status=Job.Status.RUNNING,
            attempts=F("attempts") + 1,
            leased_until=now + dt.timedelta(seconds=spec.lease),
            leased_by=worker_name(),
            rung_at=None,  # taken: if this worker dies, the sweep rings again at once
        )
    )


def run(job_id: int) -> str | None:
    """Run one job if it is due and nobody holds it; its new status, or None if not run."""
    job = Job.objects.filter(pk=job_id).only("kind").first()
    if job is None:
        return None
    spec = HANDLERS.get(job.kind)
    if spec is None:
        log.error("job %s: no handler for kind %r", job_id, job.kind)
        return None
    if not _claim(job_id, spec, timezone.now()):
        return None
    job = Job.objects.get(pk=job_id)
    if job.attempts > spec.max_attempts:  # its worker died on every attempt
        return _fail(job, spec, f"gave up after {spec.max_attempts} attempts")
    token = current_job.set(job)
    started = time.monotonic()
    try:
        if spec.atomic:
            with transaction.atomic():
                spec.fn(**job.args)
                _finish(job, Job.Status.DONE)
        else:
            spec.fn(**job.args)
            _finish(job, Job.Status.DONE)
        # The line carries the job, its kind and its request id (observability.context).
        log.info("job done", extra={"duration_ms": int((time.monotonic() - started) * 1000)})
        return Job.Status.DONE
    except Retry as again:
        _reschedule(job, again.delay, str(again))
        return Job.Status.QUEUED
    except TRANSIENT as exc:
        if job.attempts >= spec.max_attempts:
            return _fail(job, spec, _describe(exc))
        delay = BACKOFF[min(job.attempts, len(BACKOFF)) - 1]
        log.warning("job %s (%s) will be retried in %s s: %s", job.pk, job.kind, delay, exc)
        _reschedule(job, delay, _describe(exc))
        return Job.Status.QUEUED
    except Exception as exc:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        return _fail(job, spec, _describe(exc))
    finally:
        current_job.reset(token)
        observability.count_job_run(job.kind)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _mine(job: Job):
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, leased_by=worker_name())


def _finish(job: Job, status: str, error: str = "") -> None:
    _mine(job).update(
        status=status,
        finished_at=timezone.now(),
        leased_until=None,
        last_error=error or F("last_error"),
    )


def _reschedule(job: Job, delay: float, error: str) -> None:
    _with_database_retry(
        lambda: _mine(job).update(
            status=Job.Status.QUEUED,
            run_after=timezone.now() + dt.timedelta(seconds=delay),
            leased_until=None,
            last_error=error,
        )
    )
    ring(job.pk, delay)


def _fail(job: Job, spec: Handler, error: str) -> str:
    def fail():
        with transaction.atomic():
            _finish(job, Job.Status.FAILED, error)
            if spec.on_fail is not None:
                spec.on_fail(job, error)

    _with_database_retry(fail)
    observability.count_job_failure(job.kind)
    return Job.Status.FAILED


def _with_database_retry(write: Callable[[], object], tries: int = 3) -> None:
    """The outcome of a job is written even if the connection broke during the job."""
    from django.db import connection

    for i in range(tries):
        try:
            write()
            return
        except DatabaseError:
            if i == tries - 1:
                raise
            connection.close()
            time.sleep(0.5 * (i + 1))


def retry(job: Job) -> Job:
    """Run a failed job again (the admin's action and ``waypoint jobs --retry``)."""
    if job.status != Job.Status.FAILED:
        return job
    Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(
        status=Job.Status.QUEUED, attempts=0, run_after=timezone.now(), finished_at=None
    )
    transaction.on_commit(lambda: ring(job.pk))
    job.refresh_from_db()
    return job


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Ring for every job that should be running and is not: due but never started (the
    bell was lost or the queue was down), leased by a worker on this host that has died,
    or leased past its time; and not rung by a sweep in the last minutes (``RERING``).
    Safe in any number of workers at once: the claim decides."""
    now = now or timezone.now()
    host = socket.gethostname() + ":"
    orphans = []
    for pk, by in Job.objects.filter(
        status=Job.Status.RUNNING, leased_by__startswith=host, leased_until__gte=now
    ).values_list("pk", "leased_by")[:limit]:
        pid = by[len(host) :]
        if pid.isdigit() and not _alive(int(pid)):
            orphans.append(pk)
    if orphans:  # a dead worker holds no lease
        Job.objects.filter(pk__in=orphans, status=Job.Status.RUNNING).update(
            leased_until=now - dt.timedelta(seconds=1)
        )
    stuck = Q(status=Job.Status.QUEUED, run_after__lte=now - DUE_GRACE) | Q(
        status=Job.Status.RUNNING, leased_until__lt=now
    )
    not_rung = Q(rung_at__isnull=True) | Q(rung_at__lt=now - RERING)
    found = Job.objects.filter(stuck & not_rung).order_by("run_after")
    pks = list(found.values_list("pk", flat=True)[:limit])
    if pks:
        Job.objects.filter(pk__in=pks).update(rung_at=now)
    for rung, pk in enumerate(pks):
        if not ring(pk):  # the queue is down: the next sweep rings the rest
            Job.objects.filter(pk__in=pks[rung:], rung_at=now).update(rung_at=None)
            return rung
    return len(pks)


def sweeper(interval: float, stop: threading.Event) -> None:
    """The worker's sweep loop: it needs only the database, so it outlives a queue outage."""
    from django.db import close_old_connections

    while True:
        try:
            close_old_connections()
            sweep()
        except Exception:
            log.exception("sweep failed")
        if stop.wait(interval):
            return


def periodic_key(kind: str, now: dt.datetime) -> str:
    """The key of a periodic job's run for the minute ``now``: every worker's scheduler
    asks for the same key, the database keeps one job, so it runs once."""
    return f"periodic:{kind}:{now.astimezone(dt.UTC):%Y-%m-%dT%H:%M}"


def enqueue_periodic(kind: str, now: dt.datetime | None = None) -> Job:
    with transaction.atomic():
        return enqueue(kind, {}, key=periodic_key(kind, now or timezone.now()))


def pending_count() -> int:
    return Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).count()


def oldest_pending_age(now: dt.datetime | None = None) -> float:
    """Seconds the oldest job that should have run already has waited (the outbox lag)."""
    now = now or timezone.now()
    first = (
        Job.objects.filter(status=Job.Status.QUEUED, run_after__lte=now)
        .order_by("run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    return max((now - first).total_seconds(), 0.0) if first else 0.0
