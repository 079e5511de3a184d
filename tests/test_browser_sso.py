"""Single sign-on in a real browser, through an OpenID Connect provider the test starts on
127.0.0.1: a password refused for a domain that requires the provider, the walk through the
provider's sign-in form and back into the workspace, and a forged signature refused."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import verified
from tests.idp import oidc_provider, saml_connect, saml_idp  # noqa: F401
from waypoint.workspaces import services as ws_services
from waypoint.workspaces import sso
from waypoint.workspaces.models import Member, Role, User

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-2026"


@pytest.fixture
def company(django_user_model, oidc_provider):  # noqa: F811
    boss = verified(
        django_user_model.objects.create_user(
            email="boss@acme.test", password=PASSWORD, full_name="Bo Boss"
        )
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=boss, actor=boss)
    mia = ws_services.member_ensure(
        workspace=ws, email="mia@acme.test", full_name="Mia", role=Role.MEMBER, actor=boss
    ).user
    mia.set_password(PASSWORD)
    mia.save()
    verified(mia)
    oidc_provider.add_client("waypoint", "s3cret")
    oidc_provider.add_account("mia@acme.test", "idp-pass", "Mia Member")
    oidc_provider.add_account("noor@acme.test", "idp-pass", "Noor New")
    sso.connection_save(
        workspace=ws,
        actor=boss,
        name="Okta",
        issuer=oidc_provider.url,
        client_id="waypoint",
        client_secret="s3cret",
        domains="acme.test",
        required=True,
    )
    return ws


def sso_sign_in(page, base, email):
    """From Waypoint's sign-in page through "Continue with single sign-on" to the
    provider's form, filled and sent."""
    page.goto(base + "/accounts/login/")
    page.fill("#sso-email", email)
    page.click("#sso button[type=submit]")
    provider_sign_in(page, email)


def provider_sign_in(page, email):
    expect(page.locator("#idp-username")).to_be_visible()
    page.fill("#idp-username", email)
    page.fill("#idp-password", "idp-pass")
    page.click("#idp-submit")


def test_single_sign_on_required_joined_and_forged(page, live_server, company, oidc_provider):  # noqa: F811
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "mia@acme.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form[action='/accounts/login/'] button[type=submit]")
    # The password is right, and refused: acme.test signs in with Okta.
    expect(page.locator("main")).to_contain_text("sign in with Okta")
    expect(page).to_have_url(base + "/accounts/login/")

    page.fill("#sso-email", "mia@acme.test")
    page.click("#sso button[type=submit]")
    provider_sign_in(page, "mia@acme.test")
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/w/acme/")
    page.context.clear_cookies()

    # Someone new joins just in time.
    sso_sign_in(page, base, "noor@acme.test")
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/w/acme/")
    noor = User.objects.get(email="noor@acme.test")
    assert noor.full_name == "Noor New"
    assert Member.objects.filter(workspace=company, user=noor, role="member").exists()
    page.context.clear_cookies()

    # A token signed with a key the provider does not publish: refused, nobody signed in.
    oidc_provider.forge = True
    sso_sign_in(page, base, "mia@acme.test")
    expect(page.locator("main")).not_to_contain_text("Home")
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/accounts/login/?next=/w/acme/")


def test_saml_sign_in_and_a_refused_signature(page, live_server, django_user_model, saml_idp):  # noqa: F811

    boss = verified(
        django_user_model.objects.create_user(email="boss@acme.test", password=PASSWORD)
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=boss, actor=boss)
    base = live_server.url
    saml_connect(ws, boss, saml_idp, required=True, host=base.split("//")[1])
    saml_idp.add_account("ines@acme.test", "idp-pass", "Ines", "Iglesias")

    sso_sign_in(page, base, "ines@acme.test")
    # The provider's signed answer is posted back by the browser; Ines joins Acme.
    expect(page).to_have_url(re.compile(r"/w/acme/$"), timeout=15000)
    assert Member.objects.filter(workspace=ws, user__email="ines@acme.test").exists()
    page.context.clear_cookies()

    saml_idp.forge = True
    sso_sign_in(page, base, "ines@acme.test")
    expect(page.locator("main")).to_contain_text("Third-Party Login Failure", timeout=15000)
    page.goto(base + "/w/acme/")
    expect(page).to_have_url(base + "/accounts/login/?next=/w/acme/")
