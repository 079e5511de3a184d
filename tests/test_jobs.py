"""Events and jobs kept in the database: written with the change, run once it commits, claimed
by one worker at a time, retried when the error may pass, taken over when a worker dies,
and found again by the sweep when the queue lost the bell."""

import ast
import datetime as dt
import pathlib
import subprocess
import sys

import pytest
from django.db import OperationalError, transaction
from django.test import TestCase
from django.utils import timezone

from waypoint.jobs import queue
from waypoint.jobs.models import Event, Job
from waypoint.okrs import services as okr

CALLS: list[dict] = []


@queue.handler("test.record", atomic=True)
def _record(**args):
    CALLS.append(args)
    if args.get("fail") == "transient":
        raise OperationalError("the server closed the connection")
    if args.get("fail") == "bug":
        raise ValueError("a bug")


FAILED: list[tuple[int, str]] = []
queue.handler(
    "test.with_on_fail", max_attempts=2, on_fail=lambda job, e: FAILED.append((job.pk, e))
)(_record)


@pytest.fixture(autouse=True)
def clean():
    CALLS.clear()
    FAILED.clear()
    yield


def test_a_job_is_written_with_the_change_and_run_once_it_commits(db):
    with TestCase.captureOnCommitCallbacks(execute=True) as bells, transaction.atomic():
        job = queue.enqueue("test.record", {"n": 1})
        assert CALLS == []  # nothing runs before the commit
    assert len(bells) == 1 and CALLS == [{"n": 1}]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at is not None) == ("done", 1, True)
    assert queue.run(job.pk) is None and CALLS == [{"n": 1}]  # a second bell does nothing


def test_a_rolled_back_change_leaves_no_event_and_no_job(db, workspace):
    with (
        TestCase.captureOnCommitCallbacks(execute=True) as bells,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue.listen("test.happened", "test.record")
        queue.record(workspace, "test.happened", {"x": 1})
        raise RuntimeError("the write failed")
    assert not Event.objects.exists() and not Job.objects.exists() and bells == []


def test_an_event_gets_one_job_per_listener_with_its_id(db, workspace):
    queue.listen("test.seen", "test.record")
    event = queue.record(workspace, "test.seen", {"x": 1})
    job = Job.objects.get(event=event)
    assert (job.kind, job.args, job.workspace_id) == (
        "test.record",
        {"event": event.pk},
        workspace.pk,
    )


def test_a_periodic_job_runs_once_however_many_schedulers_ask(db):
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = queue.enqueue_periodic("test.record", now)
        second = queue.enqueue_periodic("test.record", now)  # the other worker's scheduler
    assert first.pk == second.pk and Job.objects.count() == 1 and len(CALLS) == 1
    queue.enqueue_periodic("test.record", now + dt.timedelta(minutes=1))
    assert Job.objects.count() == 2  # the next minute is another run


def hold(job: Job, by: str, attempts: int, seconds: float) -> None:
    """As if the worker ``by`` had claimed the job, with a lease ending in ``seconds``."""
    Job.objects.filter(pk=job.pk).update(
        status="running",
        attempts=attempts,
        leased_by=by,
        leased_until=timezone.now() + dt.timedelta(seconds=seconds),
    )


def test_a_job_held_by_a_worker_is_not_run_by_another_until_its_lease_ends(db):
    job = queue.enqueue("test.record", {"n": 2})
    hold(job, "elsewhere:1", attempts=1, seconds=60)
    assert queue.run(job.pk) is None and CALLS == []
    Job.objects.filter(pk=job.pk).update(leased_until=timezone.now() - dt.timedelta(seconds=1))
    assert queue.run(job.pk) == "done" and CALLS == [{"n": 2}]
    assert Job.objects.get(pk=job.pk).attempts == 2


def test_transient_errors_are_retried_with_backoff_then_fail_with_the_error(db):
    job = queue.enqueue("test.with_on_fail", {"fail": "transient"})
    began = timezone.now()
    assert queue.run(job.pk) == "queued"
    job.refresh_from_db()
    assert job.status == "queued" and "closed the connection" in job.last_error
    assert job.run_after >= began + dt.timedelta(seconds=queue.BACKOFF[0])
    Job.objects.filter(pk=job.pk).update(run_after=began)
    assert queue.run(job.pk) == "failed"  # the second of two attempts
    job.refresh_from_db()
    assert job.status == "failed" and [(job.pk, job.last_error)] == FAILED


def test_a_bug_fails_at_once_and_the_retry_action_runs_it_again(db):
    job = queue.enqueue("test.record", {"fail": "bug"})
    assert queue.run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.attempts == 1 and job.last_error == "ValueError: a bug"
    Job.objects.filter(pk=job.pk).update(args={"n": 3})  # the cause was fixed
    with TestCase.captureOnCommitCallbacks(execute=True):
        queue.retry(job)
    job.refresh_from_db()
    assert job.status == "done" and CALLS[-1] == {"n": 3}


def test_a_job_whose_worker_died_is_taken_over_by_the_sweep(db):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = queue.enqueue("test.record", {"n": 4})
    import socket

    hold(job, f"{socket.gethostname()}:{dead.pid}", attempts=1, seconds=1800)
    assert queue.sweep() == 1  # rung at once, although its lease has half an hour left
    assert Job.objects.get(pk=job.pk).status == "done" and CALLS == [{"n": 4}]


def test_a_worker_that_dies_on_every_attempt_fails_the_job_in_the_end(db):
    job = queue.enqueue("test.with_on_fail", {"n": 5})
    hold(job, "x:1", attempts=2, seconds=-1)
    assert queue.run(job.pk) == "failed" and CALLS == []
    assert FAILED and "gave up after 2 attempts" in FAILED[0][1]


def test_a_lost_bell_is_found_by_the_sweep(db):
    job = queue.enqueue("test.record", {"n": 6})  # never committed here: no bell rang
    assert queue.sweep() == 0  # just written: the bell may still ring
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now() - dt.timedelta(seconds=10))
    assert queue.sweep() == 1 and CALLS == [{"n": 6}]


def test_a_backlog_is_rung_once_by_the_sweep_not_at_every_sweep(db, monkeypatch):
    """Jobs waiting behind a long queue are not lost: the sweep rings each once, and again
    only if no worker has taken it after RERING."""
    bells = []
    monkeypatch.setattr(queue, "ring", lambda pk, delay=0: bells.append(pk) or True)
    old = timezone.now() - dt.timedelta(seconds=10)
    jobs = [queue.enqueue("test.record", {"n": n}) for n in range(5)]
    Job.objects.update(run_after=old)
    assert queue.sweep() == 5 and sorted(bells) == sorted(j.pk for j in jobs)
    assert queue.sweep() == 0 and queue.sweep() == 0 and len(bells) == 5
    later = timezone.now() + queue.RERING + dt.timedelta(seconds=1)
    assert queue.sweep(now=later) == 5 and len(bells) == 10


def test_a_queue_that_cannot_be_reached_leaves_the_jobs_for_the_next_sweep(db, monkeypatch):
    monkeypatch.setattr(queue, "ring", lambda pk, delay=0: False)
    queue.enqueue("test.record", {"n": 7})
    Job.objects.update(run_after=timezone.now() - dt.timedelta(seconds=10))
    assert queue.sweep() == 0
    assert Job.objects.get().rung_at is None


def webhook_on_check_ins(workspace):
    from waypoint.integrations.models import Webhook

    return Webhook.objects.create(
        workspace=workspace, url="http://127.0.0.1:9/x", events=["checkin.created"], secret="s"
    )


def test_a_check_in_is_saved_when_the_queue_is_down(db, workspace, key_result, monkeypatch):
    from waypoint.jobs import tasks

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    webhook_on_check_ins(workspace)
    monkeypatch.setattr(tasks, "run_job", down)
    with TestCase.captureOnCommitCallbacks(execute=True):
        checkin = okr.checkin_create(
            key_result=key_result, date=dt.date(2026, 2, 1), value=10, actor=None
        )
    assert checkin.pk and Event.objects.filter(name="checkin.created").count() == 1
    assert Job.objects.get().status == "queued"  # for the sweep, once the queue is back


def test_an_event_nobody_wants_writes_nothing(db, workspace, key_result):
    """A check-in in a workspace without webhooks costs no event and no job; once a webhook
    asks for check-ins, each gets its event and the webhooks' job."""
    day = dt.date(2026, 2, 1)
    okr.checkin_create(key_result=key_result, date=day, value=1, actor=None)
    assert not Event.objects.exists() and not Job.objects.exists()
    webhook_on_check_ins(workspace)
    okr.checkin_create(key_result=key_result, date=day, value=2, actor=None)
    assert Event.objects.get().payload["value"] == 2
    assert Job.objects.get().kind == "webhooks.fan_out"


def test_the_domain_does_not_import_the_integrations():
    """okrs, kpis and imports record events; integrations listen. No service or model of
    the domain imports them."""
    src = pathlib.Path(__file__).parents[1] / "src" / "waypoint"
    offenders = []
    for app in ("okrs", "kpis", "imports", "workspaces", "coach"):
        for name in ("services.py", "models.py", "selectors.py", "rollups.py", "okrfile.py"):
            path = src / app / name
            if not path.exists():
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                module = getattr(node, "module", None) or ""
                names = [a.name for a in getattr(node, "names", [])]
                if module.startswith("waypoint.integrations") or any(
                    n.startswith("waypoint.integrations") for n in names
                ):
                    offenders.append(f"{app}/{name}")
    assert offenders == []


def test_a_fresh_process_knows_every_kind_of_job_and_its_listeners(tmp_path):
    """A web server enqueues jobs that only a worker's modules declare: every process loads
    them at start, or the first import or check-in of a web server would fail."""
    import json
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="waypoint.settings", WAYPOINT_DATA_DIR=str(tmp_path))
    code = (
        "import django, json; django.setup(); from waypoint.jobs import queue;"
        "print(json.dumps([sorted(queue.HANDLERS), queue.LISTENERS]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    kinds, listeners = json.loads(done.stdout)
    assert {"imports.run", "sources.pull", "webhooks.deliver", "kpis.judge_daily"} <= set(kinds)
    assert listeners["checkin.created"] == ["webhooks.fan_out", "notifications.commitment"]
    assert listeners["kpi.alert"] == ["notifications.kpi_alert"]
