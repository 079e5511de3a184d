"""Google Search Console: clicks, impressions, click-through rate or position by day.

``POST /webmasters/v3/sites/{site}/searchAnalytics/query`` with the date as its dimension,
read page by page with ``startRow`` while a page comes back full. Google signs in with
OAuth 2 (scope webmasters.readonly).
"""

from __future__ import annotations

from urllib.parse import quote

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

API = "https://searchconsole.googleapis.com"
PAGE = 25_000
METRICS = ("clicks", "impressions", "ctr", "position")


def fetch(call: Call) -> Result:
    start, end = days_to_read(call)
    site = quote(call["site"], safe="")
    url = f"{api(call.values, API)}/webmasters/v3/sites/{site}/searchAnalytics/query"
    points, start_row = [], 0
    while True:
        body = {
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "dimensions": ["date"],
            "rowLimit": PAGE,
            "startRow": start_row,
        }
        _r, data = call.client.json("POST", url, payload=body)
        rows = data.get("rows", []) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise SourceError(_("Search Console's “rows” is not a list."))
        for row in rows:
            keys = row.get("keys") if isinstance(row, dict) else None
            if not keys or call["metric"] not in row:
                raise SourceError(
                    _("A Search Console row has no date or no %(metric)s.")
                    % {"metric": call["metric"]}
                )
            value = number(row[call["metric"]], call["metric"])
            points.append(
                (
                    day(keys[0], _("A report row's date")),
                    round(value * 100, 4) if call["metric"] == "ctr" else value,
                )
            )
        if len(rows) < PAGE:
            return Result(points=points)
        start_row += len(rows)


def validate(values: dict) -> None:
    site = values.get("site", "")
    if not (site.startswith(("https://", "http://")) or site.startswith("sc-domain:")):
        raise ValidationError(
            {
                "site": _(
                    "The property as Search Console names it: https://example.com/ or "
                    "sc-domain:example.com."
                )
            }
        )


KIND = Kind(
    key="search_console",
    label=gettext_lazy("Google Search Console"),
    auth="oauth2",
    reads=("metric",),
    pages=gettext_lazy("startRow, 25,000 rows a page"),
    settings=(
        Setting(
            "site",
            gettext_lazy("Property"),
            help=gettext_lazy("https://example.com/ or sc-domain:example.com"),
        ),
        Setting(
            "metric",
            gettext_lazy("Metric"),
            widget="choice",
            choices=(
                ("clicks", gettext_lazy("Clicks")),
                ("impressions", gettext_lazy("Impressions")),
                ("ctr", gettext_lazy("Click-through rate (%)")),
                ("position", gettext_lazy("Average position")),
            ),
            default="clicks",
        ),
        *oauth_settings(API, GOOGLE_TOKEN),
    ),
    fetch=fetch,
    token_url=google_token_url,
    validate=validate,
    oauth_app="google",
    authorize_url=GOOGLE_AUTHORIZE,
    scopes=("https://www.googleapis.com/auth/webmasters.readonly",),
    authorize_params=GOOGLE_PARAMS,
)
