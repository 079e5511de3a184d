"""What an operator sees: a JSON log line per request with its request id, the same id on the
worker's lines for the jobs the request caused, and Prometheus metrics closed to strangers."""

import datetime as dt
import io
import json
import logging

import pytest
from django.test import TestCase

from waypoint import observability
from waypoint.jobs.models import Job


@pytest.fixture
def json_lines():
    """The JSON formatter on a stream, attached where the settings attach it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.JsonFormatter())
    loggers = [logging.getLogger("waypoint.request"), logging.getLogger("waypoint.jobs")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_each_request_gets_an_id_and_one_json_access_line(
    client, owner_user, workspace, json_lines
):
    client.force_login(owner_user)
    response = client.get("/w/acme/")
    rid = response["X-Request-ID"]
    assert response.status_code == 200 and len(rid) == 24
    (line,) = [x for x in json_lines() if x["message"] == "request"]
    assert line["request_id"] == rid
    assert (line["route"], line["method"], line["status"]) == ("/w/<slug:slug>/", "GET", 200)
    assert line["user"] == owner_user.pk and line["workspace"] == "acme"
    assert line["duration_ms"] >= 0 and line["level"] == "info"


def test_a_plain_request_id_from_the_client_is_kept_and_anything_else_replaced(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c01")["X-Request-ID"] == "lb-7f3a9c01"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{"level":"error"}')["X-Request-ID"]
    assert forged != 'x"\n{"level":"error"}' and forged.isalnum()


def test_the_worker_lines_of_a_job_carry_the_id_of_the_request_that_caused_it(
    client, owner_user, workspace, key_result, json_lines, settings
):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    from waypoint.integrations import services as hooks
    from waypoint.workspaces import services as ws

    hooks.webhook_create(
        workspace=workspace, url="http://127.0.0.1:9/x", events=["checkin.created"], actor=None
    )
    _token, raw = ws.token_create(
        member=workspace.members.get(user=owner_user), name="t", scope="write", actor=None
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/api/v1/check-ins",
            {"key_result_id": key_result.pk, "value": 5, "date": dt.date(2026, 2, 1).isoformat()},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_X_REQUEST_ID="req-check-in-0001",
        )
    assert response.status_code == 201, response.content
    job = Job.objects.get(kind="webhooks.fan_out")
    assert job.request_id == "req-check-in-0001" and job.status == "done"
    worker_lines = [x for x in json_lines() if x.get("kind") == "webhooks.fan_out"]
    assert worker_lines and all(x["request_id"] == "req-check-in-0001" for x in worker_lines)


def test_an_error_line_carries_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "failed %s", ("x",), __import__("sys").exc_info()
        )
    line = json.loads(observability.JsonFormatter().format(record))
    assert line["message"] == "failed x" and line["error"]["type"] == "ValueError"
    assert "boom" in line["error"]["message"] and "test_observability" in line["error"]["trace"]


def test_metrics_answer_loopback_and_the_token_and_nobody_else(client, db, settings):
    client.get("/healthz")
    Job.objects.create(kind="webhooks.deliver", status="failed")
    response = client.get("/metrics")  # the test client comes from 127.0.0.1
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert 'waypoint_http_requests_total{method="GET",route="/healthz",status="2xx"}' in text
    assert "waypoint_http_request_duration_seconds_bucket" in text
    assert "waypoint_jobs_failed 1" in text and "waypoint_outbox_lag_seconds" in text
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_TOKEN = "s3cret-metrics"
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics"
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer no"
        ).status_code
        == 404
    )


def test_the_access_line_queries_nothing(client, owner_user):
    """/healthz touches nothing, and the access line must not either: it is written when the
    database may be the thing that failed (a query there turned /readyz's JSON into a page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner_user)  # a session cookie that a lookup of the user would read
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]
