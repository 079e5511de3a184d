"""OAuth 2's "Connect with …" against a local server playing HubSpot's authorization server:
the consent page gets the operator's app, the scopes and a signed state; the callback takes
the code only with that state, in that session, for an editor; the tokens are stored
encrypted and the source pulls."""

from urllib.parse import parse_qs, urlsplit

import pytest

from waypoint.connectors import services
from waypoint.connectors.models import Source
from waypoint.kpis.models import DataPoint, Kpi
from waypoint.lib import vault
from waypoint.workspaces.models import AuditEntry


@pytest.fixture
def hubspot(vendor, settings):
    settings.OAUTH_APPS = {
        "hubspot": {
            "client_id": "op-app",
            "client_secret": "op-secret",
            "authorize_url": vendor.url + "/oauth/authorize",
        }
    }
    settings.PUBLIC_URL = "https://waypoint.acme.test"
    issued = []

    @vendor.route("POST", "/oauth/v1/token")
    def token(req):
        if req.form.get("grant_type") == "authorization_code":
            ok = (
                req.form.get("code") == "the-code"
                and req.form.get("client_id") == "op-app"
                and req.form.get("client_secret") == "op-secret"
                and req.form.get("redirect_uri") == "https://waypoint.acme.test/oauth/callback/"
            )
            if not ok:
                return 400, {"status": "BAD_AUTH_CODE", "message": "auth code not found"}
            issued.append("at-1")
            return 200, {"access_token": "at-1", "refresh_token": "rt-op", "expires_in": 1800}
        return 400, {"message": "unexpected grant"}

    vendor.route("POST", "/crm/v3/objects/deals/search")(
        lambda req: (
            (200, {"total": 9, "results": []})
            if req.headers.get("authorization") == "Bearer at-1"
            else (401, {"message": "expired"})
        )
    )
    return issued


@pytest.fixture
def source(workspace, owner, vendor):
    kpi = Kpi.objects.create(workspace=workspace, name="Open deals", owner=owner)
    return services.source_save(
        workspace=workspace,
        kind="hubspot",
        values={"object": "deals", "base_url": vendor.url},
        kpi=kpi,
        actor=None,
    )


def start(client, source):
    response = client.post(f"/w/acme/sources/{source.pk}/connect/")
    assert response.status_code == 302
    return response["Location"]


def test_connecting_stores_the_tokens_encrypted_and_pulls(
    client, owner_user, source, hubspot, vendor, django_capture_on_commit_callbacks
):
    client.force_login(owner_user)
    page = client.get(f"/w/acme/sources/{source.pk}/").content.decode()
    assert "data-oauth-connect" in page and "Connect with HubSpot" in page
    consent = urlsplit(start(client, source))
    assert f"{consent.scheme}://{consent.netloc}{consent.path}" == vendor.url + "/oauth/authorize"
    asked = {k: v[0] for k, v in parse_qs(consent.query).items()}
    assert asked["client_id"] == "op-app" and asked["response_type"] == "code"
    assert asked["redirect_uri"] == "https://waypoint.acme.test/oauth/callback/"
    assert "crm.objects.deals.read" in asked["scope"].split()
    # HubSpot sends the person back with a code and the state.
    with django_capture_on_commit_callbacks(execute=True):
        back = client.get("/oauth/callback/", {"code": "the-code", "state": asked["state"]})
    assert back["Location"] == f"/w/acme/sources/{source.pk}/"
    source.refresh_from_db()
    stored = vault.decrypt(source.secret)
    assert (stored["access_token"], stored["refresh_token"]) == ("at-1", "rt-op")
    assert (
        "rt-op" not in source.secret and "client_secret" not in stored
    )  # the app's stays the operator's
    assert DataPoint.objects.get(kpi=source.kpi).value == 9
    entry = AuditEntry.objects.filter(action="source.connect").get()
    assert "rt-op" not in str(entry.after) and "at-1" not in str(entry.after)
    # The state is spent: the same answer again is refused.
    again = client.get("/oauth/callback/", {"code": "the-code", "state": asked["state"]})
    assert again.status_code == 400


def test_a_forged_or_foreign_state_and_a_refused_code(
    client, owner_user, source, hubspot, teammate, other_workspace
):
    client.force_login(owner_user)
    assert client.get("/oauth/callback/", {"code": "c", "state": "forged"}).status_code == 400
    state = parse_qs(urlsplit(start(client, source)).query)["state"][0]
    # Someone else's session, with the state they saw in the address, gets nothing.
    client.force_login(teammate.user)
    assert client.get("/oauth/callback/", {"code": "the-code", "state": state}).status_code == 400
    # The vendor refuses the code: said on the source's page, nothing stored.
    client.force_login(owner_user)
    state = parse_qs(urlsplit(start(client, source)).query)["state"][0]
    refused = client.get("/oauth/callback/", {"code": "wrong", "state": state}, follow=True)
    assert "auth code not found" in refused.content.decode()
    assert "refresh_token" not in vault.decrypt(Source.objects.get(pk=source.pk).secret)
    # The person said no at the vendor's.
    state = parse_qs(urlsplit(start(client, source)).query)["state"][0]
    denied = client.get("/oauth/callback/", {"error": "access_denied", "state": state}, follow=True)
    assert "access_denied" in denied.content.decode() and not hubspot


def test_without_an_app_there_is_no_connect_button(client, owner_user, source, settings):
    settings.OAUTH_APPS = {}
    client.force_login(owner_user)
    assert "data-oauth-connect" not in client.get(f"/w/acme/sources/{source.pk}/").content.decode()
    response = client.post(f"/w/acme/sources/{source.pk}/connect/", follow=True)
    assert "no app registered with HubSpot" in response.content.decode()
