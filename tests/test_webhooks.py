"""Webhooks: a real HTTP receiver on this machine gets the signed JSON; a failing receiver
is retried with backoff by the worker."""

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading

import pytest

from waypoint.integrations import services
from waypoint.integrations.models import Delivery
from waypoint.integrations.tasks import deliver
from waypoint.jobs import queue
from waypoint.jobs.models import Job
from waypoint.okrs import services as okr


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    """The receivers here listen on 127.0.0.1, which the outbound policy refuses unless the
    operator allows it."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


class Receiver:
    """A local HTTP server that records requests and answers the status it is told."""

    def __init__(self):
        self.requests = []
        self.status = 200
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                outer.requests.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_a_check_in_reaches_the_receiver_signed(
    receiver, workspace, key_result, django_capture_on_commit_callbacks
):
    hook = services.webhook_create(
        workspace=workspace, url=receiver.url, events=["checkin.created"], actor=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            key_result=key_result,
            date=dt.date(2026, 2, 1),
            value=60,
            confidence="at_risk",
            actor=None,
        )
    ((headers, body),) = receiver.requests
    expected = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Waypoint-Signature"], expected)
    assert headers["X-Waypoint-Event"] == "checkin.created"
    data = json.loads(body)
    assert data["data"]["value"] == 60 and data["data"]["key_result"] == key_result.pk
    delivery = Delivery.objects.get()
    assert delivery.status == "succeeded" and delivery.status_code == 200


def test_a_failing_receiver_is_retried_with_backoff(
    receiver, workspace, key_result, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    services.webhook_create(
        workspace=workspace, url=receiver.url, events=["checkin.created"], actor=None
    )
    receiver.status = 500
    HUEY.flush()
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 1), value=60, actor=None)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at is not None
    assert len(HUEY.scheduled()) == 1  # the worker will try again in a minute
    job = Job.objects.get(kind="webhooks.deliver")
    assert job.status == "queued" and job.last_error == "HTTP 500"
    assert queue.run(job.pk) is None  # not due yet: nothing is sent early
    assert len(receiver.requests) == 1
    receiver.status = 204
    Job.objects.filter(pk=job.pk).update(run_after=job.created_at)  # a minute later
    assert queue.run(job.pk) == "done"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert len(receiver.requests) == 2
    deliver(delivery.pk)  # safe to run twice: nothing is sent again
    assert len(receiver.requests) == 2


def test_delivery_gives_up_after_the_last_attempt(workspace, key_result):
    hook = services.webhook_create(
        workspace=workspace, url="http://127.0.0.1:9/x", events=["checkin.created"], actor=None
    )
    delivery = Delivery.objects.create(webhook=hook, event="checkin.created", payload={})

    def refuse(url, body, headers):
        raise ConnectionRefusedError("refused")

    for _ in range(services.MAX_ATTEMPTS):
        services.attempt(delivery, refuse)
    assert delivery.status == "failed" and delivery.attempts == services.MAX_ATTEMPTS
    assert "refused" in delivery.error


def test_kpi_breach_grade_and_cycle_close_are_events(workspace, owner, quarter, objective):
    from waypoint.kpis import services as kpis

    hook = services.webhook_create(
        workspace=workspace,
        url="http://127.0.0.1:9/x",
        events=["kpi.breached", "kpi.recovered", "objective.graded", "cycle.closed"],
        actor=None,
    )
    kpi = kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Uptime",
        warning=99,
        critical=95,
        frequency="daily",
        aggregation="last",
        owner=owner,
    )
    kpis.data_points_record(kpi=kpi, rows=[(dt.date(2026, 1, 5), 90)], actor=None)
    kpis.data_points_record(kpi=kpi, rows=[(dt.date(2026, 1, 6), 99.9)], actor=None)
    okr.objective_grade(objective=objective, actor=None)
    okr.cycle_close(cycle=quarter, actor=None)
    # The domain records events; the webhooks' job turns each into a delivery.
    from waypoint.jobs.models import Event

    assert list(Event.objects.order_by("id").values_list("name", flat=True)) == [
        "kpi.breached",
        "kpi.alert",
        "kpi.recovered",
        "kpi.alert",
        "objective.graded",
        "cycle.closed",
    ]
    for job in Job.objects.filter(kind="webhooks.fan_out").order_by("id"):
        queue.run(job.pk)
        queue.run(job.pk)  # run twice (a worker died before it said done): no second delivery
    assert list(hook.deliveries.order_by("id").values_list("event", flat=True)) == [
        "kpi.breached",
        "kpi.recovered",
        "objective.graded",
        "cycle.closed",
    ]


def test_webhook_settings_are_for_admins(client, owner_user, workspace, teammate):
    client.force_login(owner_user)
    response = client.post(
        "/w/acme/settings/webhooks/", {"url": "http://127.0.0.1:9/h", "events": ["cycle.closed"]}
    )
    assert response.status_code == 302
    assert "http://127.0.0.1:9/h" in client.get("/w/acme/settings/webhooks/").content.decode()
    client.force_login(teammate.user)
    assert client.get("/w/acme/settings/webhooks/").status_code == 403
