"""Google Analytics 4, Search Console and Google Ads against local servers shaped like
Google's APIs: reports by day read page by page, an expired access token refreshed at the
token endpoint (on another host, as Google's is), a 429 and malformed answers."""

import datetime as dt

import pytest

from tests.vendors import Vendor, connect, pull, values
from waypoint.connectors import services
from waypoint.kpis.models import Kpi
from waypoint.lib import vault

REPORT = "/v1beta/properties/123456:runReport"


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="Sessions", owner=owner)


@pytest.fixture
def google(vendor):
    """Google's token endpoint on its own server; the API takes only the latest token."""
    accounts = Vendor()
    state = {"valid": set(), "issued": 0}

    @accounts.route("POST", "/token")
    def token(req):
        if req.form.get("refresh_token") != "1//rt" or req.form.get("client_secret") != "gcs":
            return 400, {
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked.",
            }
        state["issued"] += 1
        state["valid"] = {f"ya29.{state['issued']}"}
        return 200, {
            "access_token": f"ya29.{state['issued']}",
            "expires_in": 3599,
            "token_type": "Bearer",
        }

    state["url"] = accounts.url + "/token"
    state["ok"] = lambda req: req.headers.get("authorization", "")[7:] in state["valid"]
    yield state
    accounts.close()


def oauth(vendor, google):
    return {
        "base_url": vendor.url,
        "token_url": google["url"],
        "client_id": "gcid",
        "client_secret": "gcs",
        "refresh_token": "1//rt",
    }


def ga_row(day, value):
    return {"dimensionValues": [{"value": day}], "metricValues": [{"value": str(value)}]}


def test_ga4_reads_a_metric_by_day_over_pages(kpi, vendor, google, monkeypatch):
    from waypoint.connectors.kinds import google_analytics

    monkeypatch.setattr(google_analytics, "PAGE", 2)

    @vendor.route("POST", REPORT)
    def report(req):
        if not google["ok"](req):
            return 401, {
                "error": {"code": 401, "message": "Request had invalid authentication credentials."}
            }
        rows = [ga_row("20261101", 120), ga_row("20261102", 135), ga_row("20261103", 90)]
        page = rows[req.json["offset"] : req.json["offset"] + req.json["limit"]]
        return 200, {"rows": page, "rowCount": 3}

    source = connect(
        kpi, "google_analytics", property="123456", metric="sessions", **oauth(vendor, google)
    )
    assert pull(source), source.last_error
    assert values(kpi) == [
        (dt.date(2026, 11, 1), 120),
        (dt.date(2026, 11, 2), 135),
        (dt.date(2026, 11, 3), 90),
    ]
    bodies = [c.json for c in vendor.calls(REPORT)]
    assert [b["offset"] for b in bodies] == [0, 2]
    assert bodies[0]["metrics"] == [{"name": "sessions"}] and bodies[0]["dimensions"] == [
        {"name": "date"}
    ]
    first = dt.date.fromisoformat(bodies[0]["dateRanges"][0]["startDate"])
    assert (kpi.workspace.today() - first).days == 89
    # The token expires early: a 401 refreshes it once, and the next pull reads from three
    # days before the last good one.
    google["valid"] = set()
    assert pull(source), source.last_error
    assert google["issued"] == 2 and vault.decrypt(source.secret)["access_token"] == "ya29.2"
    later = dt.date.fromisoformat(vendor.calls(REPORT)[-1].json["dateRanges"][0]["startDate"])
    assert later == kpi.workspace.today() - dt.timedelta(days=3)


def test_ga4_a_revoked_grant_and_a_malformed_report(kpi, vendor, google):
    vendor.route("POST", REPORT)(
        lambda req: (200, {"rows": [{"dimensionValues": []}], "rowCount": 1})
    )
    settings = {**oauth(vendor, google), "refresh_token": "1//revoked"}
    source = connect(kpi, "google_analytics", property="123456", metric="sessions", **settings)
    assert not pull(source)
    assert "Token has been expired or revoked" in source.last_error
    services.source_save(
        workspace=kpi.workspace,
        kind="google_analytics",
        values={"property": "123456", "metric": "sessions", **oauth(vendor, google)},
        source=source,
        actor=None,
    )
    source.refresh_from_db()
    assert not pull(source)
    assert "Row 1 of Google Analytics' report has no date or value" in source.last_error
    assert values(kpi) == []


def test_search_console_pages_while_full_and_a_429(kpi, vendor, google, monkeypatch):
    from waypoint.connectors.kinds import search_console

    monkeypatch.setattr(search_console, "PAGE", 2)
    path = "/webmasters/v3/sites/sc-domain%3Aacme.test/searchAnalytics/query"
    busy = iter([(429, {"error": {"message": "Quota exceeded"}}, {"Retry-After": "1"})])

    @vendor.route("POST", path)
    def query(req):
        assert google["ok"](req)
        answer = next(busy, None)
        if answer:
            return answer
        rows = [
            {
                "keys": ["2026-11-01"],
                "clicks": 10,
                "impressions": 400,
                "ctr": 0.025,
                "position": 7.5,
            },
            {
                "keys": ["2026-11-02"],
                "clicks": 12,
                "impressions": 380,
                "ctr": 0.0316,
                "position": 7.1,
            },
            {
                "keys": ["2026-11-03"],
                "clicks": 9,
                "impressions": 350,
                "ctr": 0.0257,
                "position": 6.9,
            },
        ]
        return 200, {"rows": rows[req.json["startRow"] : req.json["startRow"] + 2]}

    source = connect(
        kpi, "search_console", site="sc-domain:acme.test", metric="ctr", **oauth(vendor, google)
    )
    assert pull(source), source.last_error
    assert source.slept == [1.0]
    assert values(kpi) == [
        (dt.date(2026, 11, 1), 2.5),
        (dt.date(2026, 11, 2), 3.16),
        (dt.date(2026, 11, 3), 2.57),
    ]
    assert [c.json["startRow"] for c in vendor.calls(path)[1:]] == [0, 2]


def test_google_ads_sums_cost_in_micros_over_pages(kpi, vendor, google):
    path = "/customers/1234567890/googleAds:search"

    @vendor.route("POST", path)
    def search(req):
        assert google["ok"](req) and req.headers["developer-token"] == "devtok"
        assert req.headers["login-customer-id"] == "9876543210"
        assert "metrics.cost_micros" in req.json["query"]
        if req.json.get("pageToken") == "p2":
            return 200, {
                "results": [
                    {"segments": {"date": "2026-11-02"}, "metrics": {"costMicros": "2500000"}}
                ]
            }
        return 200, {
            "results": [
                {"segments": {"date": "2026-11-01"}, "metrics": {"costMicros": "12340000"}},
                {"segments": {"date": "2026-11-02"}, "metrics": {}},
            ],
            "nextPageToken": "p2",
        }

    source = connect(
        kpi,
        "google_ads",
        customer="123-456-7890",
        login_customer="987-654-3210",
        metric="cost",
        developer_token="devtok",
        **oauth(vendor, google),
    )
    assert pull(source), source.last_error
    assert values(kpi) == [(dt.date(2026, 11, 1), 12.34), (dt.date(2026, 11, 2), 2.5)]


def test_settings_are_checked(kpi, vendor, google):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="property's number"):
        connect(
            kpi, "google_analytics", property="GA-1", metric="sessions", **oauth(vendor, google)
        )
    with pytest.raises(ValidationError, match="ten digits"):
        connect(
            kpi,
            "google_ads",
            customer="12",
            metric="cost",
            developer_token="d",
            **oauth(vendor, google),
        )
    with pytest.raises(ValidationError, match="sc-domain"):
        connect(kpi, "search_console", site="acme.test", metric="clicks", **oauth(vendor, google))
