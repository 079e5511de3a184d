"""Work linked to goals: an initiative linked to a Jira issue, a GitHub pull request or
milestone, or an Asana task follows its state; a key result fed by a JQL count moves; the
pages show the linked item and when it moved; a second link reuses the first's credentials."""

import pytest

from tests.vendors import pull
from waypoint.connectors import services
from waypoint.connectors.models import Source
from waypoint.lib import vault
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, Initiative


@pytest.fixture
def initiative(key_result, owner_user):
    return okr.initiative_create(key_result=key_result, title="Fix the checkout", actor=owner_user)


def jira_fields(category, when="2026-12-02T10:15:00.000+0100"):
    return {
        "key": "APP-42",
        "fields": {
            "summary": "Checkout fails on Safari",
            "status": {"name": category.title(), "statusCategory": {"key": category}},
            "updated": when,
            "resolutiondate": when if category == "done" else None,
        },
    }


def link(initiative, kind, **values):
    return services.source_save(
        workspace=initiative.workspace, kind=kind, values=values, initiative=initiative, actor=None
    )


def test_a_jira_linked_initiative_turns_done_and_the_jql_key_result_moves(
    initiative, key_result, vendor, client, owner_user
):
    state = {"category": "indeterminate", "done": 3}
    vendor.route("GET", "/rest/api/3/issue/APP-42")(
        lambda req: (200, jira_fields(state["category"]))
    )
    vendor.route("POST", "/rest/api/3/search/approximate-count")(
        lambda req: (200, {"count": state["done"]})
    )
    item = link(
        initiative,
        "jira",
        base_url=vendor.url,
        what="issue",
        issue="APP-42",
        email="a@acme.test",
        api_token="atl",
    )
    counted = services.source_save(
        workspace=key_result.workspace,
        kind="jira",
        values={
            "base_url": vendor.url,
            "what": "jql",
            "jql": 'parent = "APP-1" AND statusCategory = Done',
        },
        key_result=key_result,
        actor=None,
        credentials_from=item,
    )
    assert vault.decrypt(counted.secret)["api_token"] == "atl"  # reused, still encrypted
    assert pull(item) and pull(counted)
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.IN_PROGRESS
    assert CheckIn.objects.filter(key_result=key_result).first().value == 3
    # The issue is done in Jira: the initiative follows, and the count moves.
    state.update(category="done", done=4)
    assert pull(item) and pull(counted)
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.DONE and initiative.done_on is not None
    assert CheckIn.objects.filter(key_result=key_result).first().value == 4
    assert item.item_title == "APP-42 Checkout fails on Safari"
    assert item.item_url == f"{vendor.url}/browse/APP-42"
    assert item.item_moved_at.isoformat().startswith("2026-12-02T09:15:00")
    # The objective page shows the linked work and when it moved.
    client.force_login(owner_user)
    page = client.get(f"/w/acme/objectives/{key_result.objective_id}/").content.decode()
    assert "APP-42 Checkout fails on Safari" in page and f"{vendor.url}/browse/APP-42" in page
    assert "data-linked-item" in page and "moved" in page


def test_a_github_pull_request_closed_without_merging_cancels(initiative, vendor):
    state = {"state": "open", "merged_at": None}

    @vendor.route("GET", "/repos/acme/app/issues/7")
    def issue(req):
        return 200, {
            "number": 7,
            "title": "Faster checkout",
            "state": state["state"],
            "html_url": "https://github.test/acme/app/pull/7",
            "pull_request": {"merged_at": state["merged_at"]},
            "closed_at": "2026-12-01T08:00:00Z" if state["state"] == "closed" else None,
            "updated_at": "2026-12-01T08:00:00Z",
        }

    item = link(initiative, "github", base_url=vendor.url, what="item", repo="acme/app", number="7")
    assert pull(item)
    assert Initiative.objects.get(pk=initiative.pk).status == "in_progress"
    state.update(state="closed")
    assert pull(item)
    assert Initiative.objects.get(pk=initiative.pk).status == "cancelled"
    state.update(merged_at="2026-12-01T08:00:00Z")
    assert pull(item)
    assert Initiative.objects.get(pk=initiative.pk).status == "done"


def test_an_asana_task_and_a_github_milestone(key_result, owner_user, vendor):
    first = okr.initiative_create(key_result=key_result, title="Copy", actor=owner_user)
    second = okr.initiative_create(key_result=key_result, title="Release 2.0", actor=owner_user)
    vendor.route("GET", "/api/1.0/tasks/1201")(
        lambda req: (
            200,
            {
                "data": {
                    "name": "Write copy",
                    "completed": True,
                    "completed_at": "2026-11-30T12:00:00Z",
                    "permalink_url": "https://app.asana.test/0/1/1201",
                }
            },
        )
    )
    vendor.route("GET", "/repos/acme/app/milestones/2")(
        lambda req: (
            200,
            {
                "title": "2.0",
                "state": "closed",
                "closed_at": "2026-11-29T12:00:00Z",
                "html_url": "h",
            },
        )
    )
    task = link(first, "asana", base_url=vendor.url, what="task", task="1201", token="pat")
    milestone = link(
        second, "github", base_url=vendor.url, what="milestone_item", repo="acme/app", number="2"
    )
    assert pull(task) and pull(milestone)
    assert Initiative.objects.get(pk=first.pk).status == "done"
    assert Initiative.objects.get(pk=second.pk).status == "done"


def test_an_initiative_follows_one_item_and_a_number_is_not_an_item(initiative, key_result, vendor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="one work item"):
        link(initiative, "jira", base_url=vendor.url, what="jql", jql="x", email="e", api_token="t")
    with pytest.raises(ValidationError, match="for an initiative"):
        services.source_save(
            workspace=key_result.workspace,
            kind="jira",
            values={
                "base_url": vendor.url,
                "what": "issue",
                "issue": "APP-1",
                "email": "e",
                "api_token": "t",
            },
            key_result=key_result,
            actor=None,
        )
    assert not Source.objects.exists()


def test_linking_from_the_initiatives_form(
    initiative, vendor, client, owner_user, django_capture_on_commit_callbacks
):
    vendor.route("GET", "/rest/api/3/issue/APP-42")(lambda req: (200, jira_fields("done")))
    client.force_login(owner_user)
    form = client.get(f"/w/acme/initiatives/{initiative.pk}/").content.decode()
    assert f"/w/acme/sources/new/?initiative={initiative.pk}" in form
    chooser = client.get(f"/w/acme/sources/new/?initiative={initiative.pk}").content.decode()
    assert 'data-kind="jira"' in chooser and 'data-kind="hubspot"' not in chooser
    page = client.get(f"/w/acme/sources/new/?initiative={initiative.pk}&kind=jira").content.decode()
    assert 'value="issue"' in page and 'value="jql"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/w/acme/sources/new/",
            {
                "kind": "jira",
                "initiative": initiative.pk,
                "base_url": vendor.url,
                "what": "issue",
                "issue": "APP-42",
                "email": "a@acme.test",
                "api_token": "atl",
                "every_minutes": "30",
            },
        )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == "done"
    source_page = client.get(response["Location"]).content.decode()
    assert "APP-42 Checkout fails on Safari" in source_page and "Fix the checkout" in source_page
