"""Bounded readers for input from outside: YAML, JSON and zip containers (XLSX).

Each refuses input past its limits before it costs memory or time: YAML aliases (a 300-byte
alias bomb expands to gigabytes), nesting deeper than a document needs, more nodes than a
document of that size can hold, JSON constants that are not numbers (NaN, Infinity), and
zip archives whose members would unpack to far more than they weigh. The limits are
arguments; the callers pick them for the door the input comes through.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import zipfile
from typing import Any

import yaml

_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LimitExceeded(ValueError):
    """Input past a limit. ``what`` names the limit, ``limit`` its value, ``line`` where."""

    def __init__(self, what: str, limit: int | float, line: int = 1):
        super().__init__(f"{what} (limit {limit})")
        self.what, self.limit, self.line = what, limit, line


# --- YAML -------------------------------------------------------------------------------------


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MERGE = object()  # the merge key (<<) of a mapping being built
_NO_KEY = object()  # a mapping waiting for its next key
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_IMMUTABLE = (str, int, float, bool, type(None), bytes, dt.date)
_PLAIN: dict[str, Any] = {}  # plain scalar text → its value: most values of a file repeat


def _refuse(message: str, mark) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, mark)


def _scalar(event: yaml.ScalarEvent) -> Any:
    """The value of one scalar, as PyYAML's safe loader constructs it (``_MERGE`` for <<)."""
    tag, value = event.tag, event.value
    untagged = tag is None or tag == "!"
    cacheable = untagged and event.implicit[0]
    if cacheable and value in _PLAIN:
        return _PLAIN[value]
    if untagged:
        tag = _resolver.resolve(yaml.ScalarNode, value, event.implicit)
    if tag == _STR_TAG:
        out: Any = value
    elif tag == _MERGE_TAG:
        return _MERGE
    else:
        construct = _constructor.yaml_constructors.get(tag)
        if construct is None or tag in (_MAP_TAG, _SEQ_TAG):
            raise _refuse(f"no constructor for the tag {tag!r}", event.start_mark)
        out = construct(_constructor, yaml.ScalarNode(tag, value, event.start_mark))
    if cacheable and isinstance(out, _IMMUTABLE):
        if len(_PLAIN) >= 50_000:
            _PLAIN.clear()
        _PLAIN[value] = out
    return out


def yaml_documents(
    text: str, *, max_depth: int, max_nodes: int
) -> list[tuple[Any, dict[tuple, int]]]:
    """Every document of a YAML stream as (data, lines), in one pass over libyaml's events.

    ``lines`` maps the path of every value (mapping keys as written, sequence indexes) to
    its line. Aliases, nesting deeper than ``max_depth`` and more than ``max_nodes`` scalars
    and collections are refused (LimitExceeded) as soon as they are read, before anything
    is built past them. Values are those of PyYAML's safe loader, merge keys (<<) included;
    tags on collections (sets, ordered maps) and collections used as keys are refused: an
    OKR document has no use for them. Syntax errors are PyYAML's, with their marks.
    """
    docs: list[tuple[Any, dict[tuple, int]]] = []
    lines: dict[tuple, int] = {}
    # One frame per open collection: [container, path, pending key, merges, key as written]
    stack: list[list] = []
    root: Any = None
    nodes = 0

    loader = _FastLoader(text)
    next_event = loader.get_event
    while (event := next_event()) is not None:
        kind = type(event)
        if kind is yaml.AliasEvent:
            raise LimitExceeded("aliases", 0, event.start_mark.line + 1)
        starts = kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent
        if kind is yaml.ScalarEvent or starts:
            nodes += 1
            if nodes > max_nodes:
                raise LimitExceeded("nodes", max_nodes, event.start_mark.line + 1)
            frame = stack[-1] if stack else None
            if frame is not None and frame[2] is _NO_KEY and type(frame[0]) is dict:
                # A mapping's key: remembered until its value arrives.
                if starts:
                    raise _refuse("a mapping key must be a plain value", event.start_mark)
                frame[2], frame[4] = _scalar(event), event.value
                continue
            if frame is None:
                path: tuple = ()
            elif type(frame[0]) is list:
                path = (*frame[1], len(frame[0]))
            else:
                path = (*frame[1], str(frame[4]))
            lines[path] = event.start_mark.line + 1
            if starts:
                if len(stack) >= max_depth:
                    raise LimitExceeded("depth", max_depth, event.start_mark.line + 1)
                if event.tag not in (None, "!", _MAP_TAG, _SEQ_TAG):
                    raise _refuse(f"the tag {event.tag!r} is not accepted", event.start_mark)
                container: Any = {} if kind is yaml.MappingStartEvent else []
                stack.append([container, path, _NO_KEY, [], None])
                continue
            value = _scalar(event)
            if value is _MERGE:
                raise _refuse("a merge key (<<) is only a key", event.start_mark)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value, _path, _key, merges, _text = stack.pop()
            for merged in merges:  # explicit keys win; earlier merged mappings win
                for mapping in merged if type(merged) is list else [merged]:
                    if type(mapping) is not dict:
                        raise _refuse("a merge key (<<) takes mappings", event.start_mark)
                    for k, v in mapping.items():
                        value.setdefault(k, v)
        elif kind is yaml.DocumentStartEvent:
            lines, root = {}, None
            continue
        elif kind is yaml.DocumentEndEvent:
            docs.append((root, lines))
            continue
        else:
            continue
        # A finished value: into its container, or the document's root.
        if not stack:
            root = value
        elif type(stack[-1][0]) is list:
            stack[-1][0].append(value)
        else:
            frame = stack[-1]
            if frame[2] is _MERGE:
                frame[3].append(value)
            else:
                frame[0][frame[2]] = value
            frame[2] = _NO_KEY
    return docs


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
