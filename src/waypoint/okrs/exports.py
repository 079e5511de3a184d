"""A cycle as a table (CSV and XLSX for spreadsheets, safe against formula injection) and as
a printable document (PDF)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db.models import QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from waypoint.lib import scoring
from waypoint.lib.pdf import html_to_pdf
from waypoint.workspaces.models import Team

from . import selectors
from .models import Cycle, Objective

# A cell starting with one of these is run as a formula by spreadsheet programs, the
# fullwidth forms included (some programs fold them to ASCII), also after leading spaces.
_FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")


def neutralise(value):
    """Text a spreadsheet would execute gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and (
        value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START)
    ):
        return "'" + value
    return value


def columns() -> list[tuple[str, str]]:
    return [
        ("cycle", _("Cycle")),
        ("objective_id", _("Objective id")),
        ("objective", _("Objective")),
        ("level", _("Level")),
        ("kind", _("Kind")),
        ("objective_owner", _("Owner")),
        ("teams", _("Teams")),
        ("objective_score", _("Objective score")),
        ("key_result", _("Key result")),
        ("type", _("Type")),
        ("start", _("Start")),
        ("target", _("Target")),
        ("current", _("Current")),
        ("unit", _("Unit")),
        ("progress", _("Progress")),
        ("score", _("Score")),
        ("confidence", _("Confidence")),
        ("kr_owner", _("Key result owner")),
    ]


def cycle_rows(cycle: Cycle, objectives=None) -> list[dict]:
    """One row per key result (and one for an objective without any)."""
    ws = cycle.workspace
    if objectives is None:
        objectives = selectors.objectives_of_cycle(ws, cycle)
    objectives = [o for o in objectives if o.status != Objective.Status.ARCHIVED]
    # Who owns each key result, for all of them at once (a no-op where the queryset
    # brought them already).
    prefetch_related_objects([kr for o in objectives for kr in o.key_results.all()], "owner__user")
    rows = []
    for o in objectives:
        base = {
            "cycle": cycle.name,
            "objective_id": o.ref or o.pk,
            "objective": o.title,
            "level": o.level,
            "kind": o.kind,
            "objective_owner": o.owner.user.email if o.owner_id else "",
            "teams": ", ".join(t.name for t in o.teams.all()),
            "objective_score": round(o.score, 4),
        }
        krs = list(o.key_results.all())
        if not krs:
            rows.append(base)
        for kr in krs:
            rows.append(
                {
                    **base,
                    "key_result": kr.title,
                    "type": kr.type,
                    "start": kr.start,
                    "target": kr.target,
                    "current": kr.current_value,
                    "unit": kr.unit,
                    "progress": round(kr.progress, 4),
                    "score": round(kr.score, 4),
                    "confidence": kr.current_confidence or "",
                    "kr_owner": kr.owner.user.email if kr.owner_id else "",
                }
            )
    return rows


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    cols = columns()
    writer = csv.writer(out)
    writer.writerow([label for _key, label in cols])
    for row in rows:
        writer.writerow([neutralise(row.get(key, "")) for key, _label in cols])
    return out.getvalue()


def to_xlsx(rows: list[dict], title: str = "OKRs") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "OKRs"
    cols = columns()
    sheet.append([label for _key, label in cols])
    for row in rows:
        sheet.append([neutralise(row.get(key)) for key, _label in cols])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- The printable cycle ----------------------------------------------------------------------


def cycle_document(cycle: Cycle, objectives: QuerySet[Objective], *, today: dt.date) -> dict:
    """What the printed cycle shows: its score, then the objectives grouped as on the overview
    (company, each team, people), each with its key results.

    ``objectives`` is a queryset like ``selectors.objectives_with_details`` (visibility already
    applied, key results prefetched); the queries do not grow with the number of objectives.
    """
    ws = cycle.workspace
    objectives = objectives.filter(cycle=cycle).exclude(status=Objective.Status.ARCHIVED)
    rows = selectors.rows_for(objectives, today)
    company, team_groups, no_team, individual = selectors.group_rows(
        rows, Team.objects.filter(workspace=ws)
    )
    groups = [
        (_("Company"), company),
        *[(team.name, team_rows) for team, team_rows in team_groups],
        (_("Teams (no team set)"), no_team),
        (_("Individuals"), individual),
    ]
    # A cross-team objective sits under each of its teams, as on the overview; it is printed
    # in full once, then as one line that says where its key results are.
    first_seen: dict[int, str] = {}
    sections = []
    for title, group in groups:
        entries = []
        for row in group:
            entries.append({"row": row, "shown_under": first_seen.get(row.objective.pk)})
            first_seen.setdefault(row.objective.pk, title)
        if entries:
            sections.append({"title": title, "entries": entries})
    # The cycle's score is the company's, as on the overview; without company objectives,
    # that of every objective shown.
    basis = company or rows
    return {
        "ws": ws,
        "cycle": cycle,
        "today": today,
        "sections": sections,
        "company_basis": bool(company),
        "score": scoring.weighted_mean((r.score, 1) for r in basis) if basis else None,
        "progress": scoring.weighted_mean((r.progress, 1) for r in basis) if basis else None,
        "expected": scoring.expected_progress(cycle.start, cycle.end, today),
        "objective_count": len(rows),
        "kr_count": sum(len(r.krs) for r in rows),
    }


def to_pdf(cycle: Cycle, objectives: QuerySet[Objective], *, today: dt.date) -> bytes:
    """The cycle as an A4 PDF, in the active language."""
    html = render_to_string("okrs/cycle_print.html", cycle_document(cycle, objectives, today=today))
    return html_to_pdf(html)
