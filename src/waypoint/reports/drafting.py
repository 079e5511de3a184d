"""A report's summary drafted from its period's data, in the workspace's language: what moved,
what breached and recovered, which responses worked, and the period's annotations. The
agency edits it before it goes out (or sends it as it is when its schedule says so).

Every part reads a bounded number of rows: the report's scope (``selectors.report_scope``)
and its dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waypoint.kpis.models import Deviation, DeviationResponse
from waypoint.kpis.selectors import visible_annotations
from waypoint.lib import scoring
from waypoint.okrs.models import CheckIn, Cycle, KeyResult

from .models import Report
from .selectors import report_scope

MOVES_SHOWN = 3  # key results that moved most, up and down
NAMES_SHOWN = 5  # KPIs named in a sentence; the rest are counted


@dataclass(frozen=True)
class Move:
    title: str
    before: float
    after: float


def draft_summary(report: Report) -> str:
    """The summary of the report's period, as paragraphs, in the workspace's language."""
    ws = report.workspace
    start, end = report.period_start, report.period_end
    cycles = list(Cycle.objects.filter(workspace=ws, start__lte=end, end__gte=start))
    scope = report_scope(report, cycles)
    with translation.override(ws.language):
        parts = [
            _moves(scope["objectives"], start, end),
            _breaches(scope["kpis"], ws, start, end),
            _responses(scope["kpis"], ws, start, end),
            _external(scope, ws, start, end),
        ]
    return "\n\n".join(p for p in parts if p)


def _pct(x: float) -> str:
    return f"{number_format(round(100 * x), 0)} %"


def _moves(objectives, start: dt.date, end: dt.date) -> str:
    """Key results whose progress changed most in the period, from their check-ins."""
    krs = {
        kr.pk: kr
        for kr in KeyResult.objects.filter(objective__in=objectives).exclude(
            type=KeyResult.Type.MILESTONE
        )
    }
    if not krs:
        return ""
    before: dict[int, float] = {}
    after: dict[int, float] = {}
    for kr_id, day, value in (
        CheckIn.objects.filter(key_result__in=list(krs), date__lte=end)
        .order_by("key_result", "date", "id")
        .values_list("key_result", "date", "value")
    ):
        (before if day < start else after)[kr_id] = value
    moves = []
    for kr_id, value in after.items():
        kr = krs[kr_id]
        was = before.get(kr_id, kr.start)
        progress = [
            scoring.kr_progress(
                kr.type, start=kr.start, target=kr.target, current=v, direction=kr.direction
            )
            for v in (was, value)
        ]
        if None not in progress and progress[0] != progress[1]:
            moves.append(Move(kr.title, *progress))
    if not moves:
        return _("No key result moved in this period.")
    up = sorted((m for m in moves if m.after > m.before), key=lambda m: m.before - m.after)
    down = sorted((m for m in moves if m.after < m.before), key=lambda m: m.after - m.before)
    lines = []
    if up:
        lines.append(
            _("Moved forward: %(list)s.")
            % {
                "list": "; ".join(
                    _("%(kr)s, from %(a)s to %(b)s") % _m(m) for m in up[:MOVES_SHOWN]
                )
            }
        )
    if down:
        lines.append(
            _("Slipped back: %(list)s.")
            % {
                "list": "; ".join(
                    _("%(kr)s, from %(a)s to %(b)s") % _m(m) for m in down[:MOVES_SHOWN]
                )
            }
        )
    return " ".join(lines)


def _m(m: Move) -> dict:
    return {"kr": f"“{m.title}”", "a": _pct(m.before), "b": _pct(m.after)}


def _names(kpis: list[str]) -> str:
    shown = ", ".join(f"“{k}”" for k in kpis[:NAMES_SHOWN])
    rest = len(kpis) - NAMES_SHOWN
    if rest > 0:
        shown += " " + ngettext("and %(n)s more", "and %(n)s more", rest) % {"n": rest}
    return shown


def _breaches(kpis, ws, start: dt.date, end: dt.date) -> str:
    """Deviations that opened in the period, and those that closed."""
    rows = list(
        Deviation.objects.filter(workspace=ws, kpi__in=kpis)
        .filter(
            Q(opened_on__gte=start, opened_on__lte=end)
            | Q(closed_on__gte=start, closed_on__lte=end)
        )
        .select_related("kpi")
        .order_by("level", "opened_on")  # critical first
    )
    opened = [d.kpi.name for d in rows if start <= d.opened_on <= end]
    closed = [d.kpi.name for d in rows if d.closed_on and start <= d.closed_on <= end]
    if not opened and not closed:
        return _("Every KPI stayed within its thresholds.")
    lines = []
    if opened:
        lines.append(
            ngettext(
                "%(n)s KPI left its band: %(names)s.",
                "%(n)s KPIs left their band: %(names)s.",
                len(opened),
            )
            % {"n": len(opened), "names": _names(opened)}
        )
    if closed:
        lines.append(
            ngettext("%(n)s came back: %(names)s.", "%(n)s came back: %(names)s.", len(closed))
            % {"n": len(closed), "names": _names(closed)}
        )
    return " ".join(lines)


def _responses(kpis, ws, start: dt.date, end: dt.date) -> str:
    """Responses judged in the period: which worked and which did not (seed 002)."""
    judged = list(
        DeviationResponse.objects.filter(
            workspace=ws,
            deviation__kpi__in=kpis,
            judged_on__gte=start,
            judged_on__lte=end,
            verdict__in=[DeviationResponse.Verdict.WORKED, DeviationResponse.Verdict.FAILED],
        )
        .select_related("deviation__kpi")
        .order_by("judged_on", "id")[: 2 * NAMES_SHOWN]
    )
    lines = []
    for r in judged:
        values = {"response": r.get_kind_display(), "kpi": r.deviation.kpi.name}
        if r.verdict == DeviationResponse.Verdict.WORKED:
            lines.append(_("“%(response)s” brought “%(kpi)s” back into its band.") % values)
        else:
            lines.append(
                _("“%(response)s” did not bring “%(kpi)s” back; another response was asked for.")
                % values
            )
    return " ".join(lines)


def _external(scope, ws, start: dt.date, end: dt.date) -> str:
    """The period's annotations: external factors, campaigns, changes of method."""
    notes = list(
        visible_annotations(ws, None)
        .filter(date__gte=start, date__lte=end)
        .filter(Q(kpi__in=scope["kpis"]) | Q(key_result__objective__in=scope["objectives"]))
        .order_by("date", "id")[: 2 * NAMES_SHOWN]
    )
    if not notes:
        return ""
    return _("Worth knowing: %(notes)s.") % {
        "notes": "; ".join(f"{n.text} ({n.date.isoformat()})" for n in notes)
    }
