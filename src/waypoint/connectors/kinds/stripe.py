"""Stripe: monthly recurring revenue, or new customers a day.

MRR sums the active subscriptions' items (``GET /v1/subscriptions?status=active``), each
price brought to a month (a year is a twelfth, a week 52/12 of a month, a day 365/12), in
the currency's main unit. New customers (``GET /v1/customers?created[gte]=…``) are counted by
the day they were created, over the last 30 days. Both page with ``starting_after`` while
``has_more``. Stripe signs in with a restricted secret key (read-only).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import Call, Kind, Result, Setting, SourceError, api, base_url, bearer, key, number

API = "https://api.stripe.com"
MONTHS = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "year": 12.0}
DAYS = 30


def _pages(call: Call, path: str, params: dict):
    after = None
    while True:
        query = {**params, "limit": 100, **({"starting_after": after} if after else {})}
        data = call.client.get(f"{api(call.values, API)}{path}", query)
        items = key(data, "data", "Stripe")
        if not isinstance(items, list):
            raise SourceError(_("Stripe's “data” is not a list."))
        yield from items
        if not data.get("has_more") or not items:
            return
        after = items[-1].get("id") if isinstance(items[-1], dict) else None
        if not after:
            raise SourceError(_("Stripe's page has no id to continue from."))


def mrr(call: Call) -> float:
    total = 0.0
    for sub in _pages(call, "/v1/subscriptions", {"status": "active"}):
        for item in (sub.get("items") or {}).get("data") or []:
            price = item.get("price") or {}
            recurring = price.get("recurring") or {}
            per = MONTHS.get(recurring.get("interval"))
            if per is None:
                continue
            every = number(recurring.get("interval_count") or 1, _("A price's interval"))
            amount = number(price.get("unit_amount") or 0, _("A price's amount"))
            total += amount * number(item.get("quantity") or 1, _("A quantity")) / (every * per)
    return round(total / 100, 2)


def new_customers(call: Call) -> list:
    start = call.today - dt.timedelta(days=DAYS - 1)
    since = int(dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC).timestamp())
    counts = {start + dt.timedelta(days=n): 0.0 for n in range(DAYS)}
    for customer in _pages(call, "/v1/customers", {"created[gte]": since}):
        created = number(customer.get("created"), _("A customer's creation time"))
        when = dt.datetime.fromtimestamp(created, dt.UTC).date()
        if when in counts:
            counts[when] += 1
    return sorted(counts.items())


def fetch(call: Call) -> Result:
    if call["what"] == "new_customers":
        return Result(points=new_customers(call))
    return Result(points=[(call.today, mrr(call))])


KIND = Kind(
    key="stripe",
    label=gettext_lazy("Stripe"),
    auth="api_key",
    reads=("metric",),
    pages=gettext_lazy("starting_after while has_more, 100 a page"),
    settings=(
        Setting(
            "what",
            gettext_lazy("Read"),
            widget="choice",
            choices=(
                ("mrr", gettext_lazy("Monthly recurring revenue")),
                ("new_customers", gettext_lazy("New customers a day (last 30 days)")),
            ),
            default="mrr",
        ),
        Setting(
            "api_key",
            gettext_lazy("Restricted key"),
            help=gettext_lazy(
                "rk_live_… with read access to customers and subscriptions; kept encrypted."
            ),
            secret=True,
        ),
        base_url(API),
    ),
    fetch=fetch,
    headers=lambda values: bearer(values.get("api_key", "")),
)
