"""A spreadsheet as plain data: the header and the rows of a CSV or XLSX file.

Nothing here knows what the columns mean; the mapping step (``plans``) decides that.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from waypoint.lib import bounded

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 64


class TableError(Exception):
    """The file cannot be read as a table at all (the message says why)."""


@dataclass
class Table:
    header: list[str]
    rows: list[list] = field(default_factory=list)

    def column_name(self, index: int) -> str:
        """How a person finds the column in their spreadsheet: its letter and its header."""
        letter = column_letter(index)
        title = self.header[index] if index < len(self.header) else ""
        return f"{letter} ({title})" if title else letter


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the spreadsheet's own name for a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _clean(cell):
    if isinstance(cell, str):
        return cell.strip()
    return cell


def _table(raw: list[list]) -> Table:
    raw = [[_clean(c) for c in row] for row in raw]
    while raw and not any(c not in (None, "") for c in raw[-1]):
        raw.pop()
    if not raw:
        raise TableError(_("The file is empty."))
    if len(raw) - 1 > MAX_ROWS:
        raise TableError(
            _("The file has %(n)s rows; at most %(max)s are read at once.")
            % {"n": len(raw) - 1, "max": MAX_ROWS}
        )
    header = ["" if c is None else str(c) for c in raw[0]]
    width = max(len(r) for r in raw)
    header += [""] * (width - len(header))
    rows = [r + [None] * (width - len(r)) for r in raw[1:]]
    if not any(header):
        raise TableError(_("The first row must name the columns."))
    return Table(header=header, rows=rows)


def read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(_("The file is not UTF-8 text; save it as CSV UTF-8 or XLSX.")) from exc
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if "\t" in sample else ";" if ";" in sample else ","
    try:
        return _table(list(csv.reader(io.StringIO(text), delimiter=delimiter)))
    except csv.Error as exc:
        raise TableError(_("The file is not a readable CSV file.")) from exc


def read_xlsx(data: bytes) -> Table:
    try:
        return _table(bounded.xlsx_rows(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS))
    except bounded.LimitExceeded as exc:
        raise TableError(_("The XLSX file unpacks to more than 200 MB.")) from exc
    except bounded.Unreadable as exc:
        raise TableError(_("This is not a readable XLSX file.")) from exc


def read(name: str, data: bytes) -> Table:
    """The table of an uploaded file, chosen by its name: .xlsx, else CSV (any separator)."""
    if len(data) > MAX_BYTES:
        raise TableError(_("The file is larger than 20 MB."))
    if name.lower().endswith(".xlsx"):
        return read_xlsx(data)
    if name.lower().endswith(".xls"):
        raise TableError(_("Old .xls files cannot be read: save the sheet as XLSX or CSV."))
    return read_csv(data)
