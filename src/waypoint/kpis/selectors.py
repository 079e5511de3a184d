"""Reads of KPIs: the board's rows in a bounded number of queries, whatever the KPI count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waypoint.lib import charts
from waypoint.lib import kpi as maths
from waypoint.okrs import selectors as okr_selectors
from waypoint.workspaces.models import Member, Workspace

from .models import Annotation, Deviation, DeviationResponse, Kpi, KpiPlan

STATUS_LABELS = {
    maths.HEALTHY: gettext_lazy("Healthy"),
    maths.WARNING: gettext_lazy("Warning"),
    maths.CRITICAL: gettext_lazy("Critical"),
}

SPARK_PERIODS = 12


def visible_annotations(workspace: Workspace, member: Member | None) -> QuerySet[Annotation]:
    """Annotations the member may read: a note on a key result follows its objective's
    visibility (``member=None``: a share link, which sees no private one)."""
    return Annotation.objects.filter(workspace=workspace).filter(
        okr_selectors.visible_through(member, "key_result")
    )


# How far back 12 periods reach, per frequency (a little more for month lengths).
WINDOW_DAYS = {maths.DAILY: 12, maths.WEEKLY: 12 * 7, maths.MONTHLY: 372, maths.QUARTERLY: 1100}


@dataclass
class KpiRow:
    kpi: Kpi
    periods: list[maths.Period] = field(default_factory=list)
    open_deviation: Deviation | None = None

    @property
    def latest(self) -> maths.Period | None:
        return self.periods[-1] if self.periods else None

    @property
    def status(self) -> str | None:
        """The stored status of the KPI's latest period (``kpi_evaluate`` keeps it), which the
        board also counts and filters by."""
        return self.kpi.status or None

    @property
    def spark(self) -> str:
        return charts.sparkline_points([p.value for p in self.periods[-SPARK_PERIODS:]])


def kpis_list(workspace: Workspace) -> QuerySet[Kpi]:
    return Kpi.objects.filter(workspace=workspace).select_related(
        "owner__user", "team", "process", "serves"
    )


def board_rows(kpis: list[Kpi]) -> list[KpiRow]:
    """Each KPI with its recent periods, as ``kpis.services.kpi_evaluate`` stored them with
    its status, and its open deviation: one query, and no data point read."""
    open_devs = {
        d.kpi_id: d
        for d in Deviation.objects.filter(kpi__in=[k.pk for k in kpis], closed_on__isnull=True)
    }
    return [
        KpiRow(kpi=k, periods=maths.from_stored(k.recent), open_deviation=open_devs.get(k.pk))
        for k in kpis
    ]


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS[status]) if status else _("No data yet")


def chart_spec(
    kpi: Kpi,
    periods: list[maths.Period],
    annotations,
    *,
    forecast: dict | None = None,
    pace: bool = False,
) -> dict:
    """The KPI's chart (Vega-Lite) in the active language: its periods judged, its bands and
    target, its annotations; the forecast, or (with ``pace``) the running period's pace."""
    said = {status: status_label(status) for status in {p.status for p in periods}}
    return charts.kpi_chart(
        periods=[
            {
                "date": p.start.isoformat(),
                "value": p.value,
                "status": p.status,
                "status_label": said[p.status],  # translated once a status, not a period
                **({"pace": p.pace} if pace and p.pace is not None else {}),
            }
            for p in periods
        ],
        direction=kpi.direction,
        target=kpi.target,
        thresholds={
            "warning": kpi.warning,
            "critical": kpi.critical,
            "warning_high": kpi.warning_high,
            "critical_high": kpi.critical_high,
        },
        annotations=[{"date": a.date.isoformat(), "text": a.text} for a in annotations],
        forecast=forecast,
        earlier=[
            {"until": p.until.isoformat(), **{f: getattr(p, f) for f in KpiPlan.PLAN_FIELDS}}
            for p in kpi.plans.all()
        ],
        labels={
            "date": _("Date"),
            "value": kpi.unit or _("Value"),
            "target": _("Target"),
            "forecast": _("Forecast"),
            "pace": _("On pace for"),
            "status": _("Status"),
            "annotation": _("Annotation"),
        },
    )


# --- Which responses worked (seed 002) ----------------------------------------------------


@dataclass
class OutcomeRow:
    """One process or team: per response, how many worked, did not, or wait for a verdict."""

    name: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def cell(self, kind: str) -> dict[str, int]:
        return self.counts.get(kind, {})

    @property
    def cells(self) -> list[dict]:
        out = []
        for kind in Deviation.Response.values:
            c = self.cell(kind)
            judged = c.get("worked", 0) + c.get("failed", 0)
            out.append(
                {
                    "kind": kind,
                    "label": Deviation.Response(kind).label,
                    "worked": c.get("worked", 0),
                    "failed": c.get("failed", 0),
                    "pending": c.get("", 0),
                    "rate": round(100 * c.get("worked", 0) / judged) if judged else None,
                }
            )
        return out


def response_outcomes(
    workspace: Workspace, start: dt.date, end: dt.date, by: str
) -> list[OutcomeRow]:
    """Responses chosen from ``start`` to ``end``, counted per verdict and response, grouped
    ``by`` "process" or "team" of their KPI: one grouped query whatever their number.
    Responses replaced by another before their verdict are left out."""
    group = {"process": "deviation__kpi__process__name", "team": "deviation__kpi__team__name"}[by]
    rows: dict[str, OutcomeRow] = {}
    counted = (
        DeviationResponse.objects.filter(
            workspace=workspace, chosen_on__gte=start, chosen_on__lte=end
        )
        .exclude(verdict=DeviationResponse.Verdict.REPLACED)
        .values(group, "kind", "verdict")
        .annotate(n=Count("id"))
        .order_by(group)
    )
    for r in counted:
        name = r[group] or ""
        row = rows.setdefault(name, OutcomeRow(name))
        row.counts.setdefault(r["kind"], {})[r["verdict"]] = r["n"]
    return sorted(rows.values(), key=lambda r: (r.name == "", r.name.lower()))
