"""Google Analytics 4 (the Data API): a metric by day, such as sessions or conversions.

``POST /v1beta/properties/{property}:runReport`` with the date as its dimension, read page
by page with ``offset`` and ``limit`` until ``rowCount``. It reads the last 90 days the first
time, then from three days before the last good pull (GA revises recent days). Google signs
in with OAuth 2 (scope analytics.readonly); the access token is renewed at Google's token
endpoint with the refresh token.
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
    key,
    number,
    oauth_settings,
)

API = "https://analyticsdata.googleapis.com"
PAGE = 10_000


def fetch(call: Call) -> Result:
    start, end = days_to_read(call)
    url = f"{api(call.values, API)}/v1beta/properties/{call['property']}:runReport"
    points, offset = [], 0
    while True:
        body = {
            "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
            "dimensions": [{"name": "date"}],
            "metrics": [{"name": call["metric"]}],
            "orderBys": [{"dimension": {"dimensionName": "date"}}],
            "limit": PAGE,
            "offset": offset,
        }
        _r, data = call.client.json("POST", url, payload=body)
        rows = data.get("rows", []) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise SourceError(_("Google Analytics' “rows” is not a list."))
        for index, row in enumerate(rows, start=offset + 1):
            try:
                raw_day = row["dimensionValues"][0]["value"]
                raw_value = row["metricValues"][0]["value"]
            except (KeyError, IndexError, TypeError) as exc:
                raise SourceError(
                    _("Row %(row)s of Google Analytics' report has no date or value.")
                    % {"row": index}
                ) from exc
            when = day(f"{raw_day[:4]}-{raw_day[4:6]}-{raw_day[6:8]}", _("A report row's date"))
            points.append((when, number(raw_value, call["metric"])))
        offset += len(rows)
        total = number(key(data, "rowCount", "Google Analytics"), "rowCount") if rows else 0
        if not rows or offset >= total:
            return Result(points=points)


def validate(values: dict) -> None:
    if not re.fullmatch(r"\d{1,20}", values.get("property", "")):
        raise ValidationError({"property": _("The property's number, such as 123456789.")})
    if not re.fullmatch(r"[A-Za-z][\w:]{0,80}", values.get("metric", "")):
        raise ValidationError({"metric": _("A metric's API name, such as sessions.")})


KIND = Kind(
    key="google_analytics",
    label=gettext_lazy("Google Analytics 4"),
    auth="oauth2",
    reads=("metric",),
    pages=gettext_lazy("offset and limit, 10,000 rows a page"),
    settings=(
        Setting(
            "property",
            gettext_lazy("Property"),
            help=gettext_lazy("Its number, such as 123456789."),
        ),
        Setting(
            "metric",
            gettext_lazy("Metric"),
            help=gettext_lazy("Its API name: sessions, activeUsers, conversions, totalRevenue…"),
            default="sessions",
        ),
        *oauth_settings(API, GOOGLE_TOKEN),
    ),
    fetch=fetch,
    token_url=google_token_url,
    validate=validate,
    oauth_app="google",
    authorize_url=GOOGLE_AUTHORIZE,
    scopes=("https://www.googleapis.com/auth/analytics.readonly",),
    authorize_params=GOOGLE_PARAMS,
)
