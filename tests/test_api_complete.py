"""The API covers what the app does: deviations (list and respond), and update and delete
for KPIs, initiatives and teams, and grading with the retrospective, each through the
same service as the pages, scoped to the token's workspace and its member's rights."""

import datetime as dt
import json

import pytest

from waypoint.kpis import services as kpis
from waypoint.kpis.models import Deviation, Kpi
from waypoint.okrs import services as okr
from waypoint.okrs.models import Initiative, KeyResult, Retrospective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role, Team


def call(client, method, path, token, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


@pytest.fixture
def tokens(workspace, owner, teammate, other_workspace):
    def make(member, scope="write"):
        return ws_services.token_create(member=member, name="t", scope=scope, actor=None)[1]

    return {
        "owner": make(owner),
        "read": make(owner, "read"),
        "member": make(teammate),
        "rival": make(other_workspace.members.get()),
    }


@pytest.fixture
def breached(workspace, owner):
    kpi = kpis.kpi_create(
        workspace=workspace,
        name="Uptime",
        warning=99,
        critical=95,
        frequency="daily",
        aggregation="last",
        owner=owner,
        actor=None,
    )
    kpis.data_points_record(kpi=kpi, rows=[(dt.date(2026, 11, 2), 90)], actor=None)
    return kpi


def test_the_openapi_document_has_the_new_resources(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get"} <= set(paths["/api/v1/deviations"])
    assert {"post"} <= set(paths["/api/v1/deviations/{deviation_id}/respond"])
    assert {"patch", "delete"} <= set(paths["/api/v1/kpis/{kpi_id}"])
    assert {"patch", "delete"} <= set(paths["/api/v1/initiatives/{initiative_id}"])
    assert {"patch", "delete"} <= set(paths["/api/v1/teams/{team_id}"])
    assert {"post"} <= set(paths["/api/v1/objectives/{objective_id}/grade"])


def test_deviations_are_listed_and_answered_by_the_kpis_owner(client, tokens, breached, teammate):
    listed = call(client, "get", "/deviations?open=true", tokens["read"]).json()
    (row,) = listed["items"]
    assert (row["kpi_id"], row["level"], row["response"]) == (breached.pk, "critical", "")
    assert call(client, "get", "/deviations?open=false", tokens["read"]).json()["count"] == 0
    path = f"/deviations/{row['id']}/respond"
    body = {"response": "improve_process", "note": "Find why the cache falls over"}
    assert call(client, "post", path, tokens["read"], body).status_code == 403  # read-only
    assert call(client, "post", path, tokens["member"], body).status_code == 403  # not theirs
    assert call(client, "post", path, tokens["rival"], body).status_code == 404
    bad = call(client, "post", path, tokens["owner"], {"response": "pray"})
    assert bad.status_code == 422 and "three responses" in bad.json()["detail"]
    due = (breached.workspace.today() + dt.timedelta(days=10)).isoformat()
    undated = call(client, "post", path, tokens["owner"], body)
    assert undated.status_code == 422 and "due date" in undated.json()["detail"]
    improve = {**body, "initiative_owner_id": teammate.pk, "initiative_due": due}
    done = call(client, "post", path, tokens["owner"], improve)
    assert done.status_code == 200
    answer = done.json()
    assert answer["response"] == "improve_process"
    (given,) = answer["responses"]
    opened = Initiative.objects.get(pk=given["initiative_id"])
    assert (opened.kpi, opened.owner, opened.title) == (
        breached,
        teammate,
        "Find why the cache falls over",
    )
    assert Deviation.objects.get(pk=row["id"]).note == "Find why the cache falls over"
    assert AuditEntry.objects.filter(action="deviation.respond").count() == 1


def test_a_kpi_is_updated_and_new_thresholds_are_judged_at_once(client, tokens, breached):
    path = f"/kpis/{breached.pk}"
    assert call(client, "patch", path, tokens["member"], {"critical": 80}).status_code == 403
    assert call(client, "patch", path, tokens["rival"], {"critical": 80}).status_code == 404
    bad = call(client, "patch", path, tokens["owner"], {"frequency": "hourly"})
    assert bad.status_code == 422
    answer = call(client, "patch", path, tokens["owner"], {"warning": 85, "critical": 80})
    assert answer.status_code == 200 and answer.json()["critical"] == 80
    # 90 is healthy against the new thresholds: the deviation closes.
    assert Kpi.objects.get(pk=breached.pk).status == "healthy"
    assert not Deviation.objects.filter(kpi=breached, closed_on__isnull=True).exists()


def test_initiatives_are_updated_and_deleted_by_who_may_edit_their_objective(
    client, tokens, key_result, teammate
):
    initiative = okr.initiative_create(key_result=key_result, title="Onboarding calls", actor=None)
    path = f"/initiatives/{initiative.pk}"
    assert call(client, "patch", path, tokens["member"], {"status": "done"}).status_code == 403
    assert call(client, "patch", path, tokens["rival"], {"status": "done"}).status_code == 404
    assert call(client, "patch", path, tokens["owner"], {"status": "maybe"}).status_code == 422
    answer = call(
        client, "patch", path, tokens["owner"], {"status": "done", "owner_id": teammate.pk}
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["owner_id"]) == ("done", teammate.pk)
    assert call(client, "delete", path, tokens["owner"]).status_code == 204
    assert not Initiative.objects.filter(pk=initiative.pk).exists()


def test_teams_are_renamed_restaffed_and_deleted_by_admins(
    client, tokens, workspace, owner, teammate
):
    team = ws_services.team_create(workspace=workspace, name="Support", actor=None)
    path = f"/teams/{team.pk}"
    assert call(client, "patch", path, tokens["member"], {"name": "X"}).status_code == 403
    assert call(client, "patch", path, tokens["rival"], {"name": "X"}).status_code == 404
    assert call(client, "patch", path, tokens["owner"], {"parent_id": team.pk}).status_code == 422
    answer = call(
        client,
        "patch",
        path,
        tokens["owner"],
        {"name": "Customer care", "lead_id": teammate.pk, "member_ids": [owner.pk, teammate.pk]},
    )
    assert answer.status_code == 200 and answer.json()["name"] == "Customer care"
    team.refresh_from_db()
    assert team.lead == teammate and set(team.members.all()) == {owner, teammate}
    assert call(client, "delete", path, tokens["owner"]).status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()


def test_an_objective_is_graded_with_its_key_results_and_notes_in_one_call(
    client, tokens, objective, key_result, teammate, workspace
):
    path = f"/objectives/{objective.pk}/grade"
    body = {"key_results": {str(key_result.pk): 0.6}, "learned": "Ask earlier"}
    ws_services.member_set_role(member=teammate, role=Role.MEMBER, actor=None)
    assert call(client, "post", path, tokens["member"], body).status_code == 403
    assert call(client, "post", path, tokens["rival"], body).status_code == 404
    bad = call(client, "post", path, tokens["owner"], {**body, "grade": 1.0})
    assert bad.status_code == 422 and "say why" in bad.json()["detail"]
    assert not Retrospective.objects.exists()  # nothing half-written
    answer = call(client, "post", path, tokens["owner"], body)
    assert answer.status_code == 200
    got = answer.json()
    assert (got["grade"], got["grade_band"], got["learned"]) == (0.6, "yellow", "Ask earlier")
    assert KeyResult.objects.get(pk=key_result.pk).grade == 0.6


def test_a_retrospective_is_written_before_grading_and_a_grade_taken_back(
    client, tokens, objective, key_result
):
    path = f"/objectives/{objective.pk}/retrospective"
    notes = {"what_did_not": "The survey came late", "learned": "Survey in week 2"}
    assert call(client, "put", path, tokens["member"], notes).status_code == 403
    assert call(client, "put", path, tokens["rival"], notes).status_code == 404
    written = call(client, "put", path, tokens["owner"], notes)
    assert written.status_code == 200 and written.json()["grade"] is None
    assert written.json()["learned"] == "Survey in week 2"
    grade = {"key_results": {str(key_result.pk): 0.3}}
    assert (
        call(client, "post", f"/objectives/{objective.pk}/grade", tokens["owner"], grade).json()[
            "grade_band"
        ]
        == "red"
    )
    assert call(client, "delete", path, tokens["owner"]).status_code == 204
    assert not Retrospective.objects.filter(objective=objective).exists()
    assert KeyResult.objects.get(pk=key_result.pk).grade is None
    taken = AuditEntry.objects.get(action="objective.retrospective_delete")
    assert taken.before["grade"] == 0.3 and taken.before["learned"] == "Survey in week 2"


def test_the_api_corrects_a_plan_and_hands_a_kpis_work_to_a_new_executor(
    client, tokens, breached, teammate
):
    deviation = breached.deviations.get()
    path = f"/deviations/{deviation.pk}/respond"
    day = dt.date(2026, 11, 2)  # the day that breached
    plan = {
        "response": "correct_plan",
        "plan": {"warning": 85, "critical": 80},
        "plan_from": day.isoformat(),
        "note": "The new data centre is not ready: 90 % is what we can hold this month",
    }
    assert call(client, "post", path, tokens["owner"], {**plan, "note": ""}).status_code == 422
    answer = call(client, "post", path, tokens["owner"], plan)
    assert answer.status_code == 200
    (given,) = answer.json()["responses"]
    assert (given["kind"], given["plan_from"], given["verdict"]) == (
        "correct_plan",
        day.isoformat(),
        "",
    )
    kept = breached.plans.get()
    assert (kept.warning, kept.critical, kept.until) == (99, 95, day - dt.timedelta(days=1))
    # The day that breached is judged by the new plan, in which 90 is healthy.
    assert Deviation.objects.get(pk=deviation.pk).closed_on is not None
    listed = call(client, "get", f"/deviations?kpi_id={breached.pk}", tokens["read"]).json()
    assert listed["items"][0]["responses"][0]["kind"] == "correct_plan"


def test_a_kpis_initiatives_are_listed_and_their_owner_marks_them_done(
    client, tokens, breached, teammate, key_result
):
    due = (breached.workspace.today() + dt.timedelta(days=5)).isoformat()
    body = {"kpi_id": breached.pk, "title": "Second uplink", "owner_id": teammate.pk, "due_on": due}
    assert call(client, "post", "/initiatives", tokens["member"], body).status_code == 403
    both = {**body, "key_result_id": key_result.pk}
    assert call(client, "post", "/initiatives", tokens["owner"], both).status_code == 422
    made = call(client, "post", "/initiatives", tokens["owner"], body)
    assert made.status_code == 201
    row = made.json()
    assert (row["kpi_id"], row["key_result_id"], row["due_on"], row["done_on"]) == (
        breached.pk,
        None,
        due,
        None,
    )
    listed = call(client, "get", f"/initiatives?kpi_id={breached.pk}", tokens["read"]).json()
    assert [i["id"] for i in listed["items"]] == [row["id"]]
    # Its owner, a member who does not feed the KPI, marks it done.
    done = call(client, "patch", f"/initiatives/{row['id']}", tokens["member"], {"status": "done"})
    assert done.status_code == 200
    assert done.json()["done_on"] == breached.workspace.today().isoformat()
    assert call(client, "get", "/initiatives", tokens["rival"]).json()["count"] == 0
