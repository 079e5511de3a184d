"""The Jira kind against a local server shaped like Jira Cloud's REST API v3: a JQL count
(search/approximate-count), an epic's done share read page by page (search/jql with
nextPageToken), basic authentication, a 429 and a malformed answer."""

import base64

import pytest

from tests.vendors import connect, pull, values
from waypoint.connectors import services
from waypoint.kpis.models import Kpi


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="Done in the epic", owner=owner)


def jira(kpi, vendor, **values):
    return connect(
        kpi, "jira", base_url=vendor.url, email="anna@acme.test", api_token="atl-Quokka", **values
    )


def issue(key, category):
    return {"key": key, "fields": {"status": {"statusCategory": {"key": category}}}}


def test_a_jql_count_signs_in_with_the_api_token(kpi, vendor):
    vendor.route("POST", "/rest/api/3/search/approximate-count")(lambda req: (200, {"count": 12}))
    source = jira(kpi, vendor, what="jql", jql="project = APP AND status = Done")
    assert pull(source), source.last_error
    assert values(kpi) == [(kpi.workspace.today(), 12)]
    seen = vendor.calls("/rest/api/3/search/approximate-count")[0]
    assert seen.json == {"jql": "project = APP AND status = Done"}
    pair = base64.b64encode(b"anna@acme.test:atl-Quokka").decode()
    assert seen.headers["authorization"] == f"Basic {pair}"


def test_an_epics_done_share_reads_every_page(kpi, vendor):
    @vendor.route("POST", "/rest/api/3/search/jql")
    def search(req):
        if req.json.get("nextPageToken") == "p2":
            return 200, {"issues": [issue("APP-4", "done")], "isLast": True}
        return 200, {
            "issues": [
                issue("APP-1", "done"),
                issue("APP-2", "indeterminate"),
                issue("APP-3", "new"),
            ],
            "nextPageToken": "p2",
            "isLast": False,
        }

    source = jira(kpi, vendor, what="epic", epic="APP-42")
    assert pull(source), source.last_error
    assert values(kpi) == [(kpi.workspace.today(), 50.0)]
    calls = vendor.calls("/rest/api/3/search/jql")
    assert [c.json["jql"] for c in calls] == ['parent = "APP-42"'] * 2
    assert "nextPageToken" not in calls[0].json and calls[1].json["nextPageToken"] == "p2"


def test_a_429_is_waited_out(kpi, vendor):
    answers = iter([(429, {"errorMessages": ["Rate limit"]}, {"Retry-After": "1"})])
    vendor.route("POST", "/rest/api/3/search/approximate-count")(
        lambda req: next(answers, (200, {"count": 3}))
    )
    source = jira(kpi, vendor, jql="project = APP")
    assert pull(source) and source.slept == [1.0]


def test_refusals_and_malformed_answers_are_named_and_write_nothing(kpi, vendor):
    vendor.route("POST", "/rest/api/3/search/approximate-count")(
        lambda req: (
            400,
            {"errorMessages": ["The value 'NOPE' does not exist for the field 'project'."]},
        )
    )
    source = jira(kpi, vendor, jql="project = NOPE")
    assert not pull(source)
    assert "Jira refused the request (400): The value 'NOPE' does not exist" in source.last_error
    vendor.route("POST", "/rest/api/3/search/jql")(
        lambda req: (200, {"issues": [{"key": "APP-1"}]})
    )
    services.source_save(
        workspace=kpi.workspace,
        kind="jira",
        values={"base_url": vendor.url, "what": "epic", "epic": "APP-1", "email": "a@acme.test"},
        source=source,
        actor=None,
    )
    source.refresh_from_db()
    assert not pull(source)
    assert "without its status" in source.last_error and values(kpi) == []


def test_an_epic_key_cannot_carry_jql(kpi, vendor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="APP-42"):
        jira(kpi, vendor, what="epic", epic='APP-1" OR project = SECRET')
