"""Identity and access: security events in the trail, sessions and devices, signing a
member out everywhere, handing over what a leaving member owns, and a second factor that a
workspace requires and nobody can skip."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp
from allauth.usersessions.models import UserSession
from django.test import Client

from tests.conftest import totp_code, verified
from waypoint.kpis import services as kpis
from waypoint.okrs import services as okr
from waypoint.workspaces import security
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Member, Role

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def sign_in(email, password, agent=FIREFOX, ip="198.51.100.7"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return client, response


def events(user, action=None):
    found = AuditEntry.objects.filter(object_type="workspaces.user", object_id=user.pk)
    if action:
        found = found.filter(action=f"security.{action}")
    return list(found.order_by("id"))


def signed_in(client, workspace) -> bool:
    response = client.get(f"/w/{workspace.slug}/")
    return response.status_code == 200


# --- Security events --------------------------------------------------------------------------


def test_sign_ins_failures_and_lockouts_are_in_the_members_workspace_trail(
    workspace, owner_user, other_workspace
):
    verified(owner_user)
    _c, bad = sign_in(owner_user.email, "wrong-password")
    assert bad.status_code == 200
    [failed] = events(owner_user, "sign_in_failed")
    assert failed.workspace is None and failed.after["ip"] == "198.51.100.7"
    assert "Firefox" in failed.after["agent"]

    client, good = sign_in(owner_user.email, "pw-owner-123")
    assert good.status_code == 302
    [signed] = events(owner_user, "sign_in")
    assert signed.actor == owner_user and signed.after["methods"] == ["password"]

    # Five more failures from one address lock the account there: one lockout event, not
    # one for every refused try after it.
    for _i in range(8):
        sign_in(owner_user.email, "wrong-again", ip="203.0.113.9")
    assert len(events(owner_user, "lockout")) == 1

    # The owner's workspace shows them; the trail of a workspace they are not in does not.
    page = client.get(f"/w/{workspace.slug}/settings/audit/?object_type=security")
    text = page.content.decode()
    assert "security.sign_in_failed" in text and "security.lockout" in text
    outsider = Client()
    outsider.force_login(other_workspace.members.get().user)
    rival = outsider.get("/w/rival/settings/audit/").content.decode()
    assert "security.sign_in_failed" not in rival and "Olivia Owner" not in rival
    # Filtered by the person, their security events come with what they did.
    page = client.get(f"/w/{workspace.slug}/settings/audit/?actor={owner_user.pk}")
    assert "security.sign_in_failed" in page.content.decode()


def test_an_unknown_address_failing_writes_nothing(db):
    sign_in("nobody@nowhere.test", "whatever-123")
    assert not AuditEntry.objects.filter(action__startswith="security.").exists()


def test_tokens_made_and_revoked_and_the_second_factor_are_in_the_trail(
    client, workspace, owner, owner_user
):
    token, _raw = ws_services.token_create(member=owner, name="CI", scope="read", actor=owner_user)
    ws_services.token_revoke(token=token, actor=owner_user)
    Authenticator.objects.all().delete()
    client.force_login(owner_user)
    actions = set(AuditEntry.objects.filter(workspace=workspace).values_list("action", flat=True))
    assert {"token.create", "token.revoke"} <= actions


# --- Sessions and devices ---------------------------------------------------------------------


def test_a_person_sees_their_sessions_and_devices_and_ends_one(workspace, owner_user):
    verified(owner_user)
    laptop, _r = sign_in(owner_user.email, "pw-owner-123", FIREFOX, "198.51.100.7")
    phone, _r = sign_in(owner_user.email, "pw-owner-123", IPHONE, "198.51.100.8")
    page = laptop.get("/accounts/security/").content.decode()
    assert "Firefox on Windows" in page and "Safari on iPhone" in page
    assert "198.51.100.8" in page and "This device" in page

    other = UserSession.objects.get(user=owner_user, user_agent=IPHONE)
    response = laptop.post(f"/accounts/security/sessions/{other.pk}/end/")
    assert response.status_code == 302
    assert not signed_in(phone, workspace) and signed_in(laptop, workspace)
    [ended] = events(owner_user, "session_end")
    assert ended.after["ended"]["device"] == "Safari on iPhone"
    # Someone else's session cannot be ended through one's own page.
    assert not security.end_session(user=owner_user, pk=10**9, request=laptop)


def test_sign_out_everywhere_else_keeps_this_device(workspace, owner_user):
    verified(owner_user)
    laptop, _r = sign_in(owner_user.email, "pw-owner-123", FIREFOX)
    phone, _r = sign_in(owner_user.email, "pw-owner-123", IPHONE)
    old = Client()
    old.force_login(owner_user)  # a session from before sessions were recorded
    laptop.post("/accounts/security/sessions/end/")
    assert signed_in(laptop, workspace)
    assert not signed_in(phone, workspace) and not signed_in(old, workspace)


def test_an_admin_signs_a_member_out_everywhere(workspace, owner_user, teammate):
    teammate.user.set_password("pw-tess-12345")
    teammate.user.save()
    verified(teammate.user)
    tess, _r = sign_in(teammate.user.email, "pw-tess-12345")
    tess_too = Client()
    tess_too.force_login(teammate.user)
    admin = Client()
    admin.force_login(owner_user)
    page = admin.get(f"/w/acme/settings/members/{teammate.pk}/").content.decode()
    assert "data-sign-out-everywhere" in page
    admin.post(f"/w/acme/settings/members/{teammate.pk}/sign-out/")
    assert not signed_in(tess, workspace) and not signed_in(tess_too, workspace)
    assert signed_in(admin, workspace)
    [done] = events(teammate.user, "sign_out_everywhere")
    assert done.actor == owner_user
    # ... and a member cannot do it to anyone, nor an admin of another workspace.
    assert tess.post(f"/w/acme/settings/members/{teammate.pk}/sign-out/").status_code in (302, 403)
    outsider = Client()
    outsider.force_login(
        ws_services.workspace_create(
            name="Rival", slug="rival", owner=_user("r@rival.test"), actor=None
        )
        .members.get()
        .user
    )
    assert outsider.post(f"/w/acme/settings/members/{teammate.pk}/sign-out/").status_code == 404


def _user(email):
    from waypoint.workspaces.models import User

    return User.objects.create_user(email=email, password="pw-rival-123")


def test_last_seen_is_written_at_most_every_five_minutes(workspace, owner_user):
    verified(owner_user)
    laptop, _r = sign_in(owner_user.email, "pw-owner-123")
    first = UserSession.objects.get(user=owner_user).last_seen_at
    laptop.get("/w/acme/")
    assert UserSession.objects.get(user=owner_user).last_seen_at == first
    session = laptop.session
    session["_seen"] = int(time.time()) - security.SEEN_EVERY - 1
    session.save()
    laptop.get("/w/acme/")
    assert UserSession.objects.get(user=owner_user).last_seen_at > first


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX, "Firefox on Windows"),
        (IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", "Unknown device"),
    ],
)
def test_device_names(agent, label):
    assert security.device(agent) == label


# --- Leaving: what a member owns goes to someone else -----------------------------------------


def test_removing_a_member_hands_over_what_they_own(
    workspace, owner, owner_user, teammate, objective
):
    kr = okr.key_result_create(
        objective=objective,
        title="Ship it",
        type="increase",
        start=0,
        target=10,
        owner=teammate,
        actor=owner_user,
    )
    okr.objective_update(objective=objective, actor=owner_user, owner=teammate)
    kpi = kpis.kpi_create(workspace=workspace, actor=None, name="Uptime", unit="%", owner=teammate)
    work = okr.initiative_create(title="Migrate", key_result=kr, owner=teammate, actor=owner_user)
    admin = Client()
    admin.force_login(owner_user)
    page = admin.get(f"/w/acme/settings/members/{teammate.pk}/").content.decode()
    assert page.count("data-owned") == 4

    viewer = ws_services.member_ensure(
        workspace=workspace,
        email="v@acme.test",
        full_name="Vic",
        role=Role.VIEWER,
        actor=owner_user,
    )
    admin.post(f"/w/acme/settings/members/{teammate.pk}/remove/", {"transfer_to": viewer.pk})
    assert Member.objects.filter(pk=teammate.pk).exists()  # a viewer owns nothing: refused

    admin.post(f"/w/acme/settings/members/{teammate.pk}/remove/", {"transfer_to": owner.pk})
    assert not Member.objects.filter(pk=teammate.pk).exists()
    for record in (objective, kr, kpi, work):
        record.refresh_from_db()
        assert record.owner_id == owner.pk
    moved = AuditEntry.objects.filter(workspace=workspace, action__endswith=".transfer")
    assert sorted(moved.values_list("action", flat=True)) == [
        "initiative.transfer",
        "keyresult.transfer",
        "kpi.transfer",
        "objective.transfer",
    ]
    entry = moved.get(action="objective.transfer")
    assert entry.before == {"owner_id": teammate.pk} and entry.after == {"owner_id": owner.pk}


def test_removing_without_a_successor_leaves_things_without_owner(
    workspace, owner_user, teammate, objective
):
    okr.objective_update(objective=objective, actor=owner_user, owner=teammate)
    admin = Client()
    admin.force_login(owner_user)
    admin.post(f"/w/acme/settings/members/{teammate.pk}/remove/", {"transfer_to": ""})
    objective.refresh_from_db()
    assert objective.owner_id is None


# --- A second factor --------------------------------------------------------------------------


def test_a_required_second_factor_cannot_be_skipped(workspace, owner, owner_user, teammate):
    admin = Client()
    admin.force_login(owner_user)
    # Nobody can require what they do not have themselves.
    response = admin.post(
        "/w/acme/settings/security/", {"require_mfa": "admins", "provisioned_role": "member"}
    )
    assert "Set up your own second factor first" in response.content.decode()
    secret = totp.generate_totp_secret()
    totp.TOTP.activate(owner_user, secret)
    admin.post(
        "/w/acme/settings/security/", {"require_mfa": "everyone", "provisioned_role": "member"}
    )
    workspace.refresh_from_db()
    assert workspace.require_mfa == "everyone"

    tess = Client()
    tess.force_login(teammate.user)
    for path in ("/w/acme/", "/w/acme/kpis/", "/w/acme/settings/audit/", "/"):
        response = tess.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/security/"), path
    assert "acme" not in tess.get("/portfolio/").content.decode().lower().split("<main")[-1]
    # Owners and admins only: the member goes on without one.
    admin.post(
        "/w/acme/settings/security/", {"require_mfa": "admins", "provisioned_role": "member"}
    )
    assert tess.get("/w/acme/").status_code == 200
    assert admin.get("/w/acme/").status_code == 200


def test_sign_in_with_an_authenticator_app(workspace, owner_user):
    verified(owner_user)
    secret = totp.generate_totp_secret()
    totp.TOTP.activate(owner_user, secret)
    # The secret is kept encrypted, never as typed into the app.
    stored = Authenticator.objects.get(user=owner_user, type="totp").data["secret"]
    assert secret not in stored
    client, response = sign_in(owner_user.email, "pw-owner-123")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not signed_in(client, workspace)
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert events(owner_user, "mfa_failed")
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert signed_in(client, workspace)
    [signed] = events(owner_user, "sign_in")
    assert signed.after["methods"] == ["password", "mfa:totp"]


def test_the_security_page_offers_both_kinds_of_second_factor(client, owner_user):
    client.force_login(owner_user)
    page = client.get("/accounts/security/").content.decode()
    assert "data-no-factor" in page and "data-add-totp" in page and "data-add-key" in page
    assert page.count("data-my-data") == 1 and page.count('id="sessions"') == 1
    assert "<title>Sign-in and security · Waypoint</title>" in page
    assert client.get("/accounts/sessions/")["Location"] == "/accounts/security/"


def test_a_recovery_code_signs_in_once(workspace, owner_user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    verified(owner_user)
    totp.TOTP.activate(owner_user, totp.generate_totp_secret())
    codes = RecoveryCodes.activate(owner_user).get_unused_codes()
    assert len(codes) == 10
    client, _r = sign_in(owner_user.email, "pw-owner-123")
    client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert signed_in(client, workspace)
    again, _r = sign_in(owner_user.email, "pw-owner-123")
    again.post("/accounts/2fa/authenticate/", {"code": codes[0]})  # used: refused
    assert not signed_in(again, workspace)
