"""CSV by address: a published Google Sheet (File, Share, Publish to web, CSV) or any CSV link.

Columns are chosen by their header's name or by number (1 is the first); without a choice
the first column is the date and the second the value. The separator (comma, semicolon or
tab) is guessed from the first line.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waypoint.kpis import importing

from ..base import Call, Kind, Result, Setting, SourceError


def _column(header: list[str], chosen: str, fallback: int) -> int:
    chosen = (chosen or "").strip()
    if not chosen:
        return fallback
    if chosen.isdigit() and int(chosen) >= 1:
        return int(chosen) - 1
    names = [h.strip().lower() for h in header]
    if chosen.lower() in names:
        return names.index(chosen.lower())
    raise SourceError(
        _("The file has no column “%(name)s”; its columns are: %(names)s.")
        % {"name": chosen, "names": ", ".join(h.strip() for h in header[:20])}
    )


def read(text: str, date_column: str, value_column: str) -> list:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else ";" if ";" in first else ","
    try:
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise SourceError(_("The file is not a readable CSV file.")) from exc
    if not table:
        raise SourceError(_("The file is empty."))
    named = bool((date_column or "").strip() and not date_column.strip().isdigit()) or bool(
        (value_column or "").strip() and not value_column.strip().isdigit()
    )
    date_at = _column(table[0], date_column, 0)
    value_at = _column(table[0], value_column, 1)
    body = table[1:] if named else table
    pairs = [
        [row[date_at] if date_at < len(row) else "", row[value_at] if value_at < len(row) else ""]
        for row in body
    ]
    parsed = importing.parse_table(pairs)
    if parsed.errors:
        more = len(parsed.errors) - 1
        raise SourceError(parsed.errors[0] + (f" (+{more})" if more else ""))
    return parsed.rows


def fetch(call: Call) -> Result:
    response = call.client.send("GET", call["url"], headers={"Accept": "text/csv, */*"})
    try:
        text = response.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(_("The file is not UTF-8 text.")) from exc
    if text.lstrip().startswith("<"):
        raise SourceError(
            _(
                "The address answers a web page, not CSV: publish the sheet as CSV and use "
                "that link."
            )
        )
    return Result(points=read(text, call["date_column"], call["value_column"]))


KIND = Kind(
    key="csv_url",
    label=gettext_lazy("CSV by address (Google Sheets)"),
    auth="none",
    reads=("metric",),
    pages=gettext_lazy("one file, up to 1 MB"),
    settings=(
        Setting(
            "url",
            gettext_lazy("Address of the CSV"),
            help=gettext_lazy("A Google Sheet published to the web as CSV, or any CSV link."),
        ),
        Setting(
            "date_column",
            gettext_lazy("Date column"),
            required=False,
            help=gettext_lazy("A header's name or a number; 1 when empty."),
        ),
        Setting(
            "value_column",
            gettext_lazy("Value column"),
            required=False,
            help=gettext_lazy("A header's name or a number; 2 when empty."),
        ),
    ),
    fetch=fetch,
)
