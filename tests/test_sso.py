"""Single sign-on through a workspace's OpenID Connect provider (a real one, started on
127.0.0.1 by the test): set up by an admin for domains they prove, people joining just in
time, a forged signature and a foreign address refused, and a required provider that a
password cannot get round."""

import html
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from tests.conftest import verified
from tests.idp import oidc_provider, saml_connect, saml_idp  # noqa: F401
from waypoint.workspaces import sso
from waypoint.workspaces.models import AuditEntry, Member, SsoConnection, User

SECRET = "client-secret-123"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def through_provider(client, provider, email, password, start_email=None):
    """The browser's walk: Waypoint's SSO button, the provider's form, back to Waypoint."""
    response = client.post("/accounts/sso/", {"email": start_email or email})
    assert response.status_code == 200, response.content[:300]
    authorize = re.search(r'href="([^"]+)" data-sso-continue', response.content.decode())
    authorize = html.unescape(authorize.group(1))
    assert authorize.startswith(provider.url + "/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert query["code_challenge_method"] == "S256" and "openid" in query["scope"]
    data = urlencode({**query, "username": email, "password": password}).encode()
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(provider.url + "/authorize", data=data)
        raise AssertionError("the provider did not redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        back = redirect.headers["Location"]
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


@pytest.fixture
def connection(workspace, owner_user, oidc_provider):  # noqa: F811
    verified(owner_user)
    oidc_provider.add_client("waypoint", SECRET)
    return sso.connection_save(
        workspace=workspace,
        actor=owner_user,
        name="Okta",
        issuer=oidc_provider.url,
        client_id="waypoint",
        client_secret=SECRET,
        domains="acme.test",
        required=False,
    )


def test_an_admin_sets_up_single_sign_on_for_their_own_domain(
    client,
    workspace,
    owner_user,
    oidc_provider,  # noqa: F811
    other_workspace,
):
    verified(owner_user)
    oidc_provider.add_client("waypoint", SECRET)
    client.force_login(owner_user)
    form = {
        "sso": "1",
        "protocol": "oidc",
        "name": "Okta",
        "issuer": oidc_provider.url,
        "client_id": "waypoint",
        "client_secret": SECRET,
        "domains": "acme.test",
        "required": "",
    }
    for domains, error in [
        ("gmail.com", "open to anyone"),
        ("rival.test", "Your own verified address must be at rival.test"),
        ("not a domain", "not a domain"),
    ]:
        page = client.post("/w/acme/settings/security/", {**form, "domains": domains})
        assert error in page.content.decode(), domains
    page = client.post("/w/acme/settings/security/", {**form, "issuer": oidc_provider.url + "/x"})
    assert "No OpenID Connect configuration was found" in page.content.decode()
    assert not SsoConnection.objects.exists()

    assert client.post("/w/acme/settings/security/", form).status_code == 302
    found = SsoConnection.objects.get(workspace=workspace)
    assert found.domain_list == ["acme.test"] and SECRET not in found.secret
    page = client.get("/w/acme/settings/security/").content.decode()
    assert f"/accounts/oidc/ws-{workspace.pk}/login/callback/" in page and SECRET not in page
    assert AuditEntry.objects.filter(action="sso.create", workspace=workspace).exists()
    assert SECRET not in str(list(AuditEntry.objects.values_list("after", flat=True)))
    # Another workspace cannot claim the same domain.
    rival_owner = other_workspace.members.get().user
    rival_owner.email = "boss@acme.test"
    rival_owner.save()
    verified(rival_owner)
    with pytest.raises(Exception, match="claimed by another workspace"):
        sso.connection_save(
            workspace=other_workspace,
            actor=rival_owner,
            name="X",
            issuer=oidc_provider.url,
            client_id="waypoint",
            client_secret="s",
            domains="acme.test",
            required=False,
        )


def test_a_private_issuer_is_refused_by_the_outbound_policy(workspace, owner_user, settings):
    verified(owner_user)
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(Exception, match=r"(?i)private|loopback|refused|not allowed"):
        sso.connection_save(
            workspace=workspace,
            actor=owner_user,
            name="X",
            issuer="http://127.0.0.1:9/",
            client_id="c",
            client_secret="s",
            domains="acme.test",
            required=False,
        )


def test_someone_new_signs_in_and_joins_just_in_time(workspace, connection, oidc_provider):  # noqa: F811
    workspace.provisioned_role = "editor"
    workspace.save()
    oidc_provider.add_account("ada@acme.test", "idp-pass", "Ada Lovelace")
    client = Client()
    response = through_provider(client, oidc_provider, "ada@acme.test", "idp-pass")
    assert response.status_code == 302, response.content[:500]
    user = User.objects.get(email="ada@acme.test")
    assert user.full_name == "Ada Lovelace"
    member = Member.objects.get(workspace=workspace, user=user)
    assert member.role == "editor"
    assert client.get("/w/acme/").status_code == 200
    assert AuditEntry.objects.filter(action="sso.join", workspace=workspace).exists()
    signed = AuditEntry.objects.get(action="security.sign_in", object_id=user.pk)
    assert signed.after["methods"][0].startswith("socialaccount")
    # The ID token's signature was checked against the provider's published keys.
    assert "GET /jwks" in oidc_provider.seen
    # The second time, the same account: no second user, no second membership.
    again = Client()
    through_provider(again, oidc_provider, "ada@acme.test", "idp-pass")
    assert User.objects.filter(email="ada@acme.test").count() == 1
    assert again.get("/w/acme/").status_code == 200


def test_a_forged_signature_is_refused(workspace, connection, oidc_provider):  # noqa: F811
    oidc_provider.add_account("eve@acme.test", "idp-pass", "Eve")
    oidc_provider.forge = True
    client = Client()
    response = through_provider(client, oidc_provider, "eve@acme.test", "idp-pass")
    assert response.status_code == 401  # allauth's "third-party sign-in failed" page
    assert not User.objects.filter(email="eve@acme.test").exists()
    assert client.get("/w/acme/").status_code == 302


def test_an_address_outside_the_domains_is_refused(workspace, connection, oidc_provider):  # noqa: F811
    # The provider signs in someone whose address is at a domain it is not trusted for.
    oidc_provider.add_account("ceo@rival.test", "idp-pass", "Not Yours")
    client = Client()
    response = through_provider(
        client, oidc_provider, "ceo@rival.test", "idp-pass", start_email="x@acme.test"
    )
    assert response.status_code == 403
    assert "outside the domains" in response.content.decode()
    assert not User.objects.filter(email="ceo@rival.test").exists()


def test_a_required_provider_cannot_be_bypassed_with_a_password(
    workspace,
    owner_user,
    teammate,
    connection,
    oidc_provider,  # noqa: F811
):
    teammate.user.set_password("pw-tess-12345")
    teammate.user.save()
    verified(teammate.user)
    password = Client().post(
        "/accounts/login/", {"login": "tess@acme.test", "password": "pw-tess-12345"}
    )
    assert password.status_code == 302  # not required yet
    connection.required = True
    connection.save()
    refused = Client().post(
        "/accounts/login/", {"login": "tess@acme.test", "password": "pw-tess-12345"}
    )
    assert refused.status_code == 200
    assert "sign in with Okta" in refused.content.decode()
    assert AuditEntry.objects.filter(
        action="security.password_refused", object_id=teammate.user.pk
    ).exists()
    # Through the provider, Tess gets in; addresses at other domains still use passwords.
    oidc_provider.add_account("tess@acme.test", "idp-pass", "Tess Teammate")
    client = Client()
    through_provider(client, oidc_provider, "tess@acme.test", "idp-pass")
    assert client.get("/w/acme/").status_code == 200
    assert User.objects.filter(email="tess@acme.test").count() == 1


def test_the_sign_in_page_names_no_workspace_provider(client, connection):
    page = client.get("/accounts/login/").content.decode()
    assert "Okta" not in page and 'action="/accounts/sso/"' in page
    unknown = client.post("/accounts/sso/", {"email": "x@nowhere.test"}, follow=True)
    assert "No single sign-on is set up for nowhere.test" in unknown.content.decode()


# --- SAML 2.0 -----------------------------------------------------------------------------


def through_saml(client, idp, email, password):
    """Waypoint's SSO button, the identity provider's form, its signed answer posted back."""
    response = client.post("/accounts/sso/", {"email": email})
    assert response.status_code == 200, response.content[:300]
    found = re.search(r'href="([^"]+)" data-sso-continue', response.content.decode())
    request = html.unescape(found.group(1))
    assert request.startswith(idp.sso_url + "?SAMLRequest=")
    with urllib.request.urlopen(request) as page:
        ticket = re.search(r'name="ticket" value="([^"]+)"', page.read().decode()).group(1)
    data = urlencode({"ticket": ticket, "username": email, "password": password}).encode()
    with urllib.request.urlopen(idp.sso_url, data=data) as page:
        form = page.read().decode()
    fields = dict(re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', form))
    acs = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
    response = client.post(urlsplit(acs).path, fields)
    while response.status_code == 302 and response["Location"].startswith("/accounts/saml/"):
        response = client.get(response["Location"])
    return response


@pytest.fixture
def saml_connection(workspace, owner_user, saml_idp):  # noqa: F811
    verified(owner_user)
    return saml_connect(workspace, owner_user, saml_idp)


def test_saml_sign_in_joins_just_in_time(workspace, saml_connection, saml_idp):  # noqa: F811
    assert "EntityDescriptor" in saml_idp.sp_metadata
    saml_idp.add_account("grace@acme.test", "idp-pass", "Grace", "Hopper")
    client = Client(HTTP_HOST="testserver")
    response = through_saml(client, saml_idp, "grace@acme.test", "idp-pass")
    assert response.status_code == 302, response.content[:800]
    user = User.objects.get(email="grace@acme.test")
    assert user.full_name == "Grace Hopper"
    assert Member.objects.filter(workspace=workspace, user=user).exists()
    assert client.get("/w/acme/").status_code == 200


def test_saml_refuses_a_signature_from_another_key(workspace, saml_connection, saml_idp):  # noqa: F811
    saml_idp.add_account("mallory@acme.test", "idp-pass", "Mallory", "M")
    saml_idp.forge = True
    client = Client(HTTP_HOST="testserver")
    response = through_saml(client, saml_idp, "mallory@acme.test", "idp-pass")
    assert response.status_code in (400, 401, 403), response.status_code
    assert not User.objects.filter(email="mallory@acme.test").exists()
    assert client.get("/w/acme/").status_code == 302


def test_saml_settings_check_the_certificate(client, workspace, owner_user, saml_idp):  # noqa: F811
    verified(owner_user)
    client.force_login(owner_user)
    form = {
        "sso": "1",
        "protocol": "saml",
        "name": "ADFS",
        "idp_entity_id": saml_idp.entity_id,
        "idp_sso_url": saml_idp.sso_url,
        "idp_certificate": "not a certificate",
        "domains": "acme.test",
    }
    page = client.post("/w/acme/settings/security/", form)
    assert "not an X.509 certificate" in page.content.decode()
    client.post("/w/acme/settings/security/", {**form, "idp_certificate": saml_idp.certificate})
    page = client.get("/w/acme/settings/security/").content.decode()
    assert "data-sso-acs" in page and "/accounts/saml/ws-" in page
