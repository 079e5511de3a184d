"""The GitHub kind against a local server shaped like GitHub's REST API: a search's
total_count, a milestone's done share, releases page by page (Link header) as annotations,
GitHub's rate limit, a refused token and a malformed answer."""

import datetime as dt

import pytest

from tests.vendors import connect, pull, values
from waypoint.kpis.models import Annotation, Kpi


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="Bugs closed", owner=owner)


def github(kpi, vendor, **values):
    return connect(kpi, "github", base_url=vendor.url, token="ghp_Quokka", **values)


def test_a_search_counts_issues_and_sends_the_token(kpi, vendor):
    @vendor.route("GET", "/search/issues")
    def search(req):
        return 200, {"total_count": 37, "incomplete_results": False, "items": [{"number": 1}]}

    source = github(kpi, vendor, what="search", query="repo:acme/app is:issue is:closed label:bug")
    assert pull(source), source.last_error
    assert values(kpi) == [(kpi.workspace.today(), 37)]
    seen = vendor.calls("/search/issues")[0]
    assert seen.query["q"] == "repo:acme/app is:issue is:closed label:bug"
    assert seen.headers["authorization"] == "Bearer ghp_Quokka"
    assert seen.headers["x-github-api-version"] == "2022-11-28"


def test_a_milestones_done_share(kpi, vendor):
    vendor.route("GET", "/repos/acme/app/milestones/3")(
        lambda req: (200, {"number": 3, "open_issues": 6, "closed_issues": 14})
    )
    assert pull(github(kpi, vendor, what="milestone", repo="acme/app", milestone="3"))
    assert values(kpi) == [(kpi.workspace.today(), 70.0)]


def test_releases_become_annotations_page_by_page_once(kpi, vendor):
    vendor.route("GET", "/search/issues")(lambda req: (200, {"total_count": 1}))

    @vendor.route("GET", "/repos/acme/app/releases")
    def releases(req):
        if req.query.get("page") == "2":
            return 200, [{"name": "v1.0", "published_at": "2026-10-01T10:00:00Z"}]
        link = f'<{vendor.url}/repos/acme/app/releases?per_page=100&page=2>; rel="next"'
        return (
            200,
            [
                {"name": "v1.2", "published_at": "2026-11-20T10:00:00Z"},
                {"name": "draft", "published_at": None},
                {"tag_name": "v1.1", "name": "", "published_at": "2026-11-01T10:00:00Z"},
            ],
            {"Link": link},
        )

    source = github(kpi, vendor, query="repo:acme/app", repo="acme/app", releases="yes")
    assert pull(source)
    notes = list(Annotation.objects.filter(kpi=kpi).order_by("date").values_list("date", "text"))
    assert notes == [
        (dt.date(2026, 10, 1), "Release v1.0"),
        (dt.date(2026, 11, 1), "Release v1.1"),
        (dt.date(2026, 11, 20), "Release v1.2"),
    ]
    assert source.pulls.first().annotations == 3 and source.pulls.first().requests == 3
    assert pull(source)  # the same releases again add nothing
    assert Annotation.objects.filter(kpi=kpi).count() == 3


def test_githubs_rate_limit_is_waited_out(kpi, vendor):
    answers = iter(
        [
            (
                403,
                {"message": "API rate limit exceeded"},
                {"X-RateLimit-Remaining": "0", "Retry-After": "3"},
            )
        ]
    )
    vendor.route("GET", "/search/issues")(lambda req: next(answers, (200, {"total_count": 5})))
    source = github(kpi, vendor, query="repo:acme/app")
    assert pull(source) and source.slept == [3.0]
    assert values(kpi) == [(kpi.workspace.today(), 5)]


def test_a_refused_token_and_a_malformed_answer_are_named_and_write_nothing(kpi, vendor):
    vendor.route("GET", "/search/issues")(lambda req: (401, {"message": "Bad credentials"}))
    source = github(kpi, vendor, query="repo:acme/app")
    assert not pull(source)
    assert source.last_error == "GitHub refused the request (401): Bad credentials"
    vendor.route("GET", "/search/issues")(lambda req: (200, {"items": []}))
    assert not pull(source)
    assert "has no “total_count”" in source.last_error and values(kpi) == []


def test_settings_are_checked_when_saved(kpi, vendor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="owner/name"):
        github(kpi, vendor, what="milestone", repo="not a repo", milestone="1")
    with pytest.raises(ValidationError, match="milestone"):
        github(kpi, vendor, what="milestone", repo="acme/app", milestone="latest")
    with pytest.raises(ValidationError, match="search"):
        github(kpi, vendor, what="search", query="")
