"""Google Ads: cost, clicks, impressions or conversions by day.

``POST /{version}/customers/{id}/googleAds:search`` with a GAQL query over the dates read,
page by page through ``nextPageToken``; cost comes in micros. It signs in with OAuth 2 (scope
adwords) and sends the developer token and, for a manager account, its id.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import (
    GOOGLE_AUTHORIZE,
    GOOGLE_PARAMS,
    GOOGLE_TOKEN,
    Call,
    Kind,
    Result,
    Setting,
    SourceError,
    api,
    day,
    days_to_read,
    google_token_url,
    number,
    oauth_settings,
)

API = "https://googleads.googleapis.com/v18"
FIELDS = {
    "cost": "metrics.cost_micros",
    "clicks": "metrics.clicks",
    "impressions": "metrics.impressions",
    "conversions": "metrics.conversions",
}
ANSWER = {
    "cost": "costMicros",
    "clicks": "clicks",
    "impressions": "impressions",
    "conversions": "conversions",
}
MAX_PAGES = 20


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def fetch(call: Call) -> Result:
    start, end = days_to_read(call)
    metric = call["metric"]
    # GAQL, not SQL: the field comes from FIELDS and the dates are dates.
    query = (
        "SELECT segments.date, {field} FROM customer WHERE segments.date BETWEEN '{a}' AND '{b}'"
    )
    query = query.format(field=FIELDS[metric], a=start.isoformat(), b=end.isoformat())
    url = f"{api(call.values, API)}/customers/{_digits(call['customer'])}/googleAds:search"
    totals: dict = {}
    token = None
    for _page in range(MAX_PAGES):
        body = {"query": query, **({"pageToken": token} if token else {})}
        _r, data = call.client.json("POST", url, payload=body)
        results = data.get("results", []) if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise SourceError(_("Google Ads' “results” is not a list."))
        for row in results:
            try:
                when = day(row["segments"]["date"], "segments.date")
                raw = row.get("metrics", {}).get(ANSWER[metric], 0)
            except (KeyError, TypeError, AttributeError) as exc:
                raise SourceError(_("A Google Ads row has no date.")) from exc
            value = number(raw, ANSWER[metric])
            totals[when] = totals.get(when, 0.0) + (
                value / 1_000_000 if metric == "cost" else value
            )
        token = data.get("nextPageToken")
        if not token:
            break
    return Result(points=sorted((d, round(v, 2)) for d, v in totals.items()))


def validate(values: dict) -> None:
    if len(_digits(values.get("customer", ""))) != 10:
        raise ValidationError({"customer": _("The customer id: ten digits, such as 123-456-7890.")})
    if values.get("login_customer") and len(_digits(values["login_customer"])) != 10:
        raise ValidationError(
            {"login_customer": _("The customer id: ten digits, such as 123-456-7890.")}
        )


def _headers(values: dict) -> dict:
    out = {"developer-token": values.get("developer_token", "")}
    if values.get("login_customer"):
        out["login-customer-id"] = _digits(values["login_customer"])
    return out


KIND = Kind(
    key="google_ads",
    label=gettext_lazy("Google Ads"),
    auth="oauth2",
    reads=("metric",),
    pages=gettext_lazy("nextPageToken"),
    settings=(
        Setting(
            "customer",
            gettext_lazy("Customer id"),
            help=gettext_lazy("Ten digits, such as 123-456-7890."),
        ),
        Setting(
            "login_customer",
            gettext_lazy("Manager account id"),
            required=False,
            help=gettext_lazy("When you reach the account through a manager account."),
        ),
        Setting(
            "metric",
            gettext_lazy("Metric"),
            widget="choice",
            choices=(
                ("cost", gettext_lazy("Cost")),
                ("clicks", gettext_lazy("Clicks")),
                ("impressions", gettext_lazy("Impressions")),
                ("conversions", gettext_lazy("Conversions")),
            ),
            default="cost",
        ),
        Setting("developer_token", gettext_lazy("Developer token"), secret=True),
        *oauth_settings(API, GOOGLE_TOKEN),
    ),
    fetch=fetch,
    headers=_headers,
    token_url=google_token_url,
    validate=validate,
    oauth_app="google",
    authorize_url=GOOGLE_AUTHORIZE,
    scopes=("https://www.googleapis.com/auth/adwords",),
    authorize_params=GOOGLE_PARAMS,
)
