"""Catch hook: a secret address that Zapier, Make, n8n or a script posts values to.

The body is JSON, ``{"value": 12}`` (today), ``{"date": "2026-12-01", "value": 12}``, a list
of such objects or ``{"rows": [...]}``, or a form with ``value`` and ``date``. At most
1,000 rows and 256 KB; the address is shown once and kept only as its hash.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waypoint.lib import bounded

from ..base import Kind, SourceError, day, number

MAX_BYTES = 256 * 1024
MAX_ROWS = 1_000


def parse(body: bytes, content_type: str, today: dt.date) -> list[tuple[dt.date, float]]:
    if len(body) > MAX_BYTES:
        raise SourceError(_("Post at most %(n)s KB.") % {"n": MAX_BYTES // 1024})
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        data = form
    else:
        try:
            data = bounded.json_loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceError(
                _('Post JSON such as {"value": 12} or {"date": "2026-12-01", "value": 12}.')
            ) from exc
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    rows = data if isinstance(data, list) else [data]
    if len(rows) > MAX_ROWS:
        raise SourceError(_("Post at most %(n)s rows at once.") % {"n": MAX_ROWS})
    out, seen = [], set()
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or "value" not in row:
            raise SourceError(_("Row %(row)s has no “value”.") % {"row": index})
        when = (
            day(row["date"], _("Row %(row)s's date") % {"row": index}) if row.get("date") else today
        )
        if when in seen:
            raise SourceError(_("Row %(row)s repeats a date of an earlier row.") % {"row": index})
        seen.add(when)
        out.append((when, number(row["value"], _("Row %(row)s's value") % {"row": index})))
    if not out:
        raise SourceError(_("Post at least one value."))
    return out


KIND = Kind(
    key="catch_hook",
    label=gettext_lazy("Catch hook (Zapier, Make, n8n)"),
    auth="secret_url",
    reads=("metric",),
    pages=gettext_lazy("receives posts; nothing to pull"),
    settings=(),
    fetch=None,
)
