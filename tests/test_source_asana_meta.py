"""Asana and Meta Ads against local servers shaped like their APIs: Asana's tasks paged by
next_page.offset, Meta's insights by day paged by paging.next with campaign starts as
annotations, their errors named."""

import datetime as dt

import pytest

from tests.vendors import connect, pull, values
from waypoint.kpis.models import Annotation, Kpi


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="Launch tasks", owner=owner)


def test_asana_counts_and_shares_completed_tasks_over_pages(kpi, vendor):
    path = "/api/1.0/projects/1200001/tasks"

    @vendor.route("GET", path)
    def tasks(req):
        assert req.headers["authorization"] == "Bearer 1/asana-pat"
        if req.query.get("offset") == "eyJ":
            return 200, {"data": [{"gid": "3", "completed": True}], "next_page": None}
        return 200, {
            "data": [{"gid": "1", "completed": True}, {"gid": "2", "completed": False}],
            "next_page": {"offset": "eyJ", "path": "/projects/1200001/tasks?offset=eyJ"},
        }

    source = connect(
        kpi, "asana", project="1200001", measure="share", token="1/asana-pat", base_url=vendor.url
    )
    assert pull(source), source.last_error
    assert values(kpi) == [(kpi.workspace.today(), 66.67)]
    assert [c.query.get("offset") for c in vendor.calls(path)] == [None, "eyJ"]


def test_asana_errors_are_named(kpi, vendor):
    vendor.route("GET", "/api/1.0/projects/42/tasks")(
        lambda req: (404, {"errors": [{"message": "project: Unknown object: 42"}]})
    )
    source = connect(kpi, "asana", project="42", token="t", base_url=vendor.url)
    assert not pull(source)
    assert source.last_error == "Asana refused the request (404): project: Unknown object: 42"


def test_meta_ads_conversions_by_day_and_campaign_starts(kpi, vendor):
    insights = "/act_777/insights"

    @vendor.route("GET", insights)
    def insights_page(req):
        assert (
            req.headers["authorization"] == "Bearer EAAG-token" and "access_token" not in req.query
        )
        if req.query.get("after") == "c2":
            rows = [
                {"date_start": "2026-11-02", "actions": [{"action_type": "purchase", "value": "4"}]}
            ]
            return 200, {"data": rows, "paging": {}}
        rows = [
            {
                "date_start": "2026-11-01",
                "spend": "12.50",
                "actions": [
                    {"action_type": "purchase", "value": "3"},
                    {"action_type": "link_click", "value": "40"},
                ],
            }
        ]
        return 200, {"data": rows, "paging": {"next": f"{vendor.url}{insights}?after=c2"}}

    @vendor.route("GET", "/act_777/campaigns")
    def campaigns(req):
        return 200, {
            "data": [
                {"name": "Black Friday", "start_time": "2026-11-01T09:00:00+0100"},
                {"name": "Old", "start_time": "2020-01-01T09:00:00+0100"},
            ]
        }

    source = connect(
        kpi,
        "meta_ads",
        account="777",
        metric="conversions",
        action="purchase",
        token="EAAG-token",
        base_url=vendor.url,
    )
    assert pull(source), source.last_error
    assert values(kpi) == [(dt.date(2026, 11, 1), 3), (dt.date(2026, 11, 2), 4)]
    notes = list(Annotation.objects.filter(kpi=kpi).values_list("date", "text", "kind"))
    assert notes == [(dt.date(2026, 11, 1), "Campaign started: Black Friday", "campaign")]
    # The report's summary of external factors names the campaign.
    from waypoint.reports import drafting
    from waypoint.reports import services as reports

    report = reports.report_create(
        workspace=kpi.workspace,
        title="November",
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        by=None,
        actor=None,
    )
    text = drafting.draft_summary(report)
    assert "Campaign started: Black Friday (2026-11-01)" in text


def test_meta_ads_a_malformed_row(kpi, vendor):
    vendor.route("GET", "/act_777/insights")(lambda req: (200, {"data": [{"spend": "1"}]}))
    source = connect(kpi, "meta_ads", account="777", token="t", base_url=vendor.url, campaigns="no")
    assert not pull(source)
    assert "no date_start" in source.last_error and values(kpi) == []
