"""HTTP JSON: any API that answers JSON. A path picks the value, or the rows of date and value.

The path is a small JSONPath: ``$.data.total``, ``$.rows[*]``, ``$['page views']``,
``$.series[0].points``. A path that ends on a list of objects reads each object's date and
value fields; one that ends on a number reads today's value. Pages are followed through a
path to the next page's address (``$.next``, ``$.links.next``), each checked by the
outbound policy like the first.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import Call, Kind, Result, Setting, SourceError, day, number

MAX_PATH = 200
_STEP = re.compile(r"""\.([A-Za-z_][\w-]*)|\[(\d+|\*)\]|\[['"]([^'"]{1,100})['"]\]""")


def parse_path(path: str) -> list:
    """``$.a[0]['b c'][*]`` as steps: names, indexes and ``*``; a SourceError if malformed."""
    path = (path or "").strip()
    if not path.startswith("$") or len(path) > MAX_PATH:
        raise SourceError(_("A path starts with $, for example $.data.total or $.rows[*]."))
    steps, at = [], 1
    while at < len(path):
        found = _STEP.match(path, at)
        if not found:
            raise SourceError(
                _("The path %(path)s cannot be read at “%(rest)s”.")
                % {"path": path, "rest": path[at : at + 20]}
            )
        name, index, quoted = found.groups()
        steps.append(name if name is not None else quoted if quoted is not None else index)
        if index is not None and index != "*":
            steps[-1] = int(index)
        at = found.end()
    return steps


def select(data, path: str) -> list:
    """Every value the path reaches (``*`` fans out over a list)."""
    found = [data]
    for step in parse_path(path):
        out = []
        for item in found:
            if step == "*" and isinstance(item, list):
                out.extend(item)
            elif (
                isinstance(step, int) and isinstance(item, list) and -len(item) <= step < len(item)
            ) or (isinstance(step, str) and isinstance(item, dict) and step in item):
                out.append(item[step])
        found = out
    return found


def read_rows(found: list, date_field: str, value_field: str, where: str) -> list:
    points = []
    for index, row in enumerate(found, start=1):
        if not isinstance(row, dict):
            raise SourceError(
                _("Item %(n)s of %(where)s is not an object with a date and a value.")
                % {"n": index, "where": where}
            )
        if date_field not in row or value_field not in row:
            raise SourceError(
                _("Item %(n)s of %(where)s has no “%(date)s” or no “%(value)s”.")
                % {"n": index, "where": where, "date": date_field, "value": value_field}
            )
        label = _("Item %(n)s's %(field)s") % {"n": index, "field": value_field}
        points.append(
            (
                day(
                    row[date_field], _("Item %(n)s's %(field)s") % {"n": index, "field": date_field}
                ),
                number(row[value_field], label),
            )
        )
    return points


def _headers(text: str) -> dict:
    out = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9-]{1,64}", name.strip()):
            raise SourceError(_("Write each header as Name: value, one per line."))
        out[name.strip()] = value.strip()
    return out


def fetch(call: Call) -> Result:
    url, points, pages = call["url"], [], 0
    while url:
        data = call.client.get(url)
        pages += 1
        found = select(data, call["path"])
        if not found:
            raise SourceError(
                _("The path %(path)s finds nothing in the answer.") % {"path": call["path"]}
            )
        if len(found) == 1 and not isinstance(found[0], dict | list):
            if pages > 1 or (call["next_path"] and select(data, call["next_path"])):
                raise SourceError(_("A path to one number cannot be paged."))
            return Result(points=[(call.today, number(found[0], call["path"]))])
        if len(found) == 1 and isinstance(found[0], list):
            found = found[0]
        points += read_rows(
            found, call["date_field"] or "date", call["value_field"] or "value", call["path"]
        )
        following = select(data, call["next_path"]) if call["next_path"] else []
        url = urljoin(url, following[0]) if following and isinstance(following[0], str) else ""
    return Result(points=points)


KIND = Kind(
    key="http_json",
    label=gettext_lazy("HTTP JSON"),
    auth="none",
    reads=("metric", "count"),
    pages=gettext_lazy("follows a next-page address found by a path"),
    settings=(
        Setting("url", gettext_lazy("Address"), help=gettext_lazy("https://… answering JSON.")),
        Setting(
            "path",
            gettext_lazy("Path to the value or the rows"),
            help=gettext_lazy("$.data.total for one number; $.rows[*] for rows of date and value."),
            default="$",
        ),
        Setting("date_field", gettext_lazy("Date field of a row"), required=False, default="date"),
        Setting(
            "value_field", gettext_lazy("Value field of a row"), required=False, default="value"
        ),
        Setting(
            "next_path",
            gettext_lazy("Path to the next page's address"),
            help=gettext_lazy("For example $.next; leave empty when the answer is one page."),
            required=False,
        ),
        Setting(
            "headers",
            gettext_lazy("Headers"),
            help=gettext_lazy("One per line, such as Authorization: Bearer …; kept encrypted."),
            secret=True,
            required=False,
            widget="textarea",
        ),
    ),
    fetch=fetch,
    headers=lambda values: _headers(values.get("headers", "")),
)
