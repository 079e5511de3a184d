"""Rows that only grow are let go after the time the operator keeps them: sessions,
idempotency keys, finished webhook deliveries, data sources' pulls, finished jobs and their
events, the audit trail. Work in flight is never deleted, and 0 days keeps rows for ever."""

import datetime as dt

from django.contrib.sessions.models import Session
from django.utils import timezone

from waypoint.connectors.models import Pull, Source
from waypoint.integrations.models import Delivery, Webhook
from waypoint.jobs import retention
from waypoint.jobs.models import Event, Job
from waypoint.kpis.models import Kpi
from waypoint.workspaces.models import AuditEntry, IdempotencyKey

NOW = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)


def aged(queryset, days: int) -> None:
    queryset.update(created_at=NOW - dt.timedelta(days=days))


def test_each_kind_goes_after_its_time_and_work_in_flight_stays(db, workspace, owner):
    Session.objects.create(
        session_key="old", session_data="", expire_date=NOW - dt.timedelta(days=2)
    )
    Session.objects.create(
        session_key="live", session_data="", expire_date=NOW + dt.timedelta(days=1)
    )
    for key, days in (("k-old", 31), ("k-new", 29)):
        row = IdempotencyKey.objects.create(
            workspace=workspace, member=owner, key=key, path="check-ins", status=201, response={}
        )
        aged(IdempotencyKey.objects.filter(pk=row.pk), days)
    hook = Webhook.objects.create(workspace=workspace, url="http://127.0.0.1:9/", secret="s")
    for status, days in (("succeeded", 91), ("failed", 91), ("pending", 91), ("succeeded", 89)):
        row = Delivery.objects.create(webhook=hook, event="e", payload={}, status=status)
        aged(Delivery.objects.filter(pk=row.pk), days)
    finished = Event.objects.create(workspace=workspace, name="done", created_at=NOW)
    waiting = Event.objects.create(workspace=workspace, name="waiting", created_at=NOW)
    aged(Event.objects.all(), 40)
    Job.objects.create(kind="x", event=finished, status="done", created_at=NOW - dt.timedelta(40))
    Job.objects.create(kind="x", event=waiting, status="queued", created_at=NOW - dt.timedelta(40))
    Job.objects.create(kind="x", status="failed", created_at=NOW - dt.timedelta(40))
    Job.objects.create(kind="x", status="done", created_at=NOW - dt.timedelta(10))
    kpi = Kpi.objects.create(workspace=workspace, name="Leads", owner=owner)
    source = Source.objects.create(workspace=workspace, kind="catch_hook", kpi=kpi)
    for days in (91, 89):
        Pull.objects.create(source=source, started_at=NOW - dt.timedelta(days=days), ok=True)
    audit_before = AuditEntry.objects.count()
    aged(AuditEntry.objects.filter(pk=AuditEntry.objects.order_by("pk").first().pk), 366)

    deleted = retention.prune(NOW, chunk=2)  # chunks of two: every rule loops

    assert deleted == {
        "sessions": 1,
        "idempotency keys": 1,
        "audit": 1,
        "audit kept as its workspace says": 0,  # no workspace chose its own time
        "webhook deliveries": 2,
        "finished jobs": 2,
        "events": 1,
        "source pulls": 1,
    }
    assert Pull.objects.count() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-new"]
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["pending", "succeeded"]
    assert list(Event.objects.values_list("name", flat=True)) == ["waiting"]
    assert sorted(Job.objects.values_list("status", flat=True)) == ["done", "queued"]
    assert AuditEntry.objects.count() == audit_before - 1


def test_zero_days_keeps_rows_for_ever(db, workspace, settings):
    settings.RETAIN = {**settings.RETAIN, "audit": 0}
    aged(AuditEntry.objects.all(), 5000)
    count = AuditEntry.objects.count()
    assert "audit" not in retention.prune(timezone.now())
    assert AuditEntry.objects.count() == count > 0


def test_the_nightly_job_prunes(db, workspace):
    """The periodic job, as a worker runs it at 03:17 (once, whatever the number of
    workers: see test_jobs)."""
    from waypoint.jobs import queue

    AuditEntry.objects.update(created_at=timezone.now() - dt.timedelta(days=400))
    job = queue.enqueue_periodic("housekeeping.prune")
    assert queue.run(job.pk) == "done"
    assert not AuditEntry.objects.exists()
