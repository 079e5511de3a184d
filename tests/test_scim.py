"""SCIM 2.0: the sequences Okta and Microsoft Entra ID send, followed by the workspace; a
deactivated person keeps their history and cannot sign in; tokens are per workspace."""

import json

import pytest
from django.test import Client

from tests.conftest import verified
from waypoint.okrs import services as okr
from waypoint.workspaces import directory
from waypoint.workspaces.models import AuditEntry, Member, Team, User

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


class Scim:
    def __init__(self, token):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(self, method, path, body=None, status=200):
        response = getattr(self.client, method)(
            "/scim/v2" + path,
            data=json.dumps(body) if body is not None else None,
            content_type="application/scim+json",
        )
        assert response.status_code == status, (response.status_code, response.content[:500])
        if response.content:
            assert response["Content-Type"] == "application/scim+json"
            return response.json()
        return None


@pytest.fixture
def scim(workspace, owner_user):
    _token, raw = directory.token_create(workspace=workspace, actor=owner_user)
    return Scim(raw)


def test_okta_sequence(scim, workspace, owner_user):
    # Okta looks the person up first, then creates them.
    found = scim.call(
        "get", "/Users?filter=userName%20eq%20%22dana%40acme.test%22&startIndex=1&count=100"
    )
    assert found["totalResults"] == 0 and found["Resources"] == []
    made = scim.call(
        "post",
        "/Users",
        {
            "schemas": [USER],
            "userName": "dana@acme.test",
            "name": {"givenName": "Dana", "familyName": "Dev"},
            "emails": [{"primary": True, "value": "dana@acme.test", "type": "work"}],
            "displayName": "Dana Dev",
            "locale": "en-US",
            "externalId": "00u1abcd",
            "groups": [],
            "password": "ignored-Passw0rd",
            "active": True,
        },
        status=201,
    )
    member = Member.objects.get(pk=made["id"])
    assert member.workspace == workspace and member.role == "member"
    assert member.user.full_name == "Dana Dev" and member.external_id == "00u1abcd"
    assert not member.user.has_usable_password()  # the directory's password is not taken
    assert made["active"] is True and made["userName"] == "dana@acme.test"
    assert made["meta"]["location"].endswith(f"/scim/v2/Users/{member.pk}")
    assert scim.call("get", f"/Users/{member.pk}")["name"]["familyName"] == "Dev"
    # The same person again: a conflict, not a second member.
    again = scim.call("post", "/Users", {"userName": "dana@acme.test"}, status=409)
    assert again["scimType"] == "uniqueness"

    # A profile change arrives as PUT of the whole resource.
    scim.call(
        "put",
        f"/Users/{member.pk}",
        {**made, "name": {"givenName": "Dana", "familyName": "Developer"}, "displayName": None},
    )
    member.refresh_from_db()
    assert member.user.full_name == "Dana Developer"

    # A group, the person added, the group renamed, the person removed.
    group = scim.call("post", "/Groups", {"displayName": "Engineering", "members": []}, status=201)
    scim.call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": made["id"], "display": "x"}]}
            ],
        },
    )
    team = Team.objects.get(pk=group["id"])
    assert list(team.members.all()) == [member]
    assert scim.call("get", f"/Users/{member.pk}")["groups"][0]["display"] == "Engineering"
    scim.call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "replace", "value": {"id": group["id"], "displayName": "Platform"}}
            ],
        },
    )
    scim.call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "remove", "path": f'members[value eq "{made["id"]}"]'}],
        },
    )
    team.refresh_from_db()
    assert team.name == "Platform" and not team.members.exists()
    listed = scim.call("get", "/Groups?filter=displayName%20eq%20%22Platform%22")
    assert listed["totalResults"] == 1

    # Deactivated: Okta's patch without a path.
    scim.call(
        "patch",
        f"/Users/{member.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    member.refresh_from_db()
    assert member.deactivated_at is not None and not member.user.is_active
    actions = set(AuditEntry.objects.filter(workspace=workspace).values_list("action", flat=True))
    assert {
        "scim.user_create",
        "scim.user_update",
        "scim.group_create",
        "scim.group_update",
        "scim.user_deactivate",
    } <= actions


def test_entra_sequence(scim, workspace):
    assert scim.call("get", "/Users?filter=userName+eq+%22li%40acme.test%22")["totalResults"] == 0
    made = scim.call(
        "post",
        "/Users",
        {
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "li",
            "userName": "li@acme.test",
            "active": True,
            "emails": [{"primary": True, "type": "work", "value": "li@acme.test"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Li Wei", "familyName": "Wei", "givenName": "Li"},
            "roles": [],
        },
        status=201,
    )
    pk = made["id"]
    scim.call(
        "patch",
        f"/Users/{pk}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "Replace", "path": "displayName", "value": "Li Wei-Chen"},
                {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "lw@acme.test"},
                {"op": "Add", "path": "externalId", "value": "li.wei"},
                {"op": "Add", "path": "title", "value": "Engineer"},  # not kept, not refused
            ],
        },
    )
    member = Member.objects.select_related("user").get(pk=pk)
    assert member.user.email == "lw@acme.test" and member.user.full_name == "Li Wei-Chen"
    assert scim.call("get", "/Users?filter=externalId%20eq%20%22li.wei%22")["totalResults"] == 1

    group = scim.call(
        "post", "/Groups", {"externalId": "g1", "displayName": "Sales", "members": []}, status=201
    )
    scim.call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Add", "path": "members", "value": [{"value": pk}]}],
        },
    )
    assert Team.objects.get(pk=group["id"]).members.count() == 1
    scim.call(
        "patch",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Remove", "path": "members", "value": [{"value": pk}]}],
        },
    )
    assert Team.objects.get(pk=group["id"]).members.count() == 0

    # Entra sends booleans as strings.
    scim.call(
        "patch",
        f"/Users/{pk}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]},
    )
    assert scim.call("get", f"/Users/{pk}")["active"] is False
    scim.call(
        "patch",
        f"/Users/{pk}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]},
    )
    member.refresh_from_db()
    assert member.deactivated_at is None and member.user.is_active
    # DELETE deactivates: nothing of the person's history goes.
    scim.call("delete", f"/Users/{pk}", status=204)
    assert Member.objects.get(pk=pk).deactivated_at is not None
    scim.call("delete", f"/Groups/{group['id']}", status=204)
    assert not Team.objects.filter(pk=group["id"]).exists()


def test_a_deactivated_person_keeps_their_history_and_cannot_sign_in(
    scim, workspace, owner_user, quarter
):
    made = scim.call(
        "post", "/Users", {"userName": "sam@acme.test", "displayName": "Sam"}, status=201
    )
    member = Member.objects.get(pk=made["id"])
    user = member.user
    user.set_password("pw-sam-123456")
    user.save()
    verified(user)
    goal = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Sam's goal",
        level="team",
        owner=member,
        actor=owner_user,
    )
    browser = Client()
    assert (
        browser.post(
            "/accounts/login/", {"login": "sam@acme.test", "password": "pw-sam-123456"}
        ).status_code
        == 302
    )
    assert browser.get("/w/acme/").status_code == 200

    scim.call(
        "patch",
        f"/Users/{member.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]},
    )
    # The open session ends, and signing in again is refused.
    assert browser.get("/w/acme/").status_code == 302
    response = Client().post(
        "/accounts/login/", {"login": "sam@acme.test", "password": "pw-sam-123456"}
    )
    assert response.status_code == 302 and "inactive" in response["Location"]
    goal.refresh_from_db()
    assert goal.owner_id == member.pk  # the history stays theirs
    # An admin's pickers no longer offer them.
    admin = Client()
    admin.force_login(owner_user)
    assert "sam@acme.test" not in admin.get(f"/w/acme/objectives/{goal.pk}/edit/").content.decode()


def test_a_person_in_another_workspace_keeps_signing_in_there(scim, workspace, other_workspace):
    made = scim.call("post", "/Users", {"userName": "out@rival.test"}, status=201)
    scim.call("delete", f"/Users/{made['id']}", status=204)
    user = User.objects.get(email="out@rival.test")
    assert user.is_active  # still the owner of Rival
    browser = Client()
    browser.force_login(user)
    assert browser.get("/w/acme/").status_code == 404
    assert browser.get("/w/rival/").status_code == 200


def test_tokens_answer_for_their_workspace_only(scim, workspace, other_workspace, owner_user):
    assert Client().get("/scim/v2/Users").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer wps_nope").get("/scim/v2/Users").status_code == 401
    rival_token, rival_raw = directory.token_create(workspace=other_workspace, actor=None)
    rival = Scim(rival_raw)
    acme_ids = [r["id"] for r in scim.call("get", "/Users")["Resources"]]
    assert acme_ids and rival.call("get", f"/Users/{acme_ids[0]}", status=404)
    assert all(r["userName"] == "out@rival.test" for r in rival.call("get", "/Users")["Resources"])
    directory.token_revoke(token=rival_token, actor=None)
    rival.call("get", "/Users", status=401)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "scim_type"),
    [
        ("post", "/Users", "not json", 400, "invalidSyntax"),
        ("post", "/Users", [1, 2], 400, "invalidSyntax"),
        ("post", "/Users", {"userName": "no-at-sign"}, 400, "invalidValue"),
        ("post", "/Users", {"userName": "a@b.test", "active": "maybe"}, 400, "invalidValue"),
        ("get", "/Users?filter=userName%20co%20%22a%22", None, 400, "invalidFilter"),
        ("get", "/Users?filter=password%20eq%20%22a%22", None, 400, "invalidFilter"),
        ("get", "/Users?count=x", None, 400, "invalidValue"),
        ("post", "/Groups", {"displayName": ""}, 400, "invalidValue"),
        (
            "post",
            "/Groups",
            {"displayName": "X", "members": [{"value": "999999"}]},
            400,
            "invalidValue",
        ),
    ],
)
def test_bad_requests_are_scim_errors(scim, method, path, body, status, scim_type):
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else None
    response = getattr(scim.client, method)(
        "/scim/v2" + path, data=data, content_type="application/scim+json"
    )
    assert response.status_code == status
    assert response.json()["scimType"] == scim_type


def test_patch_bounds_and_unknown_paths(scim, workspace):
    made = scim.call("post", "/Users", {"userName": "p@acme.test"}, status=201)
    too_many = {"Operations": [{"op": "add", "path": "title", "value": "x"}] * 1001}
    assert scim.call("patch", f"/Users/{made['id']}", too_many, status=400)["scimType"] == "tooMany"
    group = scim.call("post", "/Groups", {"displayName": "G"}, status=201)
    bad = {"Operations": [{"op": "replace", "path": "owner", "value": "x"}]}
    assert (
        scim.call("patch", f"/Groups/{group['id']}", bad, status=400)["scimType"] == "invalidPath"
    )
    assert scim.call("get", "/Users/abc", status=404)
    config = scim.call("get", "/ServiceProviderConfig")
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False


def test_the_security_page_makes_and_revokes_scim_tokens(client, workspace, owner_user):
    client.force_login(owner_user)
    page = client.post("/w/acme/settings/security/", {"scim_token": "1"}).content.decode()
    assert "data-scim-token" in page and "/scim/v2" in page
    raw = page.split("data-scim-token>")[1].split("<")[0]
    assert Scim(raw).call("get", "/Users")["totalResults"] == 1
    token = workspace.directory_tokens.get()
    client.post("/w/acme/settings/security/", {"revoke": token.pk})
    Scim(raw).call("get", "/Users", status=401)
    assert client.post("/w/acme/settings/security/", {"revoke": 10**9}).status_code == 404


def test_bodies_are_bounded_in_size_and_depth(scim, workspace):
    big = json.dumps({"userName": "big@acme.test", "displayName": "x" * (1024 * 1024)})
    response = scim.client.post("/scim/v2/Users", data=big, content_type="application/scim+json")
    assert response.status_code == 413 and response.json()["scimType"] == "tooLarge"
    deep = '{"userName": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = scim.client.post("/scim/v2/Users", data=deep, content_type="application/scim+json")
    assert response.status_code == 400 and response.json()["scimType"] in (
        "invalidSyntax",
        "invalidValue",
    )
    assert not Member.objects.filter(user__email="big@acme.test").exists()
