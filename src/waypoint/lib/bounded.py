"""Bounded readers for input from outside: YAML, JSON and zip containers (XLSX).

Each refuses input past its limits before it costs memory or time: YAML aliases (a 300-byte
alias bomb expands to gigabytes), nesting deeper than a document needs, more nodes than a
document of that size can hold, JSON constants that are not numbers (NaN, Infinity), and
zip archives whose members would unpack to far more than they weigh. The limits are
arguments; the callers pick them for the door the input comes through.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Iterator
from typing import Any

import yaml

_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LimitExceeded(ValueError):
    """Input past a limit. ``what`` names the limit, ``limit`` its value, ``line`` where."""

    def __init__(self, what: str, limit: int | float, line: int = 1):
        super().__init__(f"{what} (limit {limit})")
        self.what, self.limit, self.line = what, limit, line


# --- YAML -------------------------------------------------------------------------------------


def check_yaml(text: str, *, max_depth: int, max_nodes: int) -> None:
    """Walk the YAML events once (libyaml, no objects built): refuse aliases, nesting deeper
    than ``max_depth`` and more than ``max_nodes`` scalars and collections. Syntax errors are
    left to the real parse, which reports them with their line."""
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=_FastLoader):
            if isinstance(event, yaml.AliasEvent):
                raise LimitExceeded("aliases", 0, event.start_mark.line + 1)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise LimitExceeded("depth", max_depth, event.start_mark.line + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > max_nodes:
                    raise LimitExceeded("nodes", max_nodes, event.start_mark.line + 1)
    except yaml.YAMLError:
        return


def yaml_nodes(text: str) -> Iterator[tuple[yaml.Node, Any]]:
    """Each document of a checked stream as (node, data), composed once by libyaml."""
    loader = _FastLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield node, loader.construct_document(node)
    finally:
        loader.dispose()


# --- JSON -------------------------------------------------------------------------------------


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def json_loads(data: bytes | str) -> Any:
    """json.loads without NaN, Infinity or numbers that overflow to infinity; nesting past
    what the decoder handles is a ValueError, not a RecursionError."""
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ValueError("the document is nested too deeply") from exc


# --- Zip containers (XLSX) --------------------------------------------------------------------


def check_zip(
    data: bytes, *, max_total: int, max_members: int = 1_000, max_ratio: int = 200
) -> None:
    """Refuse an archive whose members unpack past ``max_total`` bytes, whose members
    number more than ``max_members``, or compress better than ``max_ratio`` to one (a zip
    bomb); the sizes are read from the archive's directory, nothing is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: the reader says so in its own words
    members = archive.infolist()
    if len(members) > max_members:
        raise LimitExceeded("members", max_members)
    total = 0
    for member in members:
        total += member.file_size
        if total > max_total:
            raise LimitExceeded("uncompressed size", max_total)
        if member.file_size > 1_000_000 and member.file_size > max_ratio * max(
            member.compress_size, 1
        ):
            raise LimitExceeded("compression ratio", max_ratio)


class Unreadable(ValueError):
    """Not a file of the expected kind at all."""


XLSX_MAX_UNPACKED = 200 * 1024 * 1024


def xlsx_rows(data: bytes, *, max_rows: int, max_columns: int = 64) -> list[list]:
    """The first sheet's rows (values, not formulas), at most ``max_rows`` + 1 of them and
    ``max_columns`` wide whatever the sheet claims its dimensions are; a zip bomb is refused
    before anything is unpacked."""
    from openpyxl import load_workbook

    check_zip(data, max_total=XLSX_MAX_UNPACKED)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise Unreadable(str(exc)) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(max_col=max_columns, values_only=True):
            rows.append(list(row))
            if len(rows) > max_rows + 1:
                break
        return rows
    except Exception as exc:
        raise Unreadable(str(exc)) from exc
    finally:
        book.close()
