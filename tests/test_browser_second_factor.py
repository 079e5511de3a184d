"""A second factor in a real browser: the workspace requires one, so the member is sent to set
it up before seeing anything; an authenticator app (TOTP) is set up and asked for at the next
sign-in; a security key (WebAuthn, Chromium's virtual authenticator through the DevTools
protocol) is added and signs in."""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.conftest import totp_code, verified
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-2026"


@pytest.fixture
def people(django_user_model):
    boss = verified(
        django_user_model.objects.create_user(
            email="boss@acme.test", password=PASSWORD, full_name="Bo Boss"
        )
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=boss, actor=boss)
    member = ws_services.member_ensure(
        workspace=ws, email="mia@acme.test", full_name="Mia Member", role=Role.MEMBER, actor=boss
    )
    member.user.set_password(PASSWORD)
    member.user.save()
    verified(member.user)
    ws.require_mfa = "everyone"
    ws.save()
    return ws, member.user


def base_url(live_server) -> str:
    # WebAuthn needs a secure context and a domain: http://localhost is both.
    return live_server.url.replace("127.0.0.1", "localhost")


def sign_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def sign_out(page, base):
    page.context.clear_cookies()


def confirm_password(page):
    """allauth asks for the password again before a second factor is added."""
    expect(page.locator("input[name=password]")).to_be_visible()
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/reauthenticate/'] button[type=submit]")


def test_a_required_authenticator_app_is_set_up_then_asked_for(page, live_server, people):
    _ws, mia = people
    base = base_url(live_server)
    sign_in(page, base, mia.email)
    page.goto(base + "/w/acme/kpis/")
    # Sent to set up a second factor, whichever page was asked for.
    expect(page).to_have_url(base + "/accounts/security/?next=%2Fw%2Facme%2Fkpis%2F")
    expect(page.locator("[data-no-factor]")).to_be_visible()
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/accounts/security/?next=%2Fw%2Facme%2F")

    page.click("[data-add-totp]")
    confirm_password(page)
    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) >= 16
    page.fill("input[name=code]", totp_code(secret))
    page.click("main form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Recovery")
    assert Authenticator.objects.filter(user=mia, type="totp").exists()
    page.goto(base + "/accounts/security/")
    page.click("[data-continue]")
    expect(page).to_have_url(base + "/w/acme/")

    sign_out(page, base)
    sign_in(page, base, mia.email)
    expect(page).to_have_url(base + "/accounts/2fa/authenticate/")
    page.goto(base + "/w/acme/")  # no way round the code
    expect(page).not_to_have_url(base + "/w/acme/")
    page.goto(base + "/accounts/2fa/authenticate/")
    page.fill("input[name=code]", "000000")
    page.click("main button[type=submit]")
    expect(page).to_have_url(base + "/accounts/2fa/authenticate/")
    # A code is good once: wait for the next one rather than replay it.
    page.fill("input[name=code]", totp_code(secret))
    page.click("main button[type=submit]")
    expect(page).not_to_have_url(base + "/accounts/2fa/authenticate/")
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/w/acme/")
    assert AuditEntry.objects.filter(action="security.mfa_failed", object_id=mia.pk).exists()


def test_a_security_key_is_added_and_signs_in(page, live_server, people):
    _ws, mia = people
    base = base_url(live_server)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(page, base, mia.email)
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/accounts/security/?next=%2Fw%2Facme%2F")
    page.click("[data-add-key]")
    confirm_password(page)
    page.fill("input[name=name]", "Mia's key")
    page.click("#mfa_webauthn_add")
    expect(page).not_to_have_url(base + "/accounts/2fa/webauthn/add/")
    key = Authenticator.objects.get(user=mia, type="webauthn")
    assert key.wrap().name == "Mia's key"
    page.goto(base + "/accounts/security/")
    expect(page.locator("[data-factor=webauthn]")).to_contain_text("Mia's key")

    sign_out(page, base)
    sign_in(page, base, mia.email)
    expect(page).to_have_url(base + "/accounts/2fa/authenticate/")
    page.click("#mfa_webauthn_authenticate")
    expect(page).not_to_have_url(base + "/accounts/2fa/authenticate/")
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/w/acme/")
    signed = AuditEntry.objects.filter(action="security.sign_in", object_id=mia.pk)
    methods = signed.order_by("id").last()
    assert methods.after["methods"] == ["password", "mfa:webauthn"]
