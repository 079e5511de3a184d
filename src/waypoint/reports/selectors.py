"""A report's content, read from the workspace for its period; charts as Vega-Lite specs
(drawn in the browser) and as SVG (for the PDF, made by vl-convert without a browser)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import translation

from waypoint.kpis import selectors as kpi_selectors
from waypoint.kpis.models import DataPoint, Deviation, DeviationResponse, Kpi
from waypoint.lib import charts
from waypoint.lib import kpi as maths
from waypoint.lib.pdf import html_to_pdf
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import Cycle, Objective

from .models import Report


def report_context(report: Report, *, svg: bool = False, language: str = "en") -> dict:
    """What the report templates need: the content, and the charts' locale."""
    locale = charts.vega_locale(language)
    return {
        "report": report,
        "ws": report.workspace,
        **report_content(report, svg_locale=locale if svg else None),
        "blocks": report_blocks(report, svg_locale=locale if svg else None),
        "chart_locale": locale,
    }


def report_blocks(report: Report, *, svg_locale: dict | None = None) -> list[dict]:
    """The blocks of the report's dashboard (from its template), as a share link reads them
    (no private objective, no person); each chart drawn as SVG too for the PDF."""
    if report.dashboard_id is None:
        return []
    from . import dashboards

    ws = report.workspace
    blocks = dashboards.content(report.dashboard, None, min(ws.today(), report.period_end))
    if svg_locale is not None:
        import vl_convert

        for block in blocks:
            if block.get("spec"):
                block["svg"] = vl_convert.vegalite_to_svg(
                    {**block["spec"], "width": 460},
                    format_locale=svg_locale["formatLocale"],
                    time_format_locale=svg_locale["timeFormatLocale"],
                )
    return blocks


def report_pdf(report: Report, language: str) -> bytes:
    """The report as a PDF in ``language`` (charts as SVG: no browser on the server)."""
    with translation.override(language):
        html = render_to_string(
            "reports/print.html",
            {**report_context(report, svg=True, language=language), "pdf": True},
        )
    return html_to_pdf(html)


# A report covers everything while that stays small; past these, the company's objectives
# and the teams and KPIs chosen for it (so that a PDF of 10,000 people stays a few pages).
ALL_OBJECTIVES_UP_TO = 60
ALL_KPIS_UP_TO = 24


def report_scope(report: Report, cycles) -> dict:
    """The objectives and KPIs a report shows, as querysets, and how many there are in all."""
    ws = report.workspace
    base = Objective.objects.filter(workspace=ws, cycle__in=cycles, private=False).exclude(
        status=Objective.Status.ARCHIVED
    )
    total = base.count()
    chosen_teams = report.teams.all()
    if chosen_teams.exists():
        of_teams = Objective.teams.through.objects.filter(team__in=chosen_teams)
        objectives = base.filter(
            Q(level=Objective.Level.COMPANY) | Q(pk__in=of_teams.values("objective_id"))
        )
    elif total > ALL_OBJECTIVES_UP_TO:
        objectives = base.filter(level=Objective.Level.COMPANY)
    else:
        objectives = base
    kpis = Kpi.objects.filter(workspace=ws).order_by("name")
    chosen_kpis = report.kpis.all()
    all_kpis = kpis.count()
    if chosen_kpis.exists():
        kpis = kpis.filter(pk__in=chosen_kpis.values("pk"))
    elif all_kpis > ALL_KPIS_UP_TO:
        kpis = kpis.filter(pk__in=kpis.values("pk")[:ALL_KPIS_UP_TO])
    return {"objectives": objectives, "kpis": kpis, "totals": (total, all_kpis)}


def report_content(report: Report, *, svg_locale: dict | None = None) -> dict:
    """The period's OKRs, KPIs with their chart specs, deviations and annotations; given
    ``svg_locale`` (from ``charts.vega_locale``), each chart also drawn as SVG in it."""
    ws = report.workspace
    start, end = report.period_start, report.period_end
    # The report sees its period as of the close of its last day.
    today = min(ws.today(), end + dt.timedelta(days=1))
    cycles = list(
        Cycle.objects.filter(workspace=ws, start__lte=end, end__gte=start).order_by("start")
    )
    scope = report_scope(report, cycles)
    rows = okr_selectors.rows_for(_krs_prefetched(scope["objectives"]), end)
    # A section left out of the report is not computed (its charts are the costly part).
    shown = report.shown_sections
    kpis = (
        # With the process each belongs to: the funnel groups them by it.
        list(scope["kpis"].select_related("process").prefetch_related("plans"))
        if "kpis" in shown or "funnel" in shown
        else []
    )
    points: dict[int, list] = {k.pk: [] for k in kpis}
    for kpi_id, day, value in (
        DataPoint.objects.filter(kpi__in=[k.pk for k in kpis], date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("kpi_id", "date", "value")
    ):
        points[kpi_id].append((day, value))
    # A report goes to clients: it holds what a share link may show, no private objective.
    notes = list(
        kpi_selectors.visible_annotations(ws, None)
        .filter(date__gte=start, date__lte=end)
        .filter(Q(kpi__in=scope["kpis"]) | Q(key_result__objective__in=scope["objectives"]))
        .select_related("kpi", "key_result")
        .order_by("date")
    )
    kpi_items = []
    for k in kpis:
        if not points[k.pk]:
            continue
        periods = maths.periods(
            points[k.pk],
            frequency=k.frequency,
            method=k.aggregation,
            thresholds=k.schedule,
            today=today,
        )
        item = {"kpi": k, "latest": periods[-1], "sid": f"kpi-{k.pk}"}
        if "kpis" not in shown:
            kpi_items.append(item)  # for the funnel alone: no chart drawn
            continue
        spec = kpi_selectors.chart_spec(
            k, periods, [a for a in notes if a.kpi_id == k.pk], pace=True
        )
        item["spec"] = spec
        if svg_locale is not None:
            import vl_convert

            item["svg"] = vl_convert.vegalite_to_svg(
                {**spec, "width": 460},
                format_locale=svg_locale["formatLocale"],
                time_format_locale=svg_locale["timeFormatLocale"],
            )
        kpi_items.append(item)
    # A deviation belongs to the period whose data breached, whenever it was noticed.
    deviations = list(
        Deviation.objects.filter(workspace=ws, kpi__in=scope["kpis"], period_start__lte=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))
        .select_related("kpi")
        .prefetch_related(
            Prefetch(
                "responses",
                queryset=DeviationResponse.objects.filter(chosen_on__lte=end).select_related(
                    "chosen_by__user",  # who chose it, shown beside it
                    "executor__user",
                    "executor_before__user",
                    "plan_before",
                    "initiative__owner__user",
                    "initiative__source",  # its live state, shown beside it
                ),
            )
        )
    )
    # Seed 003's marketing funnel: each process's staged KPIs, as the period left them.
    funnels = []
    if "funnel" in shown:
        from . import dashboards

        by_process: dict = {}
        for item in sorted(kpi_items, key=lambda i: (i["kpi"].stage_position, i["kpi"].name)):
            if item["kpi"].process_id and item["kpi"].stage:
                by_process.setdefault(item["kpi"].process, []).append(
                    (item["kpi"], item["latest"].value)
                )
        for process, measured in sorted(by_process.items(), key=lambda p: p[0].name):
            stages = dashboards.funnel_stages(measured)
            if len(stages) < 2:
                continue
            funnel = {
                "process": process,
                "stages": stages,
                "spec": dashboards.funnel_chart(stages),
                "sid": f"funnel-{process.pk}",
            }
            if svg_locale is not None:
                import vl_convert

                funnel["svg"] = vl_convert.vegalite_to_svg(
                    {**funnel["spec"], "width": 460},
                    format_locale=svg_locale["formatLocale"],
                    time_format_locale=svg_locale["timeFormatLocale"],
                )
            funnels.append(funnel)
    if "kpis" not in shown:
        kpi_items = []
    return {
        "cycles": cycles,
        "rows": rows,
        "kpis": kpi_items,
        "funnels": funnels,
        "annotations": notes,
        "deviations": deviations,
        "left_out": {
            "objectives": scope["totals"][0] - len(rows),
            "kpis": scope["totals"][1] - len(kpis),
        },
    }


def dashboard_cycle(ws, today) -> Cycle | None:
    """The cycle the live dashboard shows: the one marked current, else the one around today."""
    return (
        okr_selectors.current_cycle(ws)
        or Cycle.objects.filter(workspace=ws, start__lte=today, end__gte=today)
        .order_by("end")
        .first()
    )


def dashboard_content(ws, today) -> dict:
    """The live dashboard of a share link, from current data: the cycle's objectives that are
    neither private nor archived, and every KPI's recent periods. Queries: about ten, whatever
    the number of objectives, key results, check-ins, KPIs or data points."""

    cycle = dashboard_cycle(ws, today)
    rows = []
    if cycle is not None:
        objectives = _krs_prefetched(
            Objective.objects.filter(workspace=ws, cycle=cycle, private=False).exclude(
                status=Objective.Status.ARCHIVED
            )
        )
        order = {Objective.Level.COMPANY: 0, Objective.Level.TEAM: 1, Objective.Level.INDIVIDUAL: 2}
        rows = okr_selectors.rows_for(objectives, today)
        rows.sort(key=lambda r: (order.get(r.objective.level, 3), r.objective.position))
    kpis = kpi_selectors.board_rows(list(Kpi.objects.filter(workspace=ws).order_by("name")))
    return {"cycle": cycle, "rows": rows, "kpis": kpis, "today": today}


def active_links(ws, *, kind: str):
    from django.utils import timezone

    from .models import ShareLink

    return ShareLink.objects.filter(
        workspace=ws, kind=kind, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def _krs_prefetched(objectives):
    """Objectives with their cycle and key results, as reports and share links show them:
    neither owner nor teams, which their rows do not show."""
    from waypoint.okrs.models import KeyResult

    krs = KeyResult.objects.order_by("position", "id")
    return (
        objectives.select_related("cycle")
        .prefetch_related(Prefetch("key_results", queryset=krs))
        .order_by("cycle__start", "position")
    )
