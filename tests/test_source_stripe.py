"""The Stripe kind against a local server shaped like Stripe's API: MRR from the active
subscriptions (prices brought to a month), new customers a day, both paged with
starting_after while has_more; a refused key and a malformed answer."""

import datetime as dt

import pytest

from tests.vendors import connect, pull, values
from waypoint.kpis.models import Kpi


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="MRR", owner=owner)


def stripe(kpi, vendor, **values):
    return connect(kpi, "stripe", base_url=vendor.url, api_key="rk_test_Quokka", **values)


def sub(pk, amount, interval="month", count=1, quantity=1):
    price = {"unit_amount": amount, "recurring": {"interval": interval, "interval_count": count}}
    return {"id": pk, "items": {"data": [{"price": price, "quantity": quantity}]}}


def test_mrr_sums_every_page_of_active_subscriptions(kpi, vendor):
    @vendor.route("GET", "/v1/subscriptions")
    def subscriptions(req):
        assert req.headers["authorization"] == "Bearer rk_test_Quokka"
        assert req.query["status"] == "active"
        if req.query.get("starting_after") == "sub_2":
            return 200, {
                "object": "list",
                "data": [sub("sub_3", 120000, "year")],
                "has_more": False,
            }
        return 200, {
            "object": "list",
            "data": [sub("sub_1", 4900, quantity=2), sub("sub_2", 30000, "month", count=3)],
            "has_more": True,
        }

    source = stripe(kpi, vendor, what="mrr")
    assert pull(source), source.last_error
    # 2 × 49 + 300 / 3 + 1200 / 12
    assert values(kpi) == [(kpi.workspace.today(), 298.0)]
    assert len(vendor.calls("/v1/subscriptions")) == 2


def test_new_customers_are_counted_by_day(kpi, vendor):
    today = kpi.workspace.today()
    at = lambda d, h=12: int(dt.datetime.combine(d, dt.time(h), tzinfo=dt.UTC).timestamp())  # noqa: E731
    yesterday = today - dt.timedelta(days=1)

    @vendor.route("GET", "/v1/customers")
    def customers(req):
        if req.query.get("starting_after"):
            return 200, {"data": [{"id": "cus_3", "created": at(today, 1)}], "has_more": False}
        return 200, {
            "data": [
                {"id": "cus_1", "created": at(today)},
                {"id": "cus_2", "created": at(yesterday)},
            ],
            "has_more": True,
        }

    assert pull(stripe(kpi, vendor, what="new_customers"))
    got = dict(values(kpi))
    assert len(got) == 30 and got[today] == 2 and got[yesterday] == 1
    assert sum(got.values()) == 3
    first = vendor.calls("/v1/customers")[0]
    assert int(first.query["created[gte]"]) == at(today - dt.timedelta(days=29), 0)


def test_a_refused_key_and_a_malformed_page(kpi, vendor):
    vendor.route("GET", "/v1/subscriptions")(
        lambda req: (401, {"error": {"message": "Invalid API Key provided: rk_test_****oka"}})
    )
    source = stripe(kpi, vendor)
    assert not pull(source) and "Invalid API Key provided" in source.last_error
    vendor.route("GET", "/v1/subscriptions")(
        lambda req: (200, {"data": [{"object": "subscription"}], "has_more": True})
    )
    assert not pull(source) and "no id to continue from" in source.last_error
    assert values(kpi) == []
