"""Every kind that reads over HTTP, one by one, against a local server: a 429 is waited out
for as long as its Retry-After says, then a malformed answer is named on the source's page
and nothing is written; the credentials never reach the page."""

import pytest

from tests.vendors import Vendor, connect, pull, values
from waypoint.connectors import kinds
from waypoint.kpis.models import Annotation, Kpi

SECRET_VALUE = "Quokka-credential-4242"


def settings_for(kind: str, url: str, token_url: str) -> dict:
    oauth = {
        "client_id": "cid",
        "client_secret": SECRET_VALUE,
        "refresh_token": "rt",
        "base_url": url,
    }
    return {
        "http_json": {"url": url + "/x", "path": "$.n", "headers": f"X-Key: {SECRET_VALUE}"},
        "csv_url": {"url": url + "/x.csv"},
        "google_analytics": {
            "property": "1",
            "metric": "sessions",
            **oauth,
            "token_url": token_url,
        },
        "search_console": {
            "site": "sc-domain:a.test",
            "metric": "clicks",
            **oauth,
            "token_url": token_url,
        },
        "hubspot": {"object": "deals", **oauth},
        "meta_ads": {"account": "1", "token": SECRET_VALUE, "base_url": url, "campaigns": "no"},
        "google_ads": {
            "customer": "1234567890",
            "metric": "cost",
            "developer_token": SECRET_VALUE,
            **oauth,
            "token_url": token_url,
        },
        "stripe": {"api_key": SECRET_VALUE, "base_url": url},
        "jira": {
            "base_url": url,
            "jql": "project = A",
            "email": "e@a.test",
            "api_token": SECRET_VALUE,
        },
        "github": {"query": "repo:a/b", "token": SECRET_VALUE, "base_url": url},
        "asana": {"project": "1", "token": SECRET_VALUE, "base_url": url},
    }[kind]


HTTP_KINDS = [k for k, kind in kinds.KINDS.items() if kind.pulled and k != "sql"]


def test_every_http_kind_is_in_this_test():
    assert sorted(HTTP_KINDS) == sorted(
        [
            "http_json",
            "csv_url",
            "google_analytics",
            "search_console",
            "hubspot",
            "meta_ads",
            "google_ads",
            "stripe",
            "jira",
            "github",
            "asana",
        ]
    )


@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_a_429_then_a_malformed_answer(kind, workspace, owner, vendor, client, owner_user):
    tokens = Vendor()
    tokens.route("POST", "/token")(lambda req: (200, {"access_token": "at", "expires_in": 3600}))
    vendor.route("POST", "/oauth/v1/token")(
        lambda req: (200, {"access_token": "at", "expires_in": 3600})
    )
    answers = iter([(429, {"message": "slow down"}, {"Retry-After": "1"})])
    seen = []

    def anything(req):
        seen.append(req.path)
        return next(
            answers, (200, b"<html>not what was asked</html>", {"Content-Type": "text/html"})
        )

    vendor.route("GET", "*")(anything)
    vendor.route("POST", "*")(anything)
    try:
        kpi = Kpi.objects.create(workspace=workspace, name=f"Fed by {kind}", owner=owner)
        source = connect(kpi, kind, **settings_for(kind, vendor.url, tokens.url + "/token"))
        assert not pull(source)
    finally:
        tokens.close()
    assert source.slept == [1.0], (kind, source.last_error)
    assert len(seen) == 2 and seen[0] == seen[1]  # the same request, once more
    assert values(kpi) == [] and not Annotation.objects.filter(kpi=kpi).exists()
    assert source.last_error and source.pulls.get().ok is False
    client.force_login(owner_user)
    page = client.get(f"/w/acme/sources/{source.pk}/").content.decode()
    assert "data-source-error" in page and SECRET_VALUE not in page
