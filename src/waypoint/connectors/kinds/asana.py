"""Asana: a project's completed tasks, as a count or a done share.

``GET /api/1.0/projects/{gid}/tasks?opt_fields=completed`` read page by page through
``next_page.offset``, 100 tasks a page. It signs in with a personal access token.
"""

from __future__ import annotations

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
    WorkItem,
    api,
    base_url,
    bearer,
    key,
    moment,
)

API = "https://app.asana.com"


def tasks(call: Call, project: str):
    url = f"{api(call.values, API)}/api/1.0/projects/{project}/tasks"
    offset = None
    while True:
        params = {"opt_fields": "completed,completed_at,name", "limit": 100}
        if offset:
            params["offset"] = offset
        data = call.client.get(url, params)
        found = key(data, "data", "Asana")
        if not isinstance(found, list):
            raise SourceError(_("Asana's “data” is not a list."))
        yield from found
        offset = ((data.get("next_page") or {}) if isinstance(data, dict) else {}).get("offset")
        if not offset:
            return


def item(call: Call) -> WorkItem:
    data = call.client.get(
        f"{api(call.values, API)}/api/1.0/tasks/{call['task']}",
        {"opt_fields": "name,completed,completed_at,modified_at,permalink_url"},
    )
    task = key(data, "data", "Asana")
    if not isinstance(task, dict):
        raise SourceError(_("Asana's “data” is not a task."))
    done = task.get("completed") is True
    return WorkItem(
        title=str(task.get("name") or "")[:300],
        url=str(task.get("permalink_url") or "")[:500],
        state="done" if done else "in_progress",
        moved_at=moment(task.get("completed_at") if done else task.get("modified_at")),
    )


def fetch(call: Call) -> Result:
    if call["what"] == "task":
        return Result(item=item(call))
    found = list(tasks(call, call["project"]))
    done = sum(1 for task in found if isinstance(task, dict) and task.get("completed") is True)
    if call["measure"] == "share":
        value = round(100 * done / len(found), 2) if found else 0.0
    else:
        value = float(done)
    return Result(points=[(call.today, value)])


def validate(values: dict) -> None:
    if values.get("what") == "task":
        if not re.fullmatch(r"\d{1,30}", values.get("task", "")):
            raise ValidationError({"task": _("The task's number, from its address in Asana.")})
    elif not re.fullmatch(r"\d{1,30}", values.get("project", "")):
        raise ValidationError({"project": _("The project's number, from its address in Asana.")})


KIND = Kind(
    key="asana",
    label=gettext_lazy("Asana"),
    auth="api_key",
    reads=("count", "share", "items"),
    pages=gettext_lazy("next_page.offset, 100 tasks a page"),
    settings=(
        Setting(
            "what",
            gettext_lazy("Read"),
            widget="choice",
            choices=(
                ("project", gettext_lazy("A project's completed tasks")),
                ("task", gettext_lazy("One task (for an initiative)")),
            ),
            default="project",
        ),
        Setting(
            "project",
            gettext_lazy("Project"),
            help=gettext_lazy("Its number, from its address in Asana."),
            required=False,
        ),
        Setting(
            "task",
            gettext_lazy("Task"),
            help=gettext_lazy("Its number, from its address in Asana."),
            required=False,
        ),
        Setting(
            "measure",
            gettext_lazy("Measure"),
            widget="choice",
            choices=(
                ("count", gettext_lazy("Completed tasks")),
                ("share", gettext_lazy("Completed share (%)")),
            ),
            default="count",
        ),
        Setting(
            "token",
            gettext_lazy("Personal access token"),
            secret=True,
            help=gettext_lazy("From Asana's developer console; kept encrypted."),
        ),
        base_url(API),
    ),
    fetch=fetch,
    headers=lambda values: bearer(values.get("token", "")),
    validate=validate,
    item_whats=("task",),
)
