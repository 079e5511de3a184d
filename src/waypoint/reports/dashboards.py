"""Dashboards: a workspace's saved pages of blocks, their checks and their content.

A block is a KPI's chart, the funnel of a process (seed 003's marketing funnel: the KPIs of
its stages, in stage order, with the share each stage keeps of the one before), the
current cycle's OKR progress, the open deviations, the latest annotations, or a text. The
content is read from what is stored (each KPI's recent periods, kept by the KPI services),
in a few queries whatever the number of blocks; a reader sees what the one visibility rule
lets them see, a share link what a share link may (no private objective, no person).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from waypoint.kpis import selectors as kpi_selectors
from waypoint.kpis.models import Deviation, Kpi, Process
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import Objective
from waypoint.okrs.templatetags.okrs import num
from waypoint.workspaces import audit

from .models import Dashboard

TEXT_MAX = 2000
LIST_ROWS = 10


# --- Writes -----------------------------------------------------------------------------------


def check_blocks(workspace, blocks) -> list[dict]:
    """The blocks as stored: known types, their KPI or process in the workspace, text
    bounded; at most ``Dashboard.MAX_BLOCKS``."""
    if not isinstance(blocks, list):
        raise ValidationError({"blocks": _("Blocks are a list.")})
    if len(blocks) > Dashboard.MAX_BLOCKS:
        raise ValidationError(
            {
                "blocks": _("At most %(n)s blocks: make a second dashboard.")
                % {"n": Dashboard.MAX_BLOCKS}
            }
        )
    kpis = set(Kpi.objects.filter(workspace=workspace).values_list("pk", flat=True))
    processes = set(Process.objects.filter(workspace=workspace).values_list("pk", flat=True))
    out = []
    for block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in Dashboard.BLOCKS:
            raise ValidationError({"blocks": _("Unknown block.")})
        if kind == "kpi":
            if block.get("kpi") not in kpis:
                raise ValidationError({"kpi": _("Choose a KPI of this workspace.")})
            out.append({"type": kind, "kpi": block["kpi"]})
        elif kind == "funnel":
            if block.get("process") not in processes:
                raise ValidationError({"process": _("Choose a process of this workspace.")})
            out.append({"type": kind, "process": block["process"]})
        elif kind == "text":
            text = str(block.get("text") or "").strip()
            if not text:
                raise ValidationError({"text": _("Write the text.")})
            out.append({"type": kind, "text": text[:TEXT_MAX]})
        else:
            out.append({"type": kind})
    return out


@transaction.atomic
def dashboard_save(*, workspace, actor, dashboard: Dashboard | None = None, **fields) -> Dashboard:
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": _("Name the dashboard.")})
        taken = Dashboard.objects.filter(workspace=workspace, name=fields["name"])
        if dashboard is not None:
            taken = taken.exclude(pk=dashboard.pk)
        if taken.exists():
            raise ValidationError({"name": _("A dashboard of this name exists.")})
    if "blocks" in fields:
        fields["blocks"] = check_blocks(workspace, fields["blocks"])
    if "refresh_seconds" in fields and not 30 <= int(fields["refresh_seconds"]) <= 3600:
        raise ValidationError({"refresh_seconds": _("Between 30 seconds and an hour.")})
    if dashboard is None:
        dashboard = Dashboard(workspace=workspace, share_key=get_random_string(32))
        fields.setdefault("blocks", [])
    return audit.save_changes(
        dashboard, actor=actor, action="dashboard.save", workspace=workspace, fields=fields
    )


@transaction.atomic
def dashboard_delete(*, dashboard: Dashboard, actor) -> None:
    audit.record(
        workspace=dashboard.workspace,
        actor=actor,
        action="dashboard.delete",
        obj=dashboard,
        before=audit.snapshot(dashboard),
    )
    dashboard.delete()


# --- Reads ------------------------------------------------------------------------------------


def funnel_chart(stages: list[dict]) -> dict:
    """A funnel (Vega-Lite): one bar a stage, centred, narrowing, with its value and the
    share it keeps of the stage before."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": max(40 * len(stages), 80),
        "data": {"values": stages},
        "transform": [
            {"calculate": "-datum.value / 2", "as": "start"},
            {"calculate": "datum.value / 2", "as": "end"},
        ],
        "layer": [
            {
                "mark": {"type": "bar", "cornerRadius": 3},
                "encoding": {
                    "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
                    "x": {"field": "start", "type": "quantitative", "axis": None},
                    "x2": {"field": "end"},
                    "color": {"value": "#1d4ed8"},
                    "tooltip": [
                        {"field": "label", "type": "nominal", "title": _("Stage")},
                        {"field": "value", "type": "quantitative", "title": _("Value")},
                        {"field": "kept", "type": "nominal", "title": _("Of the stage before")},
                    ],
                },
            },
            {
                # The figure beside its bar, so that a narrow stage still shows it.
                "mark": {"type": "text", "align": "left", "dx": 6, "fontWeight": "bold"},
                "encoding": {
                    "y": {"field": "label", "type": "nominal", "sort": None},
                    "x": {"field": "end", "type": "quantitative"},
                    "text": {"field": "caption"},
                },
            },
        ],
        "config": {"view": {"stroke": None}},
    }


def funnel_stages(measured: list[tuple[Kpi, float | None]]) -> list[dict]:
    """A funnel's bars from its KPIs (in stage order) and their values: one bar a stage, the
    stage's largest measure (its volume; a stage may also carry a KPI of its inputs, such as
    articles written), each with the share it keeps of the bar before. A KPI where lower is
    better (a response time, a cost) measures how a stage runs, not how many pass: no bar."""
    best: dict[str, tuple[float, Kpi]] = {}
    order: list[str] = []
    for k, value in measured:
        if value is None or not k.stage or k.direction == Kpi.Direction.LOWER:
            continue
        if k.stage not in best:
            order.append(k.stage)
        if k.stage not in best or value > best[k.stage][0]:
            best[k.stage] = (value, k)
    stages, before = [], None
    for stage in order:
        value, k = best[stage]
        kept = f"{round(100 * value / before)} %" if before else "—"
        stages.append(
            {
                "label": stage,
                "kpi": k.name,
                "value": value,
                "kept": kept,
                "caption": num(value) + (f" · {kept}" if before else ""),
            }
        )
        before = value or None
    return stages


def _kpi_rows(workspace, ids) -> dict[int, kpi_selectors.KpiRow]:
    found = list(Kpi.objects.filter(workspace=workspace, pk__in=ids).prefetch_related("plans"))
    return {row.kpi.pk: row for row in kpi_selectors.board_rows(found)}


def content(dashboard: Dashboard, member, today: dt.date) -> list[dict]:
    """Each block with what it shows. ``member=None``: a share link (no private objective,
    no person's name)."""
    ws = dashboard.workspace
    blocks = dashboard.blocks
    kpi_ids = {b["kpi"] for b in blocks if b["type"] == "kpi"}
    process_ids = {b["process"] for b in blocks if b["type"] == "funnel"}
    stage_kpis: dict[int, list[Kpi]] = {}
    if process_ids:
        for k in (
            Kpi.objects.filter(workspace=ws, process__in=process_ids)
            .exclude(stage="")
            .order_by("stage_position", "name")
        ):
            stage_kpis.setdefault(k.process_id, []).append(k)
            kpi_ids.add(k.pk)
    rows = _kpi_rows(ws, kpi_ids) if kpi_ids else {}
    processes = {p.pk: p for p in Process.objects.filter(pk__in=process_ids)} if process_ids else {}
    kinds = {b["type"] for b in blocks}
    notes = (
        list(kpi_selectors.visible_annotations(ws, member).filter(kpi__in=kpi_ids).order_by("date"))
        if "kpi" in kinds
        else []
    )
    out = []
    for index, block in enumerate(blocks):
        item = {
            "type": block["type"],
            "index": index,
            "sid": f"block-{index}",
            "spec_id": f"block-{index}-spec",
        }
        if block["type"] == "kpi":
            row = rows.get(block["kpi"])
            if row is None:
                continue  # deleted since
            item.update(
                kpi=row.kpi,
                latest=row.periods[-1] if row.periods else None,
                spec=kpi_selectors.chart_spec(
                    row.kpi, row.periods, [a for a in notes if a.kpi_id == row.kpi.pk], pace=True
                )
                if row.periods
                else None,
            )
        elif block["type"] == "funnel":
            process = processes.get(block["process"])
            if process is None:
                continue
            stages = funnel_stages(
                [
                    (k, rows[k.pk].periods[-1].value)
                    for k in stage_kpis.get(process.pk, [])
                    if k.pk in rows and rows[k.pk].periods
                ]
            )
            item.update(
                process=process, stages=stages, spec=funnel_chart(stages) if stages else None
            )
        elif block["type"] == "okrs":
            cycle = okr_selectors.current_cycle(ws)
            objectives = Objective.objects.filter(workspace=ws, cycle=cycle).exclude(
                status=Objective.Status.ARCHIVED
            )
            objectives = objectives.filter(okr_selectors.visible_q(member))
            item.update(
                cycle=cycle,
                objectives=list(objectives.order_by("level", "position", "id")[:LIST_ROWS]),
            )
        elif block["type"] == "deviations":
            item["deviations"] = list(
                Deviation.objects.filter(workspace=ws, closed_on__isnull=True)
                .select_related("kpi")
                .order_by("-opened_on")[:LIST_ROWS]
            )
        elif block["type"] == "annotations":
            item["annotations"] = list(
                kpi_selectors.visible_annotations(ws, member)
                .select_related("kpi", "key_result")
                .order_by("-date", "-id")[:LIST_ROWS]
            )
        else:
            item["text"] = block["text"]
        out.append(item)
    return out
