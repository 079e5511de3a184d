"""HubSpot CRM: how many records of a kind (contacts, companies, deals, tickets), or the deals
in a pipeline stage, counted or summed by amount.

Both read ``POST /crm/v3/objects/{object}/search``: a count reads ``total`` from one small
page; a sum pages through ``paging.next.after``, 100 records a page. HubSpot signs in with
OAuth 2: the access token lasts 30 minutes and is renewed with the refresh token at
``/oauth/v1/token``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import Call, Kind, Result, Setting, SourceError, api, key, number, oauth_settings

API = "https://api.hubapi.com"
OBJECTS = ("contacts", "companies", "deals", "tickets")


def _body(call: Call, limit: int, after: str | None) -> dict:
    filters = []
    if call["object"] == "deals" and call["stage"]:
        filters.append({"propertyName": "dealstage", "operator": "EQ", "value": call["stage"]})
    body = {"limit": limit, "properties": ["amount"] if call["measure"] == "amount" else []}
    if filters:
        body["filterGroups"] = [{"filters": filters}]
    if after:
        body["after"] = after
    return body


def fetch(call: Call) -> Result:
    url = f"{api(call.values, API)}/crm/v3/objects/{call['object']}/search"
    if call["measure"] != "amount":
        _r, data = call.client.json("POST", url, payload=_body(call, 1, None))
        return Result(points=[(call.today, number(key(data, "total", "HubSpot"), "total"))])
    total, after = 0.0, None
    while True:
        _r, data = call.client.json("POST", url, payload=_body(call, 100, after))
        results = key(data, "results", "HubSpot")
        if not isinstance(results, list):
            raise SourceError(_("HubSpot's “results” is not a list."))
        for record in results:
            amount = (
                (record.get("properties") or {}).get("amount") if isinstance(record, dict) else None
            )
            if amount not in (None, ""):
                total += number(amount, _("A deal's amount"))
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return Result(points=[(call.today, round(total, 2))])


def validate(values: dict) -> None:
    if values.get("measure") == "amount" and values.get("object") != "deals":
        raise ValidationError({"measure": _("Only deals have an amount.")})


KIND = Kind(
    key="hubspot",
    label=gettext_lazy("HubSpot"),
    auth="oauth2",
    reads=("count", "metric"),
    pages=gettext_lazy("paging.next.after, 100 records a page"),
    settings=(
        Setting(
            "object",
            gettext_lazy("Records"),
            widget="choice",
            choices=tuple((name, name) for name in OBJECTS),
            default="deals",
        ),
        Setting(
            "stage",
            gettext_lazy("Deal stage"),
            help=gettext_lazy("Its internal name, such as closedwon."),
            required=False,
        ),
        Setting(
            "measure",
            gettext_lazy("Measure"),
            widget="choice",
            choices=(
                ("count", gettext_lazy("How many")),
                ("amount", gettext_lazy("Sum of the amounts")),
            ),
            default="count",
        ),
        *oauth_settings(API),
    ),
    fetch=fetch,
    token_url=lambda values: f"{api(values, API)}/oauth/v1/token",
    validate=validate,
    oauth_app="hubspot",
    authorize_url="https://app.hubspot.com/oauth/authorize",
    scopes=("crm.objects.deals.read", "crm.objects.contacts.read", "crm.objects.companies.read"),
)
