"""The HubSpot kind against a local server shaped like HubSpot's CRM API v3 and OAuth 2:
counts and amounts of deals in a stage (search, paged by paging.next.after), an expired
access token renewed with the refresh token and stored encrypted, a revoked refresh token,
a 429 and a malformed answer."""

import time

import pytest

from tests.vendors import connect, pull, values
from waypoint.kpis.models import Kpi
from waypoint.lib import vault

SEARCH = "/crm/v3/objects/deals/search"


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="Won deals", owner=owner)


@pytest.fixture
def oauth(vendor):
    """HubSpot's token endpoint: a refresh token gives a 30-minute access token; the API
    takes only the latest one."""
    state = {"valid": set(), "issued": 0}

    @vendor.route("POST", "/oauth/v1/token")
    def token(req):
        if req.form.get("grant_type") != "refresh_token" or req.form.get("refresh_token") != "rt-1":
            return 400, {
                "status": "BAD_REFRESH_TOKEN",
                "message": "missing or unknown refresh token",
            }
        if (req.form.get("client_id"), req.form.get("client_secret")) != ("cid", "csecret"):
            return 400, {"status": "BAD_CLIENT_ID", "message": "missing or unknown client id"}
        state["issued"] += 1
        access = f"at-{state['issued']}"
        state["valid"] = {access}
        return 200, {"access_token": access, "refresh_token": "rt-1", "expires_in": 1800}

    return state


def hubspot(kpi, vendor, **values):
    return connect(
        kpi,
        "hubspot",
        base_url=vendor.url,
        client_id="cid",
        client_secret="csecret",
        refresh_token="rt-1",
        **values,
    )


def authorised(state, req):
    return req.headers.get("authorization", "").removeprefix("Bearer ") in state["valid"]


def test_deals_in_a_stage_are_counted_with_a_fresh_access_token(kpi, vendor, oauth):
    @vendor.route("POST", SEARCH)
    def search(req):
        if not authorised(oauth, req):
            return 401, {"status": "error", "category": "EXPIRED_AUTHENTICATION"}
        return 200, {"total": 23, "results": [{"id": "1", "properties": {}}]}

    source = hubspot(kpi, vendor, object="deals", stage="closedwon")
    assert pull(source), source.last_error
    assert values(kpi) == [(kpi.workspace.today(), 23)]
    body = vendor.calls(SEARCH)[0].json
    assert body["filterGroups"] == [
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]}
    ]
    stored = vault.decrypt(source.secret)
    assert stored["access_token"] == "at-1" and stored["expires_at"] > time.time() + 1700
    assert "at-1" not in source.secret
    # The next pull reuses the stored token: no second trip to the token endpoint.
    assert pull(source) and oauth["issued"] == 1


def test_an_expired_access_token_is_refreshed_once_and_stored(kpi, vendor, oauth):
    vendor.route("POST", SEARCH)(
        lambda req: (
            (200, {"total": 4, "results": []})
            if authorised(oauth, req)
            else (
                401,
                {"status": "error", "message": "The OAuth token used to make this call expired"},
            )
        )
    )
    source = hubspot(kpi, vendor, object="deals")
    assert pull(source)
    # HubSpot ends the token early (the app was reinstalled): a 401 refreshes it once.
    oauth["valid"] = set()
    assert pull(source), source.last_error
    assert oauth["issued"] == 2 and vault.decrypt(source.secret)["access_token"] == "at-2"
    assert [c.path for c in vendor.seen[-3:]] == [SEARCH, "/oauth/v1/token", SEARCH]


def test_amounts_are_summed_over_every_page(kpi, vendor, oauth):
    @vendor.route("POST", SEARCH)
    def search(req):
        assert authorised(oauth, req)
        if req.json.get("after") == "2":
            return 200, {"total": 3, "results": [{"properties": {"amount": "250.5"}}]}
        return 200, {
            "total": 3,
            "results": [{"properties": {"amount": "1000"}}, {"properties": {"amount": None}}],
            "paging": {"next": {"after": "2"}},
        }

    source = hubspot(kpi, vendor, object="deals", stage="closedwon", measure="amount")
    assert pull(source), source.last_error
    assert values(kpi) == [(kpi.workspace.today(), 1250.5)]
    assert [c.json.get("after") for c in vendor.calls(SEARCH)] == [None, "2"]


def test_a_revoked_refresh_token_asks_to_connect_again(kpi, vendor, oauth):
    vendor.route("POST", SEARCH)(lambda req: (200, {"total": 1, "results": []}))
    source = connect(
        kpi,
        "hubspot",
        base_url=vendor.url,
        client_id="cid",
        client_secret="csecret",
        refresh_token="rt-revoked",
    )
    assert not pull(source)
    assert "missing or unknown refresh token" in source.last_error
    assert "connect the source again" in source.last_error and values(kpi) == []
    assert not vendor.calls(SEARCH)


def test_a_429_and_a_malformed_answer(kpi, vendor, oauth):
    answers = iter(
        [
            (
                429,
                {"message": "You have reached your ten_secondly_rolling limit."},
                {"Retry-After": "1"},
            )
        ]
    )
    vendor.route("POST", SEARCH)(lambda req: next(answers, (200, {"results": "none"})))
    source = hubspot(kpi, vendor, object="deals", measure="amount")
    assert not pull(source)
    assert source.slept == [1.0] and "“results” is not a list" in source.last_error
    assert values(kpi) == []


def test_only_deals_have_an_amount(kpi, vendor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Only deals"):
        hubspot(kpi, vendor, object="contacts", measure="amount")
