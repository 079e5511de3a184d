"""Reading KPI data points from CSV, XLSX or pasted text: every row checked, errors by row.

Nothing is written here: the caller shows a preview and, only when every row is valid,
hands the rows to ``services.data_points_record`` in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from waypoint.lib import bounded

MAX_ROWS = 100_000
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


@dataclass
class Parsed:
    rows: list[tuple[dt.date, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped_header: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def parse_date(cell) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = str(cell or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_number(cell) -> float | None:
    """123, 123.5, 123,5, 1 234,5, 1,234.5 and 12% all read as numbers."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    text = _SPACES.sub("", str(cell or "")).rstrip("%")
    if not text:
        return None
    if "," in text and "." in text:
        # The last separator is the decimal one: 1,234.5 or 1.234,5.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def parse_table(table: list[list]) -> Parsed:
    """Rows of [date, value] cells; an unreadable first row is taken for a header."""
    out = Parsed()
    seen: dict[dt.date, int] = {}
    if len(table) > MAX_ROWS:
        out.errors.append(
            _("The file has %(n)s rows; at most %(max)s are read at once.")
            % {"n": len(table), "max": MAX_ROWS}
        )
        return out
    for index, cells in enumerate(table, start=1):
        cells = [c for c in cells]
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        if len(cells) < 2:
            out.errors.append(_("Row %(row)s: needs a date and a value.") % {"row": index})
            continue
        day, value = parse_date(cells[0]), parse_number(cells[1])
        if index == 1 and day is None and value is None:
            out.skipped_header = True
            continue
        if day is None:
            out.errors.append(
                _("Row %(row)s, column 1: “%(cell)s” is not a date (use 2026-01-31 or 31.01.2026).")
                % {"row": index, "cell": str(cells[0])[:40]}
            )
            continue
        if value is None:
            out.errors.append(
                _("Row %(row)s, column 2: “%(cell)s” is not a number.")
                % {"row": index, "cell": str(cells[1])[:40]}
            )
            continue
        if day in seen:
            out.errors.append(
                _("Row %(row)s: the date %(date)s is already on row %(first)s.")
                % {"row": index, "date": day.isoformat(), "first": seen[day]}
            )
            continue
        seen[day] = index
        out.rows.append((day, value))
    if not out.rows and not out.errors:
        out.errors.append(_("No data rows found."))
    return out


def parse_text(text: str) -> Parsed:
    """Pasted lines or CSV text; the separator (tab, semicolon or comma) is guessed."""
    sample = text[:2000]
    delimiter = "\t" if "\t" in sample else ";" if ";" in sample else ","
    if delimiter == ",":
        # "2026-01-05, 12,5" is ambiguous with a comma separator: only the first comma splits.
        table = [line.split(",", 1) for line in text.splitlines()]
    else:
        try:
            table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error:
            return Parsed(errors=[_("The file is not a readable CSV file.")])
    return parse_table(table)


def parse_xlsx(data: bytes) -> Parsed:
    try:
        table = bounded.xlsx_rows(data, max_rows=MAX_ROWS, max_columns=2)
    except bounded.LimitExceeded:
        return Parsed(errors=[_("The XLSX file unpacks to more than 200 MB.")])
    except bounded.Unreadable:
        return Parsed(errors=[_("This is not a readable XLSX file.")])
    return parse_table(table)


def parse_upload(name: str, data: bytes) -> Parsed:
    if name.lower().endswith(".xlsx"):
        return parse_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Parsed(errors=[_("The file is not UTF-8 text; save it as CSV UTF-8 or XLSX.")])
    return parse_text(text)
