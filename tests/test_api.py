"""The REST API with personal access tokens: CRUD of each resource, scopes, tenancy,
idempotent check-ins and an all-or-nothing bulk push of KPI data points."""

import datetime as dt
import json

import pytest

from waypoint.kpis.models import DataPoint, Kpi
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, KeyResult, Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import ApiToken, AuditEntry


@pytest.fixture
def tokens(workspace, owner, other_workspace):
    write = ws_services.token_create(member=owner, name="ci", scope="write", actor=None)[1]
    read = ws_services.token_create(member=owner, name="dash", scope="read", actor=None)[1]
    rival = ws_services.token_create(
        member=other_workspace.members.get(), name="x", scope="write", actor=None
    )[1]
    return {"write": write, "read": read, "rival": rival}


def call(client, method, path, token, body=None, **headers):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def test_tokens_are_stored_hashed_and_revocable(client, tokens, owner):
    token = ApiToken.objects.get(name="ci")
    assert tokens["write"] not in (token.digest, token.prefix) and len(token.digest) == 64
    assert call(client, "get", "/workspace", tokens["write"]).json()["slug"] == "acme"
    ws_services.token_revoke(token=token, actor=None)
    assert call(client, "get", "/workspace", tokens["write"]).status_code == 401
    assert client.get("/api/v1/workspace").status_code == 401


def test_the_token_lookup_answers_what_the_orm_answers(tokens, owner, teammate):
    """Every API request's first read (``selectors.active_token``, one fixed statement) gives
    the token, its workspace, its member and the member's user with every field as the ORM
    reads them, converted alike (dates, flags, the logo's bytes); nothing for a revoked
    token, a deactivated member's or an unknown digest."""
    from django.utils import timezone

    from waypoint.workspaces.models import Member, Workspace
    from waypoint.workspaces.selectors import active_token
    from waypoint.workspaces.services import token_digest

    Workspace.objects.filter(pk=owner.workspace_id).update(
        logo=b"\x89PNG\x00", deletion_requested_at=timezone.now(), require_mfa=True
    )
    ApiToken.objects.filter(name="ci").update(last_used_at=timezone.now())

    def fields(obj):
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    digest = token_digest(tokens["write"])
    found = active_token(digest)
    orm = ApiToken.objects.select_related("workspace", "member__user").get(digest=digest)
    assert fields(found) == fields(orm) and fields(found.workspace) == fields(orm.workspace)
    assert fields(found.member) == fields(orm.member)
    assert fields(found.member.user) == fields(orm.member.user)
    assert (
        found.member.workspace is found.workspace and bytes(found.workspace.logo) == b"\x89PNG\x00"
    )
    assert active_token(token_digest("no such token")) is None
    ws_services.token_revoke(token=orm, actor=None)
    assert active_token(digest) is None
    theirs = ws_services.token_create(member=teammate, name="t", scope="write", actor=None)[1]
    assert active_token(token_digest(theirs)).member == teammate
    Member.objects.filter(pk=teammate.pk).update(deactivated_at=timezone.now())
    assert active_token(token_digest(theirs)) is None


def test_objectives_and_key_results_crud(client, tokens, quarter, owner):
    t = tokens["write"]
    r = call(
        client,
        "post",
        "/objectives",
        t,
        {"cycle_id": quarter.pk, "title": "Support delights", "why": "Renewals", "level": "team"},
    )
    assert r.status_code == 201, r.content
    oid = r.json()["id"]
    r = call(
        client,
        "post",
        "/key-results",
        t,
        {
            "objective_id": oid,
            "title": "First reply from 8h to 1h",
            "type": "decrease",
            "start": 8,
            "target": 1,
        },
    )
    assert r.status_code == 201, r.content
    kid = r.json()["id"]
    assert call(client, "patch", f"/key-results/{kid}", t, {"unit": "h"}).json()["unit"] == "h"
    assert (
        call(client, "patch", f"/objectives/{oid}", t, {"title": "Support that delights"}).json()[
            "title"
        ]
        == "Support that delights"
    )
    listed = call(client, "get", f"/objectives?cycle_id={quarter.pk}", t).json()
    assert listed["count"] == 1 and listed["items"][0]["score"] == 0
    bad = call(
        client,
        "post",
        "/key-results",
        t,
        {"objective_id": oid, "title": "Flat", "start": 5, "target": 5},
    )
    assert bad.status_code == 422 and "target" in bad.json()["detail"]
    assert call(client, "delete", f"/key-results/{kid}", t).status_code == 204
    assert call(client, "delete", f"/objectives/{oid}", t).status_code == 204
    assert not Objective.objects.filter(pk=oid).exists()
    assert AuditEntry.objects.filter(action="objective.delete", actor=owner.user).exists()


def test_a_read_token_cannot_write(client, tokens, quarter, objective):
    r = call(client, "post", "/objectives", tokens["read"], {"cycle_id": quarter.pk, "title": "X"})
    assert r.status_code == 403
    assert call(client, "get", f"/objectives/{objective.pk}", tokens["read"]).status_code == 200
    assert call(client, "delete", f"/objectives/{objective.pk}", tokens["read"]).status_code == 403


def test_another_workspaces_token_sees_404(client, tokens, objective, key_result, quarter):
    t = tokens["rival"]
    assert call(client, "get", f"/objectives/{objective.pk}", t).status_code == 404
    assert call(client, "get", f"/key-results/{key_result.pk}", t).status_code == 404
    assert call(client, "get", f"/cycles/{quarter.pk}", t).status_code == 404
    assert (
        call(
            client, "post", "/check-ins", t, {"key_result_id": key_result.pk, "value": 60}
        ).status_code
        == 404
    )
    assert call(client, "delete", f"/objectives/{objective.pk}", t).status_code == 404
    assert call(client, "get", "/objectives", t).json()["count"] == 0


def test_an_idempotent_check_in_retried_returns_the_first_result(client, tokens, key_result):
    body = {
        "key_result_id": key_result.pk,
        "value": 60,
        "confidence": "at_risk",
        "date": "2026-02-01",
    }
    first = call(client, "post", "/check-ins", tokens["write"], body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = call(client, "post", "/check-ins", tokens["write"], body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert CheckIn.objects.count() == 1
    other = call(client, "post", "/check-ins", tokens["write"], body, HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201 and CheckIn.objects.count() == 2


def test_an_idempotency_key_is_bound_to_its_body_and_its_member(
    client, tokens, key_result, workspace, owner
):
    body = {"key_result_id": key_result.pk, "value": 60, "comment": "private note"}
    first = call(client, "post", "/check-ins", tokens["write"], body, HTTP_IDEMPOTENCY_KEY="k-1")
    changed = call(
        client,
        "post",
        "/check-ins",
        tokens["write"],
        {**body, "value": 61},
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert first.status_code == 201 and changed.status_code == 422
    assert "another request body" in changed.json()["detail"]
    editor = ws_services.member_ensure(
        workspace=workspace, email="ed@acme.test", full_name="Ed", role="editor", actor=None
    )
    theirs = ws_services.token_create(member=editor, name="e", scope="write", actor=None)[1]
    replay = call(client, "post", "/check-ins", theirs, body, HTTP_IDEMPOTENCY_KEY="k-1")
    # The editor's own key: a new check-in of theirs, never the owner's answer replayed.
    assert replay.status_code == 201 and replay.json()["id"] != first.json()["id"]
    assert replay.json()["author_id"] == editor.pk


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="Visits", owner=owner, frequency="daily")


def test_a_bulk_push_of_10000_points_with_one_bad_row_writes_nothing(client, tokens, kpi):
    start = dt.date(2000, 1, 1)
    rows = [{"date": (start + dt.timedelta(days=i)).isoformat(), "value": i} for i in range(10000)]
    rows[7321]["value"] = "lots"
    r = call(client, "post", f"/kpis/{kpi.pk}/data-points", tokens["write"], rows)
    assert r.status_code == 422
    assert "7321" in json.dumps(r.json())
    assert not DataPoint.objects.exists()
    rows[7321]["value"] = 7321
    rows[9000]["date"] = rows[10]["date"]
    r = call(client, "post", f"/kpis/{kpi.pk}/data-points", tokens["write"], rows)
    assert r.status_code == 422 and "row 9000" in r.json()["detail"]
    assert not DataPoint.objects.exists()


def test_a_bulk_push_writes_everything_and_replaces(client, tokens, kpi):
    start = dt.date(2026, 1, 1)
    rows = [{"date": (start + dt.timedelta(days=i)).isoformat(), "value": i} for i in range(10000)]
    r = call(client, "post", f"/kpis/{kpi.pk}/data-points", tokens["write"], rows)
    assert r.json() == {"created": 10000, "replaced": 0, "unchanged": 0}
    r = call(
        client,
        "post",
        f"/kpis/{kpi.pk}/data-points",
        tokens["write"],
        [{"date": "2026-01-01", "value": 5}, {"date": "2026-01-02", "value": 1}],
    )
    assert r.json() == {"created": 0, "replaced": 1, "unchanged": 1}
    listed = call(client, "get", f"/kpis/{kpi.pk}/data-points?limit=2", tokens["read"]).json()
    assert listed["count"] == 10000 and listed["items"][0] == {"date": "2026-01-01", "value": 5.0}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/teams", {"name": "Platform"}),
        (
            "/cycles",
            {"name": "2027-Q1", "start": "2027-01-01", "end": "2027-03-31", "kind": "quarter"},
        ),
        ("/kpis", {"name": "Leads", "direction": "higher_is_better", "warning": 5, "critical": 2}),
    ],
)
def test_other_resources_are_created_and_listed(client, tokens, path, body):
    r = call(client, "post", path, tokens["write"], body)
    assert r.status_code == 201, r.content
    listed = call(client, "get", path, tokens["read"]).json()
    assert any(item["name"] == body["name"] for item in listed["items"])


def test_initiatives_annotations_members_and_retrospectives(
    client, tokens, key_result, objective, owner
):
    t = tokens["write"]
    r = call(
        client, "post", "/initiatives", t, {"key_result_id": key_result.pk, "title": "Survey wave"}
    )
    assert r.status_code == 201
    r = call(
        client,
        "post",
        "/annotations",
        t,
        {
            "key_result_id": key_result.pk,
            "date": "2026-02-01",
            "text": "Price change",
            "kind": "external",
        },
    )
    assert r.status_code == 201
    assert call(client, "get", "/members", t).json()["items"][0]["email"] == "owner@acme.test"
    okr.objective_grade(objective=objective, grade=0.0, reason="Nothing moved", actor=None)
    retro = call(client, "get", "/retrospectives", t).json()["items"][0]
    assert retro["objective_id"] == objective.pk and retro["grade"] == 0.0
    assert retro["grade_band"] == "red"


def test_the_openapi_document_lists_every_resource(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/objectives",
        "/api/v1/key-results",
        "/api/v1/check-ins",
        "/api/v1/kpis/{kpi_id}/data-points",
        "/api/v1/teams",
        "/api/v1/members",
        "/api/v1/cycles",
        "/api/v1/initiatives",
        "/api/v1/annotations",
        "/api/v1/retrospectives",
        "/api/v1/reports",
        "/api/v1/reports/{report_id}/pdf",
        "/api/v1/workspace",
        "/api/v1/lint",
    ):
        assert p in paths, p
    # Every operation sits in a named group of the docs; none falls into "default".
    untagged = [
        f"{method.upper()} {path}"
        for path, ops in paths.items()
        for method, op in ops.items()
        if not op.get("tags") or "default" in op["tags"]
    ]
    assert untagged == []
    assert KeyResult.objects.count() == 0


def test_a_token_is_made_in_the_ui_shown_once_and_works(client, owner_user, workspace):
    client.force_login(owner_user)
    html = client.post("/w/acme/tokens/", {"name": "ci", "scope": "write"}).content.decode()
    raw = html.split("data-token>")[1].split("<")[0]
    assert raw.startswith("wp_")
    assert raw not in client.get("/w/acme/tokens/").content.decode()
    client.logout()
    assert call(client, "get", "/workspace", raw).status_code == 200
    token = ApiToken.objects.get()
    client.force_login(owner_user)
    client.post(f"/w/acme/tokens/{token.pk}/revoke/")
    client.logout()
    assert call(client, "get", "/workspace", raw).status_code == 401


def test_reports_crud_and_pdf(client, tokens, quarter, key_result):
    t = tokens["write"]
    body = {"title": "Acme: Q1", "period_start": "2026-01-01", "period_end": "2026-03-31"}
    r = call(client, "post", "/reports", t, body)
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert call(client, "get", "/reports", tokens["read"]).json()["count"] == 1
    r = call(client, "patch", f"/reports/{rid}", t, {"summary": "Spring came late."})
    assert r.status_code == 200 and r.json()["summary"] == "Spring came late."
    assert r.json()["title"] == "Acme: Q1"  # what the patch leaves out stays
    r = call(client, "patch", f"/reports/{rid}", t, {"period_end": "2025-12-31"})
    assert r.status_code == 422 and "period_end" in r.json()["detail"]
    r = call(client, "get", f"/reports/{rid}/pdf?lang=ru", tokens["read"])
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert call(client, "post", "/reports", tokens["read"], body).status_code == 403
    assert call(client, "get", f"/reports/{rid}", tokens["rival"]).status_code == 404
    assert call(client, "get", f"/reports/{rid}/pdf", tokens["rival"]).status_code == 404
    assert (
        call(client, "patch", f"/reports/{rid}", tokens["rival"], {"title": "x"}).status_code == 404
    )
    assert AuditEntry.objects.filter(action__startswith="report.").count() == 2


def test_a_lists_count_is_exact_up_to_a_bound_and_null_past_it(
    client, tokens, quarter, owner, monkeypatch
):
    """A list counts its matches only up to ``Pagination.COUNTED`` (10,000), so a workspace
    of millions of check-ins costs a page what a small one does; past it, ``count`` is null
    and the pages still come."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.api.resources import Pagination

    objective = okr.objective_create(
        workspace=owner.workspace, cycle=quarter, title="Counted", owner=owner, actor=None
    )
    kr = okr.key_result_create(objective=objective, title="From 0 to 10", target=10, actor=None)
    for day in range(5):
        okr.checkin_create(
            key_result=kr, date=quarter.start + dt.timedelta(days=day), value=day, actor=None
        )
    monkeypatch.setattr(Pagination, "COUNTED", 5)
    assert call(client, "get", "/check-ins?limit=2", tokens["read"]).json()["count"] == 5
    okr.checkin_create(
        key_result=kr, date=quarter.start + dt.timedelta(days=6), value=6, actor=None
    )
    with CaptureQueriesContext(connection) as queries:
        listed = call(client, "get", "/check-ins?limit=2&offset=4", tokens["read"]).json()
    assert listed["count"] is None and [c["value"] for c in listed["items"]] == [1.0, 0.0]
    (counted,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert "LIMIT 6" in counted
    spec = call(client, "get", "/openapi.json", tokens["read"]).json()
    assert "null" in json.dumps(
        spec["components"]["schemas"]["PagedCheckInOut"]["properties"]["count"]
    )
