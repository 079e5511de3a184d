"""Linting OKR files: the coach over YAML or JSON documents, without a database.

The documents are read leniently (a draft may lack targets or owners: that is what the
coach is for); only unreadable input is refused.
"""

from __future__ import annotations

import json

from waypoint.okrs import okrparse

from . import rules


class LintInputError(Exception):
    pass


def _number(value):
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _text(value) -> str:
    return "" if value is None else str(value)


def objectives_from_document(doc: dict) -> list[rules.Objective]:
    out = []
    items = doc.get("objectives") or []
    if not isinstance(items, list):
        raise LintInputError("objectives must be a list")
    for i, o in enumerate(items):
        if not isinstance(o, dict):
            raise LintInputError(f"objectives[{i}] must be a mapping")
        krs = []
        for kr in o.get("key_results") or []:
            if isinstance(kr, str):
                kr = {"title": kr}
            if not isinstance(kr, dict):
                raise LintInputError(f"objectives[{i}].key_results holds a non-mapping")
            krs.append(
                rules.KR(
                    title=_text(kr.get("title")),
                    type=kr.get("type"),
                    target=_number(kr.get("target")),
                    owner=kr.get("owner"),
                    team=kr.get("team"),
                )
            )
        out.append(
            rules.Objective(
                key=_text(o.get("id") or o.get("title") or f"#{i + 1}"),
                title=_text(o.get("title")),
                why=_text(o.get("why")),
                owner=o.get("owner"),
                level=_text(o.get("level") or "team"),
                kind=_text(o.get("kind") or "aspirational"),
                teams=tuple(_text(t) for t in (o.get("teams") or [])),
                parent=_text(o["aligns_to"]) if o.get("aligns_to") else None,
                key_results=tuple(krs),
            )
        )
    return out


def lint_text(
    text: str,
    filename: str = "<input>",
    settings: rules.Settings | None = None,
    limits: okrparse.Limits = okrparse.FILE_LIMITS,
) -> list[rules.Finding]:
    try:
        parsed = okrparse.parse(text, filename, limits)
    except okrparse.OkrFileError as exc:
        raise LintInputError("\n".join(exc.errors)) from exc
    findings = []
    for doc in parsed:
        if not isinstance(doc.data, dict):
            raise LintInputError(f"{filename}: an OKR document is a mapping")
        objectives = objectives_from_document(doc.data)
        findings += rules.run(
            rules.Context(objectives=objectives, settings=settings or rules.Settings())
        )
    return findings


def as_json(findings: list[rules.Finding], titles: dict[str, str] | None = None) -> list[dict]:
    """The public shape: rule, severity, objective (id or title), key_result, message."""
    out = []
    for f in findings:
        # By hand: ``dataclasses.asdict`` deep-copies, which costs more than the rules.
        row = {
            "rule": f.rule,
            "severity": f.severity,
            "objective": f.objective,
            "key_result": f.key_result,
            "message": f.message,
        }
        if f.kpi is not None:
            row["kpi"] = f.kpi
        out.append(row)
    return out


def dumps(findings) -> str:
    """A JSON array, one finding per line: readable and diffable, and written by the C
    encoder (``indent`` would switch json to its pure-Python one, ten times slower)."""
    rows = [json.dumps(row, ensure_ascii=False) for row in as_json(findings)]
    return "[\n  " + ",\n  ".join(rows) + "\n]\n" if rows else "[]\n"
