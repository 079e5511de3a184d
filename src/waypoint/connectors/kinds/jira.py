"""Jira Cloud: a JQL count, or an epic's done share.

A count is ``POST /rest/api/3/search/approximate-count`` (``{"count": n}``); an epic's share
reads its children with ``POST /rest/api/3/search/jql``, page by page through
``nextPageToken``, and counts those whose status is in the "done" category. It signs in
with an Atlassian account's e-mail and API token (basic authentication).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import Call, Kind, Result, Setting, SourceError, WorkItem, basic, key, moment, number

ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,19}-\d{1,9}$")
PAGE = 100


def issues(call: Call, jql: str, fields: list[str]):
    """Every issue the JQL finds, page by page (the client's request budget bounds it)."""
    site, token = call["base_url"].rstrip("/"), None
    while True:
        body = {"jql": jql, "fields": fields, "maxResults": PAGE}
        if token:
            body["nextPageToken"] = token
        _r, data = call.client.json("POST", f"{site}/rest/api/3/search/jql", payload=body)
        found = key(data, "issues", "Jira")
        if not isinstance(found, list):
            raise SourceError(_("Jira's “issues” is not a list."))
        yield from found
        token = data.get("nextPageToken")
        if data.get("isLast", True) or not token:
            return


def status_category(issue) -> str:
    try:
        return str(issue["fields"]["status"]["statusCategory"]["key"])
    except (KeyError, TypeError) as exc:
        raise SourceError(_("A Jira issue came without its status.")) from exc


STATES = {"new": "planned", "indeterminate": "in_progress", "done": "done"}


def item(call: Call) -> WorkItem:
    site = call["base_url"].rstrip("/")
    data = call.client.get(
        f"{site}/rest/api/3/issue/{call['issue']}",
        {"fields": "summary,status,updated,resolutiondate"},
    )
    fields = key(data, "fields", "Jira")
    category = status_category({"fields": fields})
    moved = (
        fields.get("resolutiondate") or fields.get("updated") if isinstance(fields, dict) else None
    )
    return WorkItem(
        title=f"{call['issue']} {str(fields.get('summary') or '')[:250]}",
        url=f"{site}/browse/{call['issue']}",
        state=STATES.get(category, "in_progress"),
        moved_at=moment(moved),
    )


def fetch(call: Call) -> Result:
    site = call["base_url"].rstrip("/")
    if call["what"] == "issue":
        return Result(item=item(call))
    if call["what"] == "epic":
        children = list(issues(call, f'parent = "{call["epic"]}"', ["status"]))
        done = sum(1 for issue in children if status_category(issue) == "done")
        value = round(100 * done / len(children), 2) if children else 0.0
    else:
        _r, data = call.client.json(
            "POST", f"{site}/rest/api/3/search/approximate-count", payload={"jql": call["jql"]}
        )
        value = number(key(data, "count", "Jira"), "count")
    return Result(points=[(call.today, value)])


def validate(values: dict) -> None:
    site = values.get("base_url", "")
    if not site.startswith(("https://", "http://")):
        raise ValidationError(
            {"base_url": _("Your Jira's address, such as https://acme.atlassian.net.")}
        )
    if values.get("what") == "epic":
        if not ISSUE_KEY.match(values.get("epic", "")):
            raise ValidationError({"epic": _("An issue key, such as APP-42.")})
    elif values.get("what") == "issue":
        if not ISSUE_KEY.match(values.get("issue", "")):
            raise ValidationError({"issue": _("An issue key, such as APP-42.")})
    elif not values.get("jql"):
        raise ValidationError({"jql": _("Write the JQL, such as project = APP AND status = Done.")})


KIND = Kind(
    key="jira",
    label=gettext_lazy("Jira"),
    auth="basic",
    reads=("count", "share", "items"),
    pages=gettext_lazy("nextPageToken, 100 issues a page"),
    settings=(
        Setting(
            "base_url",
            gettext_lazy("Jira address"),
            help=gettext_lazy("https://your-site.atlassian.net"),
        ),
        Setting(
            "what",
            gettext_lazy("Read"),
            widget="choice",
            choices=(
                ("jql", gettext_lazy("Issues found by JQL (a count)")),
                ("epic", gettext_lazy("An epic's done share (%)")),
                ("issue", gettext_lazy("One issue or epic (for an initiative)")),
            ),
            default="jql",
        ),
        Setting("jql", gettext_lazy("JQL"), required=False, widget="textarea"),
        Setting(
            "epic",
            gettext_lazy("Epic"),
            help=gettext_lazy("Its key, such as APP-42."),
            required=False,
        ),
        Setting(
            "issue",
            gettext_lazy("Issue"),
            help=gettext_lazy("Its key, such as APP-42."),
            required=False,
        ),
        Setting("email", gettext_lazy("Atlassian account e-mail"), secret=True),
        Setting(
            "api_token",
            gettext_lazy("API token"),
            secret=True,
            help=gettext_lazy("From id.atlassian.com, Security, API tokens; kept encrypted."),
        ),
    ),
    fetch=fetch,
    headers=lambda values: basic(values.get("email", ""), values.get("api_token", "")),
    validate=validate,
    item_whats=("issue",),
)
