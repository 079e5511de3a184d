"""Meta Ads (the Marketing API): spend, clicks, impressions or conversions by day, and the
account's campaigns as annotations when they start.

``GET /{version}/act_{account}/insights?time_increment=1`` over the dates read, page by page
through ``paging.next``; conversions sum the ``actions`` of one action type. Campaigns come
from ``/act_{account}/campaigns``. It signs in with a system user's access token, sent as a
bearer header (never in the address, so never in a log).
"""

from __future__ import annotations

import json
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import (
    Call,
    Kind,
    Result,
    Setting,
    SourceError,
    api,
    base_url,
    bearer,
    day,
    days_to_read,
    key,
    number,
)

API = "https://graph.facebook.com/v21.0"
MAX_PAGES = 20


def pages(call: Call, url: str, params: dict):
    for _page in range(MAX_PAGES):
        data = call.client.get(url, params)
        found = key(data, "data", "Meta")
        if not isinstance(found, list):
            raise SourceError(_("Meta's “data” is not a list."))
        yield from found
        url = ((data.get("paging") or {}) if isinstance(data, dict) else {}).get("next") or ""
        params = None
        if not url:
            return


def _value(row: dict, metric: str, action: str) -> float:
    if metric != "conversions":
        return number(row.get(metric, 0), metric)
    total = 0.0
    for item in row.get("actions") or []:
        if isinstance(item, dict) and item.get("action_type") == action:
            total += number(item.get("value"), action)
    return total


def fetch(call: Call) -> Result:
    start, end = days_to_read(call)
    account = f"{api(call.values, API)}/act_{call['account']}"
    params = {
        "fields": "spend,clicks,impressions,actions",
        "time_increment": 1,
        "level": "account",
        "time_range": json.dumps({"since": start.isoformat(), "until": end.isoformat()}),
    }
    points = []
    for row in pages(call, f"{account}/insights", params):
        if not isinstance(row, dict) or "date_start" not in row:
            raise SourceError(_("A Meta insights row has no date_start."))
        points.append(
            (day(row["date_start"], "date_start"), _value(row, call["metric"], call["action"]))
        )
    result = Result(points=points)
    if call["campaigns"] == "yes":
        for campaign in pages(
            call, f"{account}/campaigns", {"fields": "name,start_time", "limit": 100}
        ):
            started = campaign.get("start_time") if isinstance(campaign, dict) else None
            if started and str(started)[:10] >= start.isoformat():
                name = str(campaign.get("name") or "")[:200]
                result.annotations.append(
                    (
                        day(str(started)[:10], "start_time"),
                        _("Campaign started: %(name)s") % {"name": name},
                        "campaign",
                    )
                )
    return result


def validate(values: dict) -> None:
    if not re.fullmatch(r"\d{1,30}", values.get("account", "")):
        raise ValidationError({"account": _("The ad account's number, without act_.")})
    if values.get("metric") == "conversions" and not values.get("action"):
        raise ValidationError({"action": _("Name the action type to count, such as purchase.")})


KIND = Kind(
    key="meta_ads",
    label=gettext_lazy("Meta Ads"),
    auth="api_key",
    reads=("metric", "annotations"),
    pages=gettext_lazy("paging.next"),
    settings=(
        Setting(
            "account", gettext_lazy("Ad account"), help=gettext_lazy("Its number, without act_.")
        ),
        Setting(
            "metric",
            gettext_lazy("Metric"),
            widget="choice",
            choices=(
                ("spend", gettext_lazy("Spend")),
                ("clicks", gettext_lazy("Clicks")),
                ("impressions", gettext_lazy("Impressions")),
                ("conversions", gettext_lazy("Conversions")),
            ),
            default="spend",
        ),
        Setting(
            "action",
            gettext_lazy("Conversion action type"),
            required=False,
            help=gettext_lazy("For conversions, such as purchase or lead."),
        ),
        Setting(
            "campaigns",
            gettext_lazy("Campaign starts as annotations"),
            widget="choice",
            choices=(("no", gettext_lazy("No")), ("yes", gettext_lazy("Yes"))),
            default="yes",
            required=False,
        ),
        Setting(
            "token",
            gettext_lazy("Access token"),
            secret=True,
            help=gettext_lazy("A system user's token with ads_read; kept encrypted."),
        ),
        base_url(API),
    ),
    fetch=fetch,
    headers=lambda values: bearer(values.get("token", "")),
    validate=validate,
)
