"""Step 1 of reading an OKR file (see ``okrfile``): YAML or JSON syntax, bounded in size,
depth and values, with the line of every value. Nothing here touches the database, so the
coach's ``waypoint lint`` reads files without loading the application.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from waypoint.lib import bounded

Path = tuple[str | int, ...]


class OkrFileError(Exception):
    """Bad input. ``errors`` holds one line per problem: ``file:line: field: message``."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# --- Step 1: parse, keeping the line of every value ------------------------------------------


@dataclass
class ParsedDocument:
    data: Any
    lines: dict[Path, int]
    index: int = 0  # position in a multi-document stream

    def line_of(self, path: Path) -> int:
        """The line of the value at ``path``, or of the nearest enclosing value."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


@dataclass(frozen=True)
class Limits:
    """How much of a document is read. A file given on the command line is the operator's
    own; a document sent to the web or the API is anyone's, and gets the tighter limits."""

    max_bytes: int
    max_depth: int = 32
    max_nodes: int = 5_000_000
    max_objectives: int = 100_000


FILE_LIMITS = Limits(max_bytes=256 * 1024 * 1024)
UPLOAD_LIMITS = Limits(max_bytes=1024 * 1024, max_nodes=200_000, max_objectives=2_000)


def parse(
    text: str, filename: str = "<input>", limits: Limits = FILE_LIMITS
) -> list[ParsedDocument]:
    """Every document of a YAML (or JSON) stream, with line numbers; OkrFileError if broken
    or past ``limits`` (aliases are never accepted: the format has no use for them)."""
    if len(text) > limits.max_bytes:
        raise OkrFileError([f"{filename}:1: (document): larger than {limits.max_bytes} bytes"])
    try:
        pairs = bounded.yaml_documents(text, max_depth=limits.max_depth, max_nodes=limits.max_nodes)
    except bounded.LimitExceeded as exc:
        message = {
            "aliases": "YAML aliases (*name) are not accepted",
            "depth": f"nested deeper than {exc.limit} levels",
            "nodes": f"more than {exc.limit} values",
        }[exc.what]
        raise OkrFileError([f"{filename}:{exc.line}: (document): {message}"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise OkrFileError([f"{filename}:{line}: (syntax): malformed YAML: {problem}"]) from exc
    objectives = sum(
        len(d.get("objectives") or []) if isinstance(d, dict) else 0
        for data, _lines in pairs
        for d in (data if isinstance(data, list) else [data])
        if isinstance(d, dict) and isinstance(d.get("objectives"), list)
    )
    if objectives > limits.max_objectives:
        raise OkrFileError(
            [f"{filename}:1: (objectives): more than {limits.max_objectives} objectives"]
        )
    docs = []
    for i, (data, lines) in enumerate(pairs):
        if data is None:
            continue
        if isinstance(data, list):  # a JSON export of several cycles is a list of documents
            per_item: dict[int, dict[Path, int]] = {j: {} for j in range(len(data))}
            for path, line in lines.items():
                if path:
                    per_item[path[0]][path[1:]] = line
            for j, item in enumerate(data):
                docs.append(ParsedDocument(item, per_item[j], len(docs)))
            continue
        docs.append(ParsedDocument(data, lines, i))
    if not docs:
        raise OkrFileError([f"{filename}:1: (document): the file holds no OKR document"])
    return docs
