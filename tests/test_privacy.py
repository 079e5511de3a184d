"""Privacy: a person downloads everything held about them; an admin erases a person and
their name appears nowhere after, in pages, exports or the API; a workspace is deleted after
its grace period, with a final export; the audit trail is kept as long as the workspace says."""

import datetime as dt
import gzip
import json

import pytest
from django.test import Client
from django.utils import timezone

from waypoint.jobs import retention
from waypoint.okrs import services as okr
from waypoint.workspaces import privacy, security
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role, User, Workspace

NAME = "Zelda Quixote"
EMAIL = "zelda.q@acme.test"


@pytest.fixture
def zelda(workspace, owner, owner_user, objective, key_result):
    """A member with a trail: she owns a key result, checks in, comments, is mentioned by
    others, has a token, and signed in."""
    member = ws_services.member_ensure(
        workspace=workspace, email=EMAIL, full_name=NAME, role=Role.MEMBER, actor=owner_user
    )
    okr.key_result_update(key_result=key_result, actor=owner_user, owner=member)
    okr.checkin_create(
        key_result=key_result,
        date=dt.date(2026, 2, 1),
        value=58,
        comment="Going well",
        author=member,
        actor=member.user,
    )
    okr.comment_create(
        objective=objective, body="My first comment", author=member, actor=member.user
    )
    okr.comment_create(
        objective=objective,
        body=f"Thanks {NAME}, and @zelda.q please review",
        author=owner,
        actor=owner_user,
    )
    okr.objective_update(
        objective=objective, actor=owner_user, why=f"Asked by {NAME} ({EMAIL}) in January"
    )
    ws_services.token_create(member=member, name="Zelda's script", scope="read", actor=member.user)
    security.event("sign_in", user=member.user, actor=member.user, methods=["password"])
    return member


def test_a_person_downloads_everything_held_about_them(client, zelda, workspace):
    client.force_login(zelda.user)
    response = client.get("/accounts/my-data.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(b"".join(response.streaming_content))
    assert data["account"]["email"] == EMAIL and "password" not in data["account"]
    records = data["records"]
    assert [m["role"] for m in records["workspaces.Member.user"]] == ["member"]
    assert records["okrs.CheckIn.author"][0]["comment"] == "Going well"
    assert [c["body"] for c in records["okrs.Comment.author"]] == ["My first comment"]
    assert records["okrs.KeyResult.owner"][0]["title"].startswith("Raise NPS")
    token = records["workspaces.ApiToken.member"][0]
    assert token["name"] == "Zelda's script" and "digest" not in token
    assert {e["action"] for e in data["audit"]} >= {"security.sign_in", "checkin.create"}
    # Nothing that would let someone act as them.
    text = json.dumps(data)
    assert "pbkdf2" not in text and "session_key" not in text


def test_an_erased_persons_name_appears_nowhere(
    workspace, owner_user, zelda, objective, key_result, quarter
):
    admin = Client()
    admin.force_login(owner_user)
    response = admin.post(
        f"/w/acme/settings/members/{zelda.pk}/erase/", {"comments": "keep", "confirm": "on"}
    )
    assert response.status_code == 302
    gone = (NAME, "Zelda", "Quixote", EMAIL, "zelda.q")
    pages = [
        "/w/acme/",
        f"/w/acme/objectives/{objective.pk}/",
        f"/w/acme/cycles/{quarter.pk}/",
        "/w/acme/people/",
        f"/w/acme/people/{zelda.pk}/",
        "/w/acme/settings/",
        "/w/acme/settings/audit/",
        "/w/acme/settings/audit.csv",
        f"/w/acme/cycles/{quarter.pk}/export/csv/",
        f"/w/acme/cycles/{quarter.pk}/export/yaml/",
    ]
    for path in pages:
        response = admin.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        for word in gone:
            assert word.lower() not in text.lower(), (path, word)
    for word in ("Zelda", "Quixote", "zelda.q"):
        found = admin.get(f"/w/acme/search/?q={word}").content.decode()
        assert "data-search-empty" in found and "data-result" not in found, word
    _token, raw = ws_services.token_create(
        member=workspace.members.get(user=owner_user), name="t", scope="read", actor=owner_user
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for path in ("/api/v1/members", "/api/v1/objectives", f"/api/v1/objectives/{objective.pk}"):
        text = api.get(path).content.decode()
        for word in gone:
            assert word.lower() not in text.lower(), (path, word)
    # The history of the work stays, under the placeholder; the account is closed.
    user = User.objects.get(pk=zelda.user_id)
    assert user.full_name == f"Former member {zelda.pk}" and not user.is_active
    assert key_result.checkins.filter(author=zelda).count() == 1
    assert objective.comments.filter(author=zelda).count() == 1
    assert "Former member" in admin.get(f"/w/acme/objectives/{objective.pk}/").content.decode()
    assert not user.memberships.get().api_tokens.exists()
    for entry in AuditEntry.objects.all():
        dump = json.dumps([entry.object_repr, entry.before, entry.after])
        for word in (NAME, EMAIL):
            assert word not in dump, entry.action


def test_erasing_can_remove_their_comments(workspace, owner_user, zelda, objective):
    privacy.person_erase(member=zelda, actor=owner_user, keep_comments=False)
    assert not objective.comments.filter(author=zelda).exists()
    assert objective.comments.count() == 1  # the owner's, with the name replaced
    assert "Former member" in objective.comments.get().body


def test_who_cannot_be_erased(workspace, owner, owner_user, zelda, other_workspace):
    with pytest.raises(Exception, match="yourself"):
        privacy.person_erase(member=owner, actor=owner_user, keep_comments=True)
    ws_services.member_add(workspace=other_workspace, user=zelda.user, actor=None)
    with pytest.raises(Exception, match="another workspace"):
        privacy.person_erase(member=zelda, actor=owner_user, keep_comments=True)
    admin = Client()
    admin.force_login(owner_user)
    admin.post(f"/w/acme/settings/members/{zelda.pk}/erase/", {"comments": "keep"})
    assert User.objects.get(pk=zelda.user_id).full_name == NAME  # not confirmed: nothing


def test_a_workspace_is_deleted_after_its_grace_period(
    workspace, owner_user, teammate, objective, settings
):
    settings.DELETION_GRACE_DAYS = 30
    owner = Client()
    owner.force_login(owner_user)
    tess = Client()
    tess.force_login(teammate.user)
    assert tess.get("/w/acme/settings/delete/").status_code == 403
    refused = owner.post("/w/acme/settings/delete/", {"confirm": "wrong"})
    assert "Type the workspace" in refused.content.decode()
    owner.post("/w/acme/settings/delete/", {"confirm": "acme"})
    workspace.refresh_from_db()
    assert workspace.deletion_requested_at is not None
    assert "data-deletion-banner" in tess.get("/w/acme/").content.decode()

    # The final export: the whole workspace, without password hashes.
    export = owner.get("/w/acme/settings/delete/export.gz")
    lines = gzip.decompress(b"".join(export.streaming_content)).decode().splitlines()
    assert json.loads(lines[0])["passwords"] is False
    assert any(objective.title in line for line in lines)

    # Taken back, then asked again: not deleted before its day, deleted after.
    owner.post("/w/acme/settings/delete/", {"cancel": "1"})
    workspace.refresh_from_db()
    assert workspace.deletion_requested_at is None
    owner.post("/w/acme/settings/delete/", {"confirm": "acme"})
    assert privacy.delete_due(timezone.now() + dt.timedelta(days=29)) == []
    assert privacy.delete_due(timezone.now() + dt.timedelta(days=31)) == ["acme"]
    assert not Workspace.objects.filter(slug="acme").exists()
    gone = AuditEntry.objects.get(action="workspace.delete")
    assert gone.workspace is None and gone.after["slug"] == "acme"
    assert User.objects.filter(pk=owner_user.pk).exists()  # people keep their accounts


def test_the_audit_trail_is_kept_as_long_as_the_workspace_says(
    workspace, other_workspace, owner_user, settings
):
    settings.RETAIN = {**settings.RETAIN, "audit": 0}
    old = timezone.now() - dt.timedelta(days=100)
    for ws in (workspace, other_workspace):
        entry = AuditEntry.objects.create(workspace=ws, action="x.old", object_type="t")
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=old)
    admin = Client()
    admin.force_login(owner_user)
    refused = admin.post(
        "/w/acme/settings/security/",
        {"require_mfa": "", "provisioned_role": "member", "audit_retention_days": "5"},
    )
    assert "audit_retention_days" in refused.content.decode()
    admin.post(
        "/w/acme/settings/security/",
        {"require_mfa": "", "provisioned_role": "member", "audit_retention_days": "90"},
    )
    workspace.refresh_from_db()
    assert workspace.audit_retention_days == 90
    retention.prune()
    assert not AuditEntry.objects.filter(workspace=workspace, action="x.old").exists()
    assert AuditEntry.objects.filter(workspace=other_workspace, action="x.old").exists()
