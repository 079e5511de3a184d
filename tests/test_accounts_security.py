"""Accounts: who may sign up is the operator's choice, sign-up does not tell whether an
address has an account, an invitation is for its address only, and the proxy headers and
HSTS preload are believed or sent only when the operator says so."""

import os
import subprocess
import sys

import pytest

from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Invitation, Member, User

PASSWORD = "a-Long-pass-2026"


def sign_up(client, email):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_sign_up_answers_the_same_for_a_new_and_a_known_address(client, owner_user, mailoutbox):
    new = sign_up(client, "ada@new.test")
    client.logout()
    known = sign_up(client, owner_user.email)
    assert new.status_code == known.status_code == 302
    assert new["Location"] == known["Location"] == "/accounts/confirm-email/"
    # The known address's owner hears of it by mail; nobody learns it on the page.
    assert User.objects.filter(email=owner_user.email).count() == 1
    assert any(owner_user.email in m.to for m in mailoutbox)


def test_sign_up_by_invitation_only_lets_in_the_invited_address(
    client, settings, workspace, owner_user, mailoutbox
):
    settings.SIGNUP = "invite"
    assert sign_up(client, "eve@evil.test").status_code != 302
    assert not User.objects.filter(email="eve@evil.test").exists()
    invitation = ws_services.invitation_create(
        workspace=workspace, email="zoe@acme.test", role="editor", actor=owner_user
    )
    client.get(f"/invite/{invitation.token}/")  # following the link proves the address
    response = sign_up(client, "zoe@acme.test")
    assert response.status_code == 302
    assert User.objects.filter(email="zoe@acme.test").exists()


def test_a_forged_next_parameter_does_not_open_sign_up(client, settings, db):
    settings.SIGNUP = "invite"
    response = client.post(
        "/accounts/signup/?next=/invite/x/",
        {"email": "eve@evil.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code != 302 or "/confirm-email/" not in response["Location"]
    assert not User.objects.filter(email="eve@evil.test").exists()


def test_sign_up_by_domain(client, settings, db):
    settings.SIGNUP = "domain:acme.test, acme.de"
    refused = sign_up(client, "eve@evil.test")
    assert refused.status_code == 200
    assert "Sign-up is open to addresses at acme.test, acme.de." in refused.content.decode()
    assert sign_up(client, "ada@acme.de").status_code == 302
    assert not User.objects.filter(email="eve@evil.test").exists()


def test_an_invitation_is_accepted_only_by_its_address(client, workspace, owner_user):
    invitation = ws_services.invitation_create(
        workspace=workspace, email="zoe@acme.test", role="editor", actor=owner_user
    )
    mallory = User.objects.create_user(email="mallory@evil.test", password=PASSWORD)
    client.force_login(mallory)
    response = client.post(f"/invite/{invitation.token}/", follow=True)
    assert "This invitation is for zoe@acme.test" in response.content.decode()
    assert not Member.objects.filter(user=mallory).exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
    zoe = User.objects.create_user(email="ZOE@acme.test", password=PASSWORD)
    client.force_login(zoe)
    client.post(f"/invite/{invitation.token}/")
    assert Member.objects.get(user=zoe).role == "editor"


@pytest.mark.parametrize(
    "env, ssl_header, preload",
    [
        ({"WAYPOINT_PRODUCTION": "1"}, None, False),
        (
            {"WAYPOINT_PRODUCTION": "1", "WAYPOINT_PROXY_HEADERS": "1"},
            "HTTP_X_FORWARDED_PROTO",
            False,
        ),
        ({"WAYPOINT_PRODUCTION": "1", "WAYPOINT_HSTS_PRELOAD": "1"}, None, True),
    ],
)
def test_proxy_headers_and_hsts_preload_only_when_the_operator_says(
    tmp_path, env, ssl_header, preload
):
    code = (
        "from waypoint import settings as s; "
        "print(getattr(s, 'SECURE_PROXY_SSL_HEADER', (None,))[0], s.SECURE_HSTS_PRELOAD)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "WAYPOINT_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [str(ssl_header), str(preload)]


def test_a_forwarded_address_is_ignored_without_a_proxy(rf, settings):
    from waypoint.ratelimit import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.1.1.1")
    assert client_address(request) == "10.1.1.1"
    settings.PROXY_HEADERS = True
    assert client_address(request) == "6.6.6.6"


def test_a_next_parameter_never_leads_off_the_site(client, owner_user, key_result):
    client.force_login(owner_user)
    response = client.post(
        f"/w/acme/krs/{key_result.pk}/checkin/",
        {
            f"kr{key_result.pk}-value": "60",
            f"kr{key_result.pk}-confidence": "on_track",
            "next": "https://evil.test/phish",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/w/acme/checkin/"
    response = client.post(
        f"/w/acme/krs/{key_result.pk}/checkin/",
        {f"kr{key_result.pk}-value": "61", "next": "/w/acme/"},
    )
    assert response["Location"] == "/w/acme/"
    response = client.get("/admin/login/?next=https://evil.test/")
    assert "evil.test" not in response["Location"]


def test_an_operator_made_on_the_command_line_confirms_by_mail_then_logs_in(client, db, mailoutbox):
    import re as regex

    User.objects.create_superuser(email="root@ops.test", password=PASSWORD)
    response = client.post("/accounts/login/", {"login": "root@ops.test", "password": PASSWORD})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    link = regex.search(r"http://testserver(/accounts/confirm-email/\S+)", mailoutbox[-1].body)
    client.post(link.group(1))
    response = client.post("/accounts/login/", {"login": "root@ops.test", "password": PASSWORD})
    assert response.status_code == 302 and "confirm-email" not in response["Location"]
    assert client.get("/admin/").status_code == 200
