"""What the columns of an imported table mean, and what importing it would do.

``guess`` proposes a mapping from the header row (in any of the four languages, including
the column names of Waypoint's own CSV/XLSX export, so an export edited in a spreadsheet
comes back without mapping anything); ``plan_okrs`` and ``plan_points`` read every row
through a mapping and return either errors naming row and column, or the work to do.
Nothing here writes: ``services.upload_run`` does, chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from waypoint.kpis.importing import parse_date, parse_number
from waypoint.kpis.models import DataPoint, Kpi
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import CheckIn, Cycle, KeyResult, Objective
from waypoint.okrs.okrfile import OkrDocument
from waypoint.okrs.validation import checkin_value_errors, kr_definition_errors
from waypoint.workspaces.models import Member, Team, Workspace

from .tables import Table

OKRS = "okrs"
DATA_POINTS = "data_points"
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool = False
    also: tuple = ()  # other headers that mean this field


def okr_fields() -> list[Field]:
    # The labels of the shared keys are those of okrs/exports.py: an export maps itself.
    return [
        Field("cycle", gettext_lazy("Cycle")),
        Field("objective_id", gettext_lazy("Objective id")),
        Field("objective", gettext_lazy("Objective"), required=True),
        Field("why", gettext_lazy("Why")),
        Field("level", gettext_lazy("Level")),
        Field("kind", gettext_lazy("Kind")),
        Field("objective_owner", gettext_lazy("Owner"), also=(gettext_lazy("Objective owner"),)),
        Field("teams", gettext_lazy("Teams"), also=(gettext_lazy("Team"),)),
        Field("aligns_to", gettext_lazy("Aligns to")),
        Field("key_result", gettext_lazy("Key result")),
        Field("type", gettext_lazy("Type")),
        Field("start", gettext_lazy("Start")),
        Field("target", gettext_lazy("Target")),
        Field("unit", gettext_lazy("Unit")),
        Field("weight", gettext_lazy("Weight")),
        Field("current", gettext_lazy("Current")),
        Field("confidence", gettext_lazy("Confidence")),
        Field("kr_owner", gettext_lazy("Key result owner")),
    ]


def point_fields() -> list[Field]:
    return [
        Field("kpi", gettext_lazy("KPI")),
        Field("date", gettext_lazy("Date"), required=True),
        Field("value", gettext_lazy("Value"), required=True),
    ]


def fields_for(kind: str) -> list[Field]:
    return okr_fields() if kind == OKRS else point_fields()


def _norm(text) -> str:
    return re.sub(r"[\s_\-.:]+", " ", str(text or "")).strip().lower()


@lru_cache(maxsize=4)
def _aliases(kind: str) -> dict[str, str]:
    """Normalised header → field key, from the labels in every language and the keys."""
    out: dict[str, str] = {}
    for lang in ("en", "ru", "zh-hans", "pl"):
        with translation.override(lang):
            for f in fields_for(kind):
                for label in (f.label, *f.also):
                    out.setdefault(_norm(str(label)), f.key)
    for f in fields_for(kind):
        out.setdefault(_norm(f.key), f.key)
    return out


def guess(kind: str, header: list[str]) -> dict[str, int | None]:
    """Each field's column, where a header names it; the first such column wins."""
    aliases = _aliases(kind)
    mapping: dict[str, int | None] = {f.key: None for f in fields_for(kind)}
    for index, title in enumerate(header):
        key = aliases.get(_norm(title))
        if key and mapping[key] is None:
            mapping[key] = index
    return mapping


# --- Reading cells ------------------------------------------------------------------------


@dataclass
class RowError:
    row: int | None
    column: str
    value: str
    message: str


@dataclass
class Plan:
    kind: str
    errors: list[RowError] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    preview_header: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    docs: list[OkrDocument] = field(default_factory=list)
    points: dict[int, list[tuple[dt.date, float]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.rows > 0


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    return str(cell).strip()


@lru_cache(maxsize=16)
def _choice_names(choices_cls) -> dict[str, str]:
    """Value and label in every language → value ("Rośnie", "增长", "increase" → increase)."""
    out = {}
    for value, label in choices_cls.choices:
        out[_norm(value)] = value
        for lang in ("en", "ru", "zh-hans", "pl"):
            with translation.override(lang):
                out[_norm(str(label))] = value
    return out


class _Reader:
    """One table through one mapping: cells by field key, errors by row and column."""

    def __init__(self, table: Table, mapping: dict[str, int | None]):
        self.table = table
        self.mapping = {k: v for k, v in mapping.items() if v is not None}
        self.errors: list[RowError] = []
        self._cells_in_error: set[tuple[int | None, int | None]] = set()

    def has(self, key: str) -> bool:
        return key in self.mapping

    def cell(self, cells: list, key: str):
        index = self.mapping.get(key)
        return None if index is None or index >= len(cells) else cells[index]

    def text(self, cells: list, key: str) -> str:
        return _text(self.cell(cells, key))

    def error(self, row: int | None, key: str | None, message: str, cells=None) -> None:
        """One error per cell: the first problem found there is the one to fix."""
        index = self.mapping.get(key) if key else None
        if row is not None and (row, index) in self._cells_in_error:
            return
        self._cells_in_error.add((row, index))
        self.errors.append(
            RowError(
                row=row,
                column=self.table.column_name(index) if index is not None else "",
                value=_text(self.cell(cells, key))[:80] if cells is not None and key else "",
                message=str(message),
            )
        )

    def number(self, row: int, cells: list, key: str) -> float | None:
        raw = self.cell(cells, key)
        if _text(raw) == "":
            return None
        value = parse_number(raw)
        if value is None:
            self.error(
                row, key, _("“%(cell)s” is not a number.") % {"cell": _text(raw)[:40]}, cells
            )
        return value

    def choice(self, row: int, cells: list, key: str, choices_cls) -> str | None:
        raw = self.text(cells, key)
        if not raw:
            return None
        value = _choice_names(choices_cls).get(_norm(raw))
        if value is None:
            self.error(
                row,
                key,
                _("“%(cell)s” is not one of: %(choices)s.")
                % {"cell": raw[:40], "choices": ", ".join(str(c.label) for c in choices_cls)},
                cells,
            )
        return value

    def named(self, row, cells, key, known: dict, default, *, unknown: str, missing: str):
        """The record a cell names (by lower-case name), else the default; None and an error
        when the name is unknown or there is neither."""
        name = self.text(cells, key)
        found = known.get(name.lower()) if name else default
        if found is None:
            self.error(row, key, unknown if name else missing, cells)
        return found

    def rows(self):
        """(row number as the spreadsheet shows it, cells) of every non-empty data row."""
        for number, cells in enumerate(self.table.rows, start=2):
            if any(_text(c) for c in cells):
                yield number, cells


def _check_required(kind: str, reader: _Reader) -> bool:
    missing = [f for f in fields_for(kind) if f.required and not reader.has(f.key)]
    for f in missing:
        reader.error(None, None, _("Choose the column for “%(field)s”.") % {"field": f.label})
    return not missing


def _preview(reader: _Reader, kind: str) -> tuple[list[str], list[list[str]]]:
    used = [f for f in fields_for(kind) if reader.has(f.key)]
    header = [str(f.label) for f in used]
    body = []
    for number, cells in reader.rows():
        body.append([str(number)] + [reader.text(cells, f.key) for f in used])
        if len(body) == PREVIEW_ROWS:
            break
    return header, body


# --- OKRs ---------------------------------------------------------------------------------

_OBJECTIVE_KEYS = {
    "id": "objective_id",
    "title": "objective",
    "why": "why",
    "level": "level",
    "owner": "objective_owner",
    "teams": "teams",
    "kind": "kind",
    "aligns_to": "aligns_to",
}
_KR_KEYS = {
    "title": "key_result",
    "type": "type",
    "start": "start",
    "target": "target",
    "unit": "unit",
    "owner": "kr_owner",
    "weight": "weight",
    "checkins": "current",
}
_KR_VALUE_KEYS = ("type", "start", "target", "unit", "weight", "current", "confidence", "kr_owner")


@dataclass
class _Group:
    row: int
    cycle: Cycle
    fields: dict
    key_results: list[tuple[int, dict]] = field(default_factory=list)


def plan_okrs(
    table: Table,
    mapping: dict[str, int | None],
    *,
    workspace: Workspace,
    cycle: Cycle | None,
    by_email: str | None,
    today: dt.date,
) -> Plan:
    """Rows grouped into objectives (by id, else by title) with their key results.

    A cell left empty, or a column not mapped, leaves what exists alone; a current value
    that differs from the key result's becomes a check-in dated today.
    """
    plan = Plan(kind=OKRS)
    reader = _Reader(table, mapping)
    if not _check_required(OKRS, reader):
        plan.errors = reader.errors
        return plan
    cycles = {c.name.lower(): c for c in Cycle.objects.filter(workspace=workspace)}
    emails = {
        e.lower(): e
        for e in Member.objects.filter(workspace=workspace).values_list("user__email", flat=True)
    }
    teams = {
        n.lower(): n
        for n in Team.objects.filter(workspace=workspace).values_list("name", flat=True)
    }

    def email(row, cells, key) -> str | None:
        raw = reader.text(cells, key)
        if not raw:
            return None
        if raw.lower() not in emails:
            reader.error(row, key, _("No member of this workspace has this e-mail address."), cells)
            return None
        return emails[raw.lower()]

    groups: dict[tuple[int, str], _Group] = {}
    for row, cells in reader.rows():
        plan.rows += 1
        row_cycle = reader.named(
            row,
            cells,
            "cycle",
            cycles,
            cycle,
            unknown=_("There is no cycle with this name."),
            missing=_("Choose a cycle, or map a column that names it."),
        )
        if row_cycle is None:
            continue
        title = reader.text(cells, "objective")
        if not title:
            reader.error(row, "objective", _("Every row needs an objective."), cells)
            continue
        ref = reader.text(cells, "objective_id")
        key = (row_cycle.pk, f"id:{ref}" if ref else f"title:{title.lower()}")
        given: dict = {"title": title}
        if ref:
            given["id"] = ref
        for doc_key in ("why",):
            if reader.text(cells, doc_key):
                given[doc_key] = reader.text(cells, doc_key)
        for doc_key, cls in (("level", Objective.Level), ("kind", Objective.Kind)):
            value = reader.choice(row, cells, doc_key, cls)
            if value:
                given[doc_key] = value
        owner = email(row, cells, "objective_owner")
        if owner:
            given["owner"] = owner
        if reader.text(cells, "teams"):
            names = [n.strip() for n in re.split(r"[,;]", reader.text(cells, "teams")) if n.strip()]
            unknown = [n for n in names if n.lower() not in teams]
            if unknown:
                reader.error(
                    row,
                    "teams",
                    _("No team named %(names)s.") % {"names": ", ".join(unknown)},
                    cells,
                )
            given["teams"] = [teams[n.lower()] for n in names if n.lower() in teams]
        if reader.text(cells, "aligns_to"):
            given["aligns_to"] = reader.text(cells, "aligns_to")
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(row=row, cycle=row_cycle, fields=given)
        else:
            for k, v in given.items():  # a later row may fill what the first left empty
                group.fields.setdefault(k, v)
        kr_title = reader.text(cells, "key_result")
        if not kr_title:
            filled = [k for k in _KR_VALUE_KEYS if reader.text(cells, k)]
            if filled:
                reader.error(row, "key_result", _("Key result values without a key result."), cells)
            continue
        kr: dict = {"title": kr_title}
        kr_type = reader.choice(row, cells, "type", KeyResult.Type)
        if kr_type:
            kr["type"] = kr_type
        for k in ("start", "target", "weight", "current"):
            value = reader.number(row, cells, k)
            if value is not None:
                kr[k] = value
        if reader.text(cells, "unit"):
            kr["unit"] = reader.text(cells, "unit")
        confidence = reader.choice(row, cells, "confidence", CheckIn.Confidence)
        if confidence:
            kr["confidence"] = confidence
        kr_owner = email(row, cells, "kr_owner")
        if kr_owner:
            kr["owner"] = kr_owner
        if any(t["title"].lower() == kr_title.lower() for _r, t in group.key_results):
            reader.error(
                row, "key_result", _("This objective already has this key result above."), cells
            )
            continue
        group.key_results.append((row, kr))
    plan.preview_header, plan.preview = _preview(reader, OKRS)
    if groups:
        _build_documents(plan, reader, list(groups.values()), workspace, by_email, today)
    plan.errors = reader.errors
    if plan.rows == 0 and not plan.errors:
        plan.errors.append(RowError(None, "", "", _("No data rows found.")))
    return plan


def _build_documents(plan, reader, groups, workspace, by_email, today) -> None:
    """One OKR document per cycle, existing values filling what the table leaves out."""
    by_cycle: dict[int, list[_Group]] = {}
    for g in groups:
        by_cycle.setdefault(g.cycle.pk, []).append(g)
    refs = {
        (cycle_name, ref)
        for cycle_name, ref in Objective.objects.filter(workspace=workspace)
        .exclude(ref="")
        .values_list("cycle__name", "ref")
    }
    counts = dict.fromkeys(
        ("objectives_new", "objectives_updated", "krs_new", "krs_updated", "checkins"), 0
    )
    for cycle_groups in by_cycle.values():
        cycle = cycle_groups[0].cycle
        existing = list(okr_selectors.objectives_of_cycle(workspace, cycle))
        by_ref = {o.ref: o for o in existing if o.ref}
        by_title = {o.title.lower(): o for o in existing}
        file_ids = {g.fields["id"] for g in cycle_groups if "id" in g.fields}
        objectives = []
        origins: list[tuple[_Group, list[int]]] = []
        for g in cycle_groups:
            f = g.fields
            obj = by_ref.get(f["id"]) if "id" in f else by_title.get(f["title"].lower())
            counts["objectives_updated" if obj else "objectives_new"] += 1
            doc = {
                "title": f["title"],
                "why": f.get("why", obj.why if obj else ""),
                "level": f.get("level", obj.level if obj else Objective.Level.TEAM),
                "kind": f.get("kind", obj.kind if obj else Objective.Kind.ASPIRATIONAL),
                "owner": f.get("owner", obj.owner.user.email if obj and obj.owner_id else None),
                "teams": f.get("teams", [t.name for t in obj.teams.all()] if obj else []),
                "status": obj.status if obj else Objective.Status.ACTIVE,
                "private": obj.private if obj else False,
            }
            ref = f.get("id") or (obj.ref if obj and obj.ref else None)
            if ref:
                doc["id"] = ref
            target = f.get("aligns_to")
            if target:
                if target == ref:
                    reader.error(g.row, "aligns_to", _("An objective cannot align to itself."))
                elif "/" in target or target in file_ids:
                    doc["aligns_to"] = target
                elif (cycle.name, target) in refs:
                    doc["aligns_to"] = f"{cycle.name}/{target}"
                else:
                    parent = next((c for c, r in sorted(refs) if r == target), None)
                    if parent is None:
                        reader.error(g.row, "aligns_to", _("No objective has this id."))
                    else:
                        doc["aligns_to"] = f"{parent}/{target}"
            krs_existing = {kr.title.lower(): kr for kr in obj.key_results.all()} if obj else {}
            kr_docs, kr_rows = [], []
            for row, k in g.key_results:
                kr = krs_existing.get(k["title"].lower())
                counts["krs_updated" if kr else "krs_new"] += 1
                kr_doc = {
                    "title": kr.title if kr else k["title"],
                    "type": k.get("type", kr.type if kr else KeyResult.Type.INCREASE),
                    "start": k.get("start", kr.start if kr else None),
                    "target": k.get("target", kr.target if kr else None),
                    "unit": k.get("unit", kr.unit if kr else ""),
                    "weight": k.get("weight", kr.weight if kr else 1.0),
                    "owner": k.get("owner", kr.owner.user.email if kr and kr.owner_id else None),
                }
                if kr:
                    kr_doc.update(
                        team=kr.team.name if kr.team_id else None,
                        scoring=kr.scoring,
                        direction=kr.direction,
                        driven_by_children=kr.driven_by_children,
                    )
                for name, message in kr_definition_errors(
                    type=kr_doc["type"],
                    start=kr_doc["start"],
                    target=kr_doc["target"],
                    weight=kr_doc["weight"],
                ).items():
                    if not kr_doc.get("driven_by_children"):
                        reader.error(row, _KR_KEYS.get(name, "target"), message)
                current = k.get("current")
                confidence = k.get("confidence")
                was = (kr.current_value, kr.current_confidence) if kr else (None, None)
                if current is None and confidence is not None:
                    current = was[0]
                if current is not None and (current, confidence or was[1]) != was:
                    for _name, message in checkin_value_errors(
                        type=kr_doc["type"], value=current
                    ).items():
                        reader.error(row, "current", message)
                    kr_doc["checkins"] = [
                        {
                            "date": today,
                            "value": current,
                            "confidence": confidence or was[1] or CheckIn.Confidence.ON_TRACK,
                            "by": by_email,
                        }
                    ]
                    counts["checkins"] += 1
                kr_docs.append(kr_doc)
                kr_rows.append(row)
            doc["key_results"] = kr_docs
            objectives.append(doc)
            origins.append((g, kr_rows))
        data = {
            "cycle": {
                "name": cycle.name,
                "start": cycle.start,
                "end": cycle.end,
                "kind": cycle.kind,
            },
            "objectives": objectives,
        }
        if cycle.parent_id:
            data["cycle"]["within"] = cycle.parent.name
        try:
            plan.docs.append(OkrDocument.model_validate(data))
        except ValidationError as exc:
            for e in exc.errors():
                _schema_error(reader, origins, e)
    plan.counts = counts


def _schema_error(reader: _Reader, origins, e) -> None:
    loc = e["loc"]
    row, key = None, None
    if len(loc) >= 3 and loc[0] == "objectives":
        group, kr_rows = origins[loc[1]]
        row, key = group.row, _OBJECTIVE_KEYS.get(loc[2])
        if loc[2] == "key_results" and len(loc) >= 5:
            row, key = kr_rows[loc[3]], _KR_KEYS.get(loc[4])
    reader.error(row, key, e["msg"])


# --- KPI data points ----------------------------------------------------------------------


def plan_points(
    table: Table, mapping: dict[str, int | None], *, workspace: Workspace, kpi: Kpi | None
) -> Plan:
    """Rows of (KPI, date, value): the KPI by name or id from a column, or the chosen one."""
    plan = Plan(kind=DATA_POINTS)
    reader = _Reader(table, mapping)
    if not _check_required(DATA_POINTS, reader):
        plan.errors = reader.errors
        return plan
    kpis = list(Kpi.objects.filter(workspace=workspace))
    by_name = {k.name.lower(): k for k in kpis} | {str(k.pk): k for k in kpis}
    seen: dict[tuple[int, dt.date], int] = {}
    for row, cells in reader.rows():
        plan.rows += 1
        row_kpi = reader.named(
            row,
            cells,
            "kpi",
            by_name,
            kpi,
            unknown=_("There is no KPI with this name."),
            missing=_("Choose a KPI, or map a column that names it."),
        )
        if row_kpi is None:
            continue
        day = parse_date(reader.cell(cells, "date"))
        if day is None:
            reader.error(
                row, "date", _("This is not a date (use 2026-01-31 or 31.01.2026)."), cells
            )
            continue
        value = reader.number(row, cells, "value")
        if value is None:
            if reader.text(cells, "value") == "":
                reader.error(row, "value", _("The value is missing."), cells)
            continue
        if (row_kpi.pk, day) in seen:
            reader.error(
                row,
                "date",
                _("%(kpi)s already has this date on row %(first)s.")
                % {"kpi": row_kpi.name, "first": seen[(row_kpi.pk, day)]},
                cells,
            )
            continue
        seen[(row_kpi.pk, day)] = row
        plan.points.setdefault(row_kpi.pk, []).append((day, value))
    plan.preview_header, plan.preview = _preview(reader, DATA_POINTS)
    plan.errors = reader.errors
    if plan.rows == 0 and not plan.errors:
        plan.errors.append(RowError(None, "", "", _("No data rows found.")))
    if not plan.errors:
        plan.counts = _point_counts(plan.points)
    return plan


def _point_counts(points: dict[int, list[tuple[dt.date, float]]]) -> dict[str, int]:
    """New, replaced and unchanged values, read with one query over the dates concerned."""
    counts = {"kpis": len(points), "new": 0, "replaced": 0, "unchanged": 0}
    if not points:
        return counts
    days = [d for rows in points.values() for d, _v in rows]
    existing = {
        (k, d): v
        for k, d, v in DataPoint.objects.filter(
            kpi_id__in=list(points), date__gte=min(days), date__lte=max(days)
        ).values_list("kpi_id", "date", "value")
    }
    for kpi_id, rows in points.items():
        for day, value in rows:
            old = existing.get((kpi_id, day))
            counts["new" if old is None else "unchanged" if old == value else "replaced"] += 1
    return counts


def kpi_names(points: dict[int, list]) -> dict[int, str]:
    return dict(Kpi.objects.filter(pk__in=list(points)).values_list("pk", "name"))
