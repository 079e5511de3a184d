"""Writes to cycles, objectives, key results, check-ins and initiatives.

Every function is keyword-only, atomic, and writes its audit row in the same transaction.
An update that changes nothing writes nothing, so re-importing a file is a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Trim
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from waypoint.jobs import queue as events
from waypoint.lib import scoring
from waypoint.workspaces import audit
from waypoint.workspaces.models import Member, Team, User, Workspace
from waypoint.workspaces.services import check_dates, same_workspace

from . import rollups
from .models import (
    CheckIn,
    CheckInPulse,
    Comment,
    Contribution,
    Cycle,
    CycleReview,
    Dependency,
    Initiative,
    KeyResult,
    Objective,
    Retrospective,
)
from .validation import checkin_value_errors, kr_definition_errors


def writable(cycle: Cycle) -> None:
    """A closed cycle is read-only: its OKRs, key results, check-ins and initiatives stay as
    they were when it closed (grades and retrospectives are still written)."""
    _writable(cycle.status, cycle.name)


def _writable(status: str, name: str) -> None:
    if status == Cycle.Status.CLOSED:
        raise ValidationError(
            _("“%(cycle)s” is closed, so its OKRs are read-only. An administrator can reopen it.")
            % {"cycle": name}
        )


def _differs(obj, fields: dict) -> bool:
    """Whether writing these fields would change the object (an import of an unchanged
    file writes nothing, so it may run over a closed cycle)."""
    for name, value in fields.items():
        if name == "teams":
            if {t.pk for t in value} != set(obj.teams.values_list("pk", flat=True)):
                return True
        elif getattr(obj, name) != value:
            return True
    return False


def _check_fields(fields: dict, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)}")


# --- Cycles -------------------------------------------------------------------------------


def _check_cycle(workspace: Workspace, name: str, start, end, parent, cycle=None) -> None:
    if not name.strip():
        raise ValidationError({"name": _("A cycle needs a name.")})
    check_dates(start=start, end=end)
    if end < start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    clash = Cycle.objects.filter(workspace=workspace, name=name.strip())
    if cycle is not None:
        clash = clash.exclude(pk=cycle.pk)
    if clash.exists():
        raise ValidationError({"name": _("A cycle with this name already exists.")})
    if parent is not None:
        same_workspace(workspace, "parent", parent)
        if cycle is not None and parent.pk == cycle.pk:
            raise ValidationError({"parent": _("A cycle cannot sit inside itself.")})
        if start < parent.start or end > parent.end:
            raise ValidationError(
                {"parent": _("The cycle must lie within %(name)s.") % {"name": parent.name}}
            )


@transaction.atomic
def cycle_create(
    *,
    workspace: Workspace,
    name: str,
    start: dt.date,
    end: dt.date,
    kind: str = Cycle.Kind.CUSTOM,
    parent: Cycle | None = None,
    actor: User | None,
) -> Cycle:
    _check_cycle(workspace, name, start, end, parent)
    cycle = Cycle.objects.create(
        workspace=workspace, name=name.strip(), start=start, end=end, kind=kind, parent=parent
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="cycle.create",
        obj=cycle,
        after=audit.snapshot(cycle),
    )
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, actor: User | None, **fields) -> Cycle:
    _check_fields(fields, {"name", "start", "end", "kind", "parent", "status"})
    merged = {f: fields.get(f, getattr(cycle, f)) for f in ("name", "start", "end", "parent")}
    _check_cycle(cycle.workspace, cycle=cycle, **merged)
    return audit.save_changes(
        cycle, actor=actor, action="cycle.update", workspace=cycle.workspace, fields=fields
    )


@transaction.atomic
def cycle_set_current(*, cycle: Cycle, actor: User | None) -> Cycle:
    for other in Cycle.objects.filter(workspace=cycle.workspace_id, is_current=True).exclude(
        pk=cycle.pk
    ):
        audit.save_changes(
            other,
            actor=actor,
            action="cycle.unset_current",
            workspace=cycle.workspace,
            fields={"is_current": False},
        )
    return audit.save_changes(
        cycle,
        actor=actor,
        action="cycle.set_current",
        workspace=cycle.workspace,
        fields={"is_current": True},
    )


@transaction.atomic
def cycle_create_year(
    *, workspace: Workspace, year: int, actor: User | None, quarters: bool = True
) -> Cycle:
    """A year cycle, with its four quarters inside it."""
    year_cycle = cycle_create(
        workspace=workspace,
        name=str(year),
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
        kind=Cycle.Kind.YEAR,
        actor=actor,
    )
    if quarters:
        for q in range(1, 5):
            start = dt.date(year, 3 * q - 2, 1)
            end = dt.date(year, 12, 31) if q == 4 else dt.date(year, 3 * q + 1, 1) - dt.timedelta(1)
            cycle_create(
                workspace=workspace,
                name=f"{year}-Q{q}",
                start=start,
                end=end,
                kind=Cycle.Kind.QUARTER,
                parent=year_cycle,
                actor=actor,
            )
    return year_cycle


# --- Objectives ---------------------------------------------------------------------------


def _unique_ref(cycle: Cycle, title: str, exclude_pk=None) -> str:
    base = slugify(title, allow_unicode=True)[:60] or "objective"
    taken = set(
        Objective.objects.filter(cycle=cycle, ref__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("ref", flat=True)
    )
    ref, n = base, 2
    while ref in taken:
        ref, n = f"{base}-{n}", n + 1
    return ref


def _reaches(start: int, goal: int, next_of: Callable[[set[int]], Iterable[int]]) -> bool:
    """Whether a walk from ``start`` along ``next_of`` (the objectives one step on from a
    set of them, a query a step) reaches ``goal``: linking ``goal`` to ``start`` would then
    close a circle."""
    seen, frontier = set(), {start}
    while frontier:
        if goal in frontier:
            return True
        seen |= frontier
        frontier = set(next_of(frontier)) - seen
    return False


def _counts_under(objective_pk: int, node: Objective) -> bool:
    """Whether ``node`` is the objective or counts towards it, through parents and
    contributions: then the objective may not count towards ``node``, or scores would
    go round in a circle."""

    def above(frontier: set[int]) -> set[int]:
        return set(
            Objective.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        ) | set(
            Contribution.objects.filter(objective_id__in=frontier).values_list(
                "parent_id", flat=True
            )
        )

    return _reaches(node.pk, objective_pk, above)


def _check_parent(objective: Objective | None, workspace: Workspace, parent: Objective | None):
    if parent is None:
        return
    same_workspace(workspace, "parent", parent)
    if objective is None:
        return
    if _counts_under(objective.pk, parent):
        raise ValidationError(
            {"parent": _("An objective cannot align to itself or to one aligned under it.")}
        )
    if Contribution.objects.filter(objective=objective, parent=parent).exists():
        raise ValidationError(
            {"parent": _("It already counts towards this objective: remove that first.")}
        )


WEIGHT_MAX = 100.0


def _check_weight(field: str, weight) -> float:
    try:  # typed in a form as "2,5" in Polish and Russian
        weight = float(weight.replace(",", ".") if isinstance(weight, str) else weight)
    except (TypeError, ValueError):
        weight = 0.0
    if not 0 < weight <= WEIGHT_MAX:  # also refuses NaN
        raise ValidationError(
            {field: _("A weight is a number above 0, at most %(max)s.") % {"max": int(WEIGHT_MAX)}}
        )
    return weight


def _check_objective_fields(workspace: Workspace, fields: dict) -> None:
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": _("An objective needs a title.")})
    if "level" in fields and fields["level"] not in Objective.Level.values:
        raise ValidationError({"level": _("Unknown level.")})
    if "kind" in fields and fields["kind"] not in Objective.Kind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    if "status" in fields and fields["status"] not in Objective.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    same_workspace(workspace, "owner", fields.get("owner"))
    same_workspace(workspace, "cycle", fields.get("cycle"))
    same_workspace(workspace, "teams", *fields.get("teams", ()))


@transaction.atomic
def objective_create(
    *,
    workspace: Workspace,
    cycle: Cycle,
    title: str,
    why: str = "",
    level: str = Objective.Level.TEAM,
    owner: Member | None = None,
    teams: Iterable[Team] = (),
    kind: str = Objective.Kind.ASPIRATIONAL,
    parent: Objective | None = None,
    status: str = Objective.Status.ACTIVE,
    private: bool = False,
    ref: str = "",
    actor: User | None,
) -> Objective:
    writable(cycle)
    teams = list(teams)
    _check_objective_fields(
        workspace,
        {
            "title": title,
            "level": level,
            "kind": kind,
            "status": status,
            "owner": owner,
            "cycle": cycle,
            "teams": teams,
        },
    )
    _check_parent(None, workspace, parent)
    if ref and Objective.objects.filter(cycle=cycle, ref=ref).exists():
        raise ValidationError({"ref": _("Another objective of this cycle has this id.")})
    position = (Objective.objects.filter(cycle=cycle).aggregate(m=Max("position"))["m"] or 0) + 1
    obj = Objective.objects.create(
        workspace=workspace,
        cycle=cycle,
        title=title.strip(),
        why=why.strip(),
        level=level,
        owner=owner,
        kind=kind,
        parent=parent,
        status=status,
        private=private,
        ref=ref or _unique_ref(cycle, title),
        position=position,
    )
    obj.teams.set(teams)
    audit.record(
        workspace=workspace,
        actor=actor,
        action="objective.create",
        obj=obj,
        after=audit.snapshot(obj),
    )
    rollups.refresh([obj.parent_id])
    return obj


OBJECTIVE_FIELDS = {
    "title",
    "why",
    "level",
    "owner",
    "kind",
    "parent",
    "status",
    "private",
    "ref",
    "position",
    "parent_weight",
}


@transaction.atomic
def objective_update(*, objective: Objective, actor: User | None, **fields) -> Objective:
    """Change an objective's fields (``teams`` replaces its teams)."""
    if objective.cycle.status == Cycle.Status.CLOSED and not _differs(objective, fields):
        return objective
    writable(objective.cycle)
    _check_fields(fields, OBJECTIVE_FIELDS | {"teams"})
    _check_objective_fields(objective.workspace, fields)
    if "parent" in fields:
        _check_parent(objective, objective.workspace, fields["parent"])
    if "parent_weight" in fields:
        fields["parent_weight"] = _check_weight("parent_weight", fields["parent_weight"])
    if fields.get("ref") and (
        Objective.objects.filter(cycle=objective.cycle_id, ref=fields["ref"])
        .exclude(pk=objective.pk)
        .exists()
    ):
        raise ValidationError({"ref": _("Another objective of this cycle has this id.")})
    m2m = {"teams": list(fields.pop("teams"))} if "teams" in fields else None
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    old_parent, old_weight = objective.parent_id, objective.parent_weight
    if "parent" in fields and (fields["parent"].pk if fields["parent"] else None) != old_parent:
        _unroll(objective, old_parent, actor)
    audit.save_changes(
        objective,
        actor=actor,
        action="objective.update",
        workspace=objective.workspace,
        fields=fields,
        m2m=m2m,
    )
    if (objective.parent_id, objective.parent_weight) != (old_parent, old_weight):
        rollups.refresh([old_parent, objective.parent_id])
    return objective


@transaction.atomic
def objective_move(*, objective: Objective, cycle: Cycle, actor: User | None) -> Objective:
    """Move an objective to another cycle; its key results and check-ins go with it."""
    writable(objective.cycle)
    writable(cycle)
    same_workspace(objective.workspace, "cycle", cycle)
    fields = {"cycle": cycle}
    if Objective.objects.filter(cycle=cycle, ref=objective.ref).exclude(pk=objective.pk).exists():
        fields["ref"] = _unique_ref(cycle, objective.ref, exclude_pk=objective.pk)
    return audit.save_changes(
        objective,
        actor=actor,
        action="objective.move",
        workspace=objective.workspace,
        fields=fields,
    )


@transaction.atomic
def objective_archive(*, objective: Objective, actor: User | None) -> Objective:
    writable(objective.cycle)
    return audit.save_changes(
        objective,
        actor=actor,
        action="objective.archive",
        workspace=objective.workspace,
        fields={"status": Objective.Status.ARCHIVED},
    )


@transaction.atomic
def objective_delete(*, objective: Objective, actor: User | None) -> None:
    """Delete an objective with its key results, check-ins and initiatives."""
    writable(objective.cycle)
    before = audit.snapshot(objective)
    before["key_results"] = list(objective.key_results.values_list("title", flat=True))
    audit.record(
        workspace=objective.workspace,
        actor=actor,
        action="objective.delete",
        obj=objective,
        before=before,
    )
    above = [
        objective.parent_id,
        *objective.contributions.values_list("parent_id", flat=True),
        *objective.key_results.filter(rolls_into__isnull=False).values_list(
            "rolls_into__objective_id", flat=True
        ),
    ]
    objective.delete()
    rollups.refresh(above)


# --- Key results --------------------------------------------------------------------------

KEY_RESULT_FIELDS = {
    "rolls_into",
    "kpi",
    "title",
    "type",
    "scoring",
    "direction",
    "start",
    "target",
    "unit",
    "weight",
    "owner",
    "team",
    "driven_by_children",
    "position",
    "starts_on",
}


def _check_rolls_into(objective: Objective, target: KeyResult | None) -> None:
    """A key result rolls into a key result of an objective its own objective counts
    towards (its parent, or one it contributes to), which the objectives below do not
    drive: so roll-ups follow the alignment up, and can never go round in a circle."""
    if target is None:
        return
    same_workspace(objective.workspace, "rolls_into", target)
    above = {objective.parent_id, *objective.contributions.values_list("parent_id", flat=True)}
    if target.objective_id not in above:
        raise ValidationError(
            {
                "rolls_into": _(
                    "A key result rolls into a key result of an objective its own "
                    "objective counts towards."
                )
            }
        )
    if target.driven_by_children:
        raise ValidationError(
            {"rolls_into": _("That key result is driven by the objectives below already.")}
        )


def _unroll(objective: Objective, above_id: int | None, actor: User | None) -> None:
    """When ``objective`` stops counting towards ``above_id``, its key results stop rolling
    into that objective's (the caller rescores it)."""
    if above_id is None:
        return
    for kr in objective.key_results.filter(rolls_into__objective_id=above_id):
        audit.save_changes(
            kr,
            actor=actor,
            action="key_result.update",
            workspace=objective.workspace,
            fields={"rolls_into": None},
        )


def _check_kr(workspace: Workspace, values: dict) -> None:
    if not (values.get("title") or "").strip():
        raise ValidationError({"title": _("A key result needs a title.")})
    if values["scoring"] not in KeyResult.Scoring.values:
        raise ValidationError({"scoring": _("Unknown scoring mode.")})
    if values["direction"] not in KeyResult.Direction.values:
        raise ValidationError({"direction": _("Unknown direction.")})
    if not values.get("driven_by_children"):
        errors = kr_definition_errors(
            type=values["type"],
            start=values["start"],
            target=values["target"],
            weight=values["weight"],
        )
        if errors:
            raise ValidationError(errors)
    elif values["weight"] is None or values["weight"] <= 0:
        raise ValidationError({"weight": _("The weight must be greater than 0.")})
    same_workspace(workspace, "owner", values.get("owner"))
    same_workspace(workspace, "team", values.get("team"))
    same_workspace(workspace, "kpi", values.get("kpi"))
    starts_on, cycle = values.get("starts_on"), values.get("cycle")
    if starts_on is not None and cycle is not None and not cycle.start <= starts_on <= cycle.end:
        raise ValidationError(
            {
                "starts_on": _("A key result starts within its cycle, %(start)s to %(end)s.")
                % {"start": cycle.start.isoformat(), "end": cycle.end.isoformat()}
            }
        )


@transaction.atomic
def key_result_create(
    *,
    objective: Objective,
    title: str,
    type: str = KeyResult.Type.INCREASE,
    start: float | None = None,
    target: float | None = None,
    unit: str = "",
    scoring: str = KeyResult.Scoring.SPECTRUM,
    direction: str = KeyResult.Direction.HIGHER_IS_BETTER,
    weight: float = 1.0,
    owner: Member | None = None,
    team: Team | None = None,
    driven_by_children: bool = False,
    kpi=None,
    starts_on: dt.date | None = None,
    rolls_into: KeyResult | None = None,
    actor: User | None,
) -> KeyResult:
    writable(objective.cycle)
    _check_rolls_into(objective, rolls_into)
    if type in (KeyResult.Type.INCREASE, KeyResult.Type.DECREASE) and start is None:
        start = 0.0
    values = dict(
        title=title.strip(),
        type=type,
        start=start,
        target=target,
        unit=unit.strip(),
        scoring=scoring,
        direction=direction,
        weight=weight,
        owner=owner,
        team=team,
        driven_by_children=driven_by_children,
        kpi=kpi,
        starts_on=starts_on,
        rolls_into=rolls_into,
    )
    _check_kr(objective.workspace, {**values, "cycle": objective.cycle})
    position = (objective.key_results.aggregate(m=Max("position"))["m"] or 0) + 1
    kr = KeyResult.objects.create(
        workspace=objective.workspace, objective=objective, position=position, **values
    )
    audit.record(
        workspace=objective.workspace,
        actor=actor,
        action="key_result.create",
        obj=kr,
        after=audit.snapshot(kr),
    )
    rollups.refresh([objective.pk, rolls_into.objective_id if rolls_into else None])
    return kr


@transaction.atomic
def key_result_update(*, key_result: KeyResult, actor: User | None, **fields) -> KeyResult:
    if key_result.objective.cycle.status == Cycle.Status.CLOSED and not _differs(
        key_result, fields
    ):
        return key_result
    writable(key_result.objective.cycle)
    _check_fields(fields, KEY_RESULT_FIELDS)
    merged = {f: fields.get(f, getattr(key_result, f)) for f in KEY_RESULT_FIELDS}
    _check_kr(key_result.workspace, {**merged, "cycle": key_result.objective.cycle})
    if "rolls_into" in fields and fields["rolls_into"] != key_result.rolls_into:
        _check_rolls_into(key_result.objective, fields["rolls_into"])
    if fields.get("driven_by_children") and key_result.feeders.exists():
        raise ValidationError(
            {
                "driven_by_children": _(
                    "Other key results roll into this one: it cannot also be driven by the "
                    "objectives below."
                )
            }
        )
    old_target = key_result.rolls_into.objective_id if key_result.rolls_into_id else None
    audit.save_changes(
        key_result,
        actor=actor,
        action="key_result.update",
        workspace=key_result.workspace,
        fields=fields,
    )
    if rollups.KR_ROLLUP_FIELDS & set(fields):
        new_target = key_result.rolls_into.objective_id if key_result.rolls_into_id else None
        rollups.refresh([key_result.objective_id, old_target, new_target])
    return key_result


@transaction.atomic
def key_results_reorder(
    *, objective: Objective, ordered_ids: Sequence[int], actor: User | None
) -> None:
    writable(objective.cycle)
    krs = {kr.pk: kr for kr in objective.key_results.all()}
    if set(ordered_ids) != set(krs):
        raise ValidationError({"order": _("The order must list every key result once.")})
    for position, pk in enumerate(ordered_ids, start=1):
        key_result_update(key_result=krs[pk], position=position, actor=actor)


@transaction.atomic
def key_result_delete(*, key_result: KeyResult, actor: User | None) -> None:
    writable(key_result.objective.cycle)
    audit.record(
        workspace=key_result.workspace,
        actor=actor,
        action="key_result.delete",
        obj=key_result,
        before=audit.snapshot(key_result),
    )
    above = [
        key_result.objective_id,
        key_result.rolls_into.objective_id if key_result.rolls_into_id else None,
        # Its feeders roll into nothing now, and the objective above them follows.
    ]
    key_result.delete()
    rollups.refresh(above)


# --- Check-ins ----------------------------------------------------------------------------


@transaction.atomic
def checkin_create(
    *,
    key_result: KeyResult,
    date: dt.date,
    value: float,
    confidence: str = CheckIn.Confidence.ON_TRACK,
    comment: str = "",
    author: Member | None = None,
    actor: User | None,
) -> CheckIn:
    """Record a check-in. Check-ins are never edited; a correction is a new check-in."""
    errors = checkin_value_errors(type=key_result.type, value=value)
    if confidence not in CheckIn.Confidence.values:
        errors["confidence"] = _("Unknown confidence.")
    if errors:
        raise ValidationError(errors)
    check_dates(date=date)
    same_workspace(key_result.workspace, "author", author)
    # One writer at a time per key result, so that the latest check-in is the current value;
    # the lock is on the key result's row only, and says whether its cycle is still open.
    status, name, current_date, kind = next(
        iter(
            KeyResult.objects.select_for_update(of=("self",))
            .filter(pk=key_result.pk)
            .order_by()  # one row by its id: nothing to order (as ``first()`` would)
            .values_list(
                "objective__cycle__status",
                "objective__cycle__name",
                "current_date",
                "objective__kind",
            )[:1]
        ),
        (None, "", None, ""),
    )
    _writable(status, name)
    checkin = CheckIn.objects.create(
        workspace=key_result.workspace,
        key_result=key_result,
        date=date,
        value=value,
        confidence=confidence,
        comment=comment.strip(),
        author=author,
    )
    audit.record(
        workspace=key_result.workspace,
        actor=actor,
        action="checkin.create",
        obj=checkin,
        after=audit.snapshot(checkin),
    )
    rollups.set_current(key_result, checkin, current_date)
    rollups.refresh([key_result.objective_id])
    events.record(
        key_result.workspace,
        "checkin.created",
        {
            "check_in": checkin.pk,
            "key_result": key_result.pk,
            "title": key_result.title,
            "objective": key_result.objective_id,
            "date": checkin.date.isoformat(),
            "value": checkin.value,
            "confidence": checkin.confidence,
            "comment": checkin.comment,
            # A commitment that turns red is escalated at once (integrations.notifications).
            "committed": kind == Objective.Kind.COMMITTED,
        },
    )
    return checkin


@dataclass(frozen=True)
class CheckInEntry:
    key_result: KeyResult
    value: float
    confidence: str
    comment: str = ""


@transaction.atomic
def checkins_record(
    *, entries: list[CheckInEntry], date: dt.date, author: Member | None, actor: User | None
) -> list[CheckIn]:
    """A weekly check-in of several key results: all of them, or (on an error) none. The
    error names the key result it belongs to (``kr<pk>-<field>``)."""
    saved = []
    with rollups.held():  # objectives rescored once, not once per key result
        for entry in entries:
            try:
                saved.append(
                    checkin_create(
                        key_result=entry.key_result,
                        date=date,
                        value=entry.value,
                        confidence=entry.confidence,
                        comment=entry.comment,
                        author=author,
                        actor=actor,
                    )
                )
            except ValidationError as exc:
                prefix = f"kr{entry.key_result.pk}-"
                found = exc.message_dict if hasattr(exc, "error_dict") else {"value": exc.messages}
                raise ValidationError(
                    {prefix + key: messages for key, messages in found.items()}
                ) from exc
    return saved


# --- Initiatives --------------------------------------------------------------------------


def _initiative_cycle(initiative: Initiative) -> Cycle | None:
    """The cycle whose closing freezes it: a key result's; a KPI's initiative has none."""
    return initiative.key_result.objective.cycle if initiative.key_result_id else None


CHECKLIST_ITEMS = 30
CHECKLIST_TEXT = 200


def clean_checklist(items) -> list[dict]:
    """A checklist as stored: up to ``CHECKLIST_ITEMS`` steps of text (blank ones dropped)
    and whether each is done."""
    if not isinstance(items, list):
        raise ValidationError({"checklist": _("A checklist is a list of steps.")})
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
            raise ValidationError({"checklist": _("Each step has a text and whether it is done.")})
        text = item.get("text", "").strip()
        if text:
            out.append({"text": text[:CHECKLIST_TEXT], "done": bool(item.get("done"))})
    if len(out) > CHECKLIST_ITEMS:
        raise ValidationError(
            {"checklist": _("At most %(n)s steps: split the work.") % {"n": CHECKLIST_ITEMS}}
        )
    return out


def _check_initiative(fields: dict, workspace: Workspace) -> None:
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": _("An initiative needs a title.")})
    if "checklist" in fields:
        fields["checklist"] = clean_checklist(fields["checklist"])
    if "status" in fields and fields["status"] not in Initiative.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    same_workspace(workspace, "owner", fields.get("owner"))


def _done_on(status: str, was_done: bool, workspace: Workspace) -> dict:
    """The day it is marked done, kept; reopened, it has none."""
    if status == Initiative.Status.DONE:
        return {} if was_done else {"done_on": workspace.today()}
    return {"done_on": None}


@transaction.atomic
def initiative_create(
    *,
    title: str,
    key_result: KeyResult | None = None,
    kpi=None,
    deviation=None,
    status: str = Initiative.Status.PLANNED,
    owner: Member | None = None,
    due_on: dt.date | None = None,
    checklist: list | None = None,
    actor: User | None,
) -> Initiative:
    """Work on a key result, or on a KPI's process (``kpi``; with ``deviation``, the
    improvement a deviation asked for)."""
    if (key_result is None) == (kpi is None):
        raise TypeError("an initiative moves either a key result or a KPI")
    workspace = key_result.workspace if key_result is not None else kpi.workspace
    if key_result is not None:
        writable(key_result.objective.cycle)
    checked = {"title": title, "status": status, "owner": owner, "checklist": checklist or []}
    _check_initiative(checked, workspace)
    initiative = Initiative.objects.create(
        workspace=workspace,
        key_result=key_result,
        kpi=kpi,
        deviation=deviation,
        title=title.strip(),
        status=status,
        owner=owner,
        due_on=due_on,
        checklist=checked["checklist"],
        done_on=workspace.today() if status == Initiative.Status.DONE else None,
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="initiative.create",
        obj=initiative,
        after=audit.snapshot(initiative),
    )
    return initiative


@transaction.atomic
def initiative_update(*, initiative: Initiative, actor: User | None, **fields) -> Initiative:
    cycle = _initiative_cycle(initiative)
    if cycle is not None:
        if cycle.status == Cycle.Status.CLOSED and not _differs(initiative, fields):
            return initiative
        writable(cycle)
    _check_fields(fields, {"title", "status", "owner", "due_on", "checklist"})
    _check_initiative(fields, initiative.workspace)
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    if "status" in fields:
        was_done = initiative.status == Initiative.Status.DONE
        fields.update(_done_on(fields["status"], was_done, initiative.workspace))
    return audit.save_changes(
        initiative,
        actor=actor,
        action="initiative.update",
        workspace=initiative.workspace,
        fields=fields,
    )


@transaction.atomic
def initiative_delete(*, initiative: Initiative, actor: User | None) -> None:
    cycle = _initiative_cycle(initiative)
    if cycle is not None:
        writable(cycle)
    audit.record(
        workspace=initiative.workspace,
        actor=actor,
        action="initiative.delete",
        obj=initiative,
        before=audit.snapshot(initiative),
    )
    initiative.delete()


# --- Propose, review, agree (seed 000) -------------------------------------------------------


@transaction.atomic
def objective_propose(*, objective: Objective, actor: User | None) -> Objective:
    """A draft put forward by its owner for the leads of its teams to review; they are
    told."""
    writable(objective.cycle)
    if objective.status != Objective.Status.DRAFT:
        raise ValidationError(_("Only a draft is proposed for review."))
    if objective.review == Objective.Review.PROPOSED:
        return objective
    audit.save_changes(
        objective,
        actor=actor,
        action="objective.propose",
        workspace=objective.workspace,
        fields={"review": Objective.Review.PROPOSED},
    )
    events.record(objective.workspace, "objective.proposed", {"objective": objective.pk})
    return objective


@transaction.atomic
def objective_review(
    *, objective: Objective, agree: bool, comment: str = "", by: Member, actor: User | None
) -> Objective:
    """A lead's answer to a proposed draft: agreed, it becomes active; otherwise its owner is
    asked for changes, which ``comment`` names. The answer is said in the objective's
    conversation, so its owner hears it."""
    writable(objective.cycle)
    if objective.review != Objective.Review.PROPOSED:
        raise ValidationError(_("This objective is not waiting for a review."))
    comment = comment.strip()
    if not agree and not comment:
        raise ValidationError({"comment": _("Say what should change.")})
    fields = {"review": Objective.Review.AGREED if agree else Objective.Review.CHANGES}
    if agree:
        fields["status"] = Objective.Status.ACTIVE
    audit.save_changes(
        objective,
        actor=actor,
        action="objective.review",
        workspace=objective.workspace,
        fields=fields,
    )
    verdict = _("Agreed.") if agree else _("Changes asked for:")
    comment_create(objective=objective, body=f"{verdict} {comment}".strip(), author=by, actor=actor)
    return objective


# --- Contributions: counting towards more than one objective ---------------------------------


@transaction.atomic
def contribution_add(
    *, objective: Objective, parent: Objective, weight: float = 1.0, actor: User | None
) -> Contribution:
    """``objective`` also counts towards ``parent``, besides the objective it aligns to,
    with ``weight`` in the key results of ``parent`` that the objectives below drive."""
    writable(objective.cycle)
    same_workspace(objective.workspace, "parent", parent)
    weight = _check_weight("weight", weight)
    if parent.pk == objective.parent_id:
        raise ValidationError({"parent": _("It already aligns to this objective.")})
    if Contribution.objects.filter(objective=objective, parent=parent).exists():
        raise ValidationError({"parent": _("It already counts towards this objective.")})
    if _counts_under(objective.pk, parent):
        raise ValidationError(
            {"parent": _("An objective cannot count towards itself or one that counts towards it.")}
        )
    contribution = Contribution.objects.create(
        workspace=objective.workspace, objective=objective, parent=parent, weight=weight
    )
    audit.record(
        workspace=objective.workspace,
        actor=actor,
        action="contribution.create",
        obj=contribution,
        after=audit.snapshot(contribution),
    )
    rollups.refresh([parent.pk])
    return contribution


@transaction.atomic
def contribution_update(
    *, contribution: Contribution, weight: float, actor: User | None
) -> Contribution:
    writable(contribution.objective.cycle)
    audit.save_changes(
        contribution,
        actor=actor,
        action="contribution.update",
        workspace=contribution.objective.workspace,
        fields={"weight": _check_weight("weight", weight)},
    )
    rollups.refresh([contribution.parent_id])
    return contribution


@transaction.atomic
def contribution_remove(*, contribution: Contribution, actor: User | None) -> None:
    writable(contribution.objective.cycle)
    audit.record(
        workspace=contribution.objective.workspace,
        actor=actor,
        action="contribution.delete",
        obj=contribution,
        before=audit.snapshot(contribution),
    )
    parent_id = contribution.parent_id
    _unroll(contribution.objective, parent_id, actor)
    contribution.delete()
    rollups.refresh([parent_id])


# --- Dependencies ("blocked by") -------------------------------------------------------------

DEPENDENCY_NOTE = 200


@transaction.atomic
def dependency_add(
    *, objective: Objective, blocked_by: Objective, note: str = "", actor: User | None
) -> Dependency:
    """Record that ``objective`` waits for ``blocked_by``. Refused: itself, twice, an
    objective of another workspace, and a circle (the blocker already waits, directly or
    through others, for this objective: neither could ever start)."""
    writable(objective.cycle)
    same_workspace(objective.workspace, "blocked_by", blocked_by)
    note = (note or "").strip()
    if len(note) > DEPENDENCY_NOTE:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": DEPENDENCY_NOTE}})
    if blocked_by.pk == objective.pk:
        raise ValidationError({"blocked_by": _("An objective cannot wait for itself.")})
    if Dependency.objects.filter(objective=objective, blocked_by=blocked_by).exists():
        raise ValidationError({"blocked_by": _("It already waits for this objective.")})

    def waits_for(frontier: set[int]):
        return Dependency.objects.filter(objective_id__in=frontier).values_list(
            "blocked_by_id", flat=True
        )

    if _reaches(blocked_by.pk, objective.pk, waits_for):
        raise ValidationError(
            {
                "blocked_by": _(
                    "That would make a circle: “%(title)s” already waits for this "
                    "objective, directly or through others."
                )
                % {"title": blocked_by.title}
            }
        )
    dependency = Dependency.objects.create(
        workspace=objective.workspace, objective=objective, blocked_by=blocked_by, note=note
    )
    audit.record(
        workspace=objective.workspace,
        actor=actor,
        action="dependency.create",
        obj=dependency,
        after=audit.snapshot(dependency),
    )
    return dependency


@transaction.atomic
def dependency_remove(*, dependency: Dependency, actor: User | None) -> None:
    writable(dependency.objective.cycle)
    audit.record(
        workspace=dependency.objective.workspace,
        actor=actor,
        action="dependency.delete",
        obj=dependency,
        before=audit.snapshot(dependency),
    )
    dependency.delete()


# --- The pulse after a check-in -------------------------------------------------------------


@transaction.atomic
def pulse_answer(
    *, member: Member, useful: bool, changed_plan: bool | None, day: dt.date
) -> CheckInPulse:
    """A person's answer to the week's two questions; answering again the same week
    replaces it."""
    week = day - dt.timedelta(days=day.weekday())
    pulse, _created = CheckInPulse.objects.update_or_create(
        member=member,
        week=week,
        defaults={
            "workspace_id": member.workspace_id,
            "useful": useful,
            "changed_plan": changed_plan,
        },
    )
    return pulse


# --- Comments -----------------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *, objective: Objective, body: str, author: Member, actor: User | None
) -> Comment:
    if not body.strip():
        raise ValidationError({"body": _("Write something first.")})
    same_workspace(objective.workspace, "author", author)
    comment = Comment.objects.create(
        workspace=objective.workspace, objective=objective, author=author, body=body.strip()
    )
    audit.record(
        workspace=objective.workspace,
        actor=actor,
        action="comment.create",
        obj=comment,
        after=audit.snapshot(comment),
    )
    events.record(
        objective.workspace,
        "comment.created",
        {"comment": comment.pk, "objective": objective.pk, "author": author.pk},
    )
    return comment


# --- Grading, retrospectives and closing a cycle (seeds 000, 001, 003) --------------------------

GRADE_TOLERANCE = 0.05


@transaction.atomic
def objective_grade(
    *,
    objective: Objective,
    grade: float | None = None,
    key_results: dict[int, float] | None = None,
    reason: str = "",
    by: Member | None = None,
    actor: User | None,
) -> Retrospective:
    """Grade an objective through its key results (seed 003, Google's practice): each key
    result gets a final grade from 0.0 to 1.0, ``key_results`` by id, or keeps the one it
    has, or takes its score; the objective's grade is their weighted mean. ``grade`` given
    apart from that mean overrides it, with a ``reason``. An objective without key results
    is graded against its score."""
    from django.utils import timezone

    cycle = objective.cycle
    if not cycle.grading_open(objective.workspace.today()):
        raise ValidationError(
            {
                "grade": _(
                    "Grading opens on %(date)s, two weeks before the cycle ends, or when "
                    "the cycle is closed early."
                )
                % {"date": cycle.grading_opens_on.isoformat()}
            }
        )
    krs = list(KeyResult.objects.filter(objective=objective).order_by("position", "id"))
    given = dict(key_results or {})
    unknown = set(given) - {kr.pk for kr in krs}
    if unknown:
        raise ValidationError({"grade": _("Grade only this objective's key results.")})
    errors = {
        f"kr_{pk}": _("A grade lies between 0.0 and 1.0.")
        for pk, value in given.items()
        if value is None or not 0 <= value <= 1
    }
    if grade is not None and not 0 <= grade <= 1:
        errors["grade"] = _("A grade lies between 0.0 and 1.0.")
    if errors:
        raise ValidationError(errors)
    kr_grades = {
        kr.pk: given[kr.pk]
        if kr.pk in given
        else (kr.grade if kr.grade is not None else scoring.suggested_grade(kr.score))
        for kr in krs
    }
    suggested = scoring.graded_mean(
        ((kr_grades[kr.pk], kr.score, kr.weight) for kr in krs), objective.score
    )
    if grade is None:
        grade = suggested
    if abs(grade - suggested) > GRADE_TOLERANCE and not reason.strip():
        raise ValidationError(
            {
                "override_reason": _(
                    "The grade differs from its key results' grades (%(score)s): say why."
                )
                % {"score": number_format(suggested, 2)}
            }
        )
    for kr in krs:
        if kr.grade != kr_grades[kr.pk]:
            audit.save_changes(
                kr,
                actor=actor,
                action="key_result.grade",
                workspace=objective.workspace,
                fields={"grade": kr_grades[kr.pk]},
            )
    retro, _created = Retrospective.objects.get_or_create(
        objective=objective, defaults={"workspace": objective.workspace}
    )
    events.record(
        objective.workspace,
        "objective.graded",
        {
            "objective": objective.pk,
            "title": objective.title,
            "kind": objective.kind,
            "grade": grade,
            "suggested_grade": suggested,
            "key_results": {str(pk): value for pk, value in kr_grades.items()},
        },
    )
    audit.save_changes(
        retro,
        actor=actor,
        action="objective.grade",
        workspace=objective.workspace,
        fields={
            "grade": grade,
            "suggested_grade": suggested,
            "override_reason": reason.strip(),
            "graded_by": by,
            "graded_at": timezone.now(),
        },
    )
    return retro


@transaction.atomic
def retrospective_write(
    *,
    objective: Objective,
    what_worked: str,
    what_did_not: str,
    learned: str,
    actor: User | None,
) -> Retrospective:
    retro, _created = Retrospective.objects.get_or_create(
        objective=objective, defaults={"workspace": objective.workspace}
    )
    return audit.save_changes(
        retro,
        actor=actor,
        action="objective.retrospective",
        workspace=objective.workspace,
        fields={
            "what_worked": what_worked.strip(),
            "what_did_not": what_did_not.strip(),
            "learned": learned.strip(),
        },
    )


@transaction.atomic
def retrospective_delete(*, objective: Objective, actor: User | None) -> None:
    """Take back an objective's grade and retrospective (a grade given by mistake): the
    retrospective and its key results' grades go, and the trail keeps what they were."""
    retro = Retrospective.objects.filter(objective=objective).first()
    for kr in KeyResult.objects.filter(objective=objective, grade__isnull=False):
        audit.save_changes(
            kr,
            actor=actor,
            action="key_result.grade",
            workspace=objective.workspace,
            fields={"grade": None},
        )
    if retro is not None:
        audit.record(
            workspace=objective.workspace,
            actor=actor,
            action="objective.retrospective_delete",
            obj=retro,
            before=audit.snapshot(retro),
        )
        retro.delete()


@transaction.atomic
def cycle_review_write(*, cycle: Cycle, summary: str, held_on, actor: User | None) -> CycleReview:
    review, _created = CycleReview.objects.get_or_create(
        cycle=cycle, defaults={"workspace": cycle.workspace}
    )
    return audit.save_changes(
        review,
        actor=actor,
        action="cycle.review",
        workspace=cycle.workspace,
        fields={"summary": summary.strip(), "held_on": held_on},
    )


COMMITMENT_MET = 0.95  # a committed objective graded (or scored) below this missed


def missed_commitments_query(cycle: Cycle):
    """The cycle's committed objectives that missed (graded below 1.0, or scored below it
    before grading) and whose postmortem is not written yet: what got in the way, and what
    changes (seed 003: a missed commitment is understood before the cycle closes). In SQL:
    a page counts them without reading every commitment of the cycle."""
    missed = Q(retrospective__grade__lt=COMMITMENT_MET) | Q(
        retrospective__grade__isnull=True, score__lt=COMMITMENT_MET
    )
    return (
        Objective.objects.filter(cycle=cycle, kind=Objective.Kind.COMMITTED)
        .exclude(status__in=[Objective.Status.ARCHIVED, Objective.Status.DRAFT])
        .filter(missed)
        .annotate(
            did_not=Trim("retrospective__what_did_not"), learned=Trim("retrospective__learned")
        )
        .exclude(Q(retrospective__isnull=False) & Q(did_not__gt="") & Q(learned__gt=""))
        .order_by("position", "id")
    )


def missed_commitments(cycle: Cycle) -> list[Objective]:
    return list(missed_commitments_query(cycle))


@transaction.atomic
def cycle_close(*, cycle: Cycle, actor: User | None, without_postmortems: bool = False) -> Cycle:
    """Close a cycle: its active objectives are closed with it; grades can still be given.
    A missed commitment without its postmortem stops it (``missed_commitments``), unless
    the administrator closes ``without_postmortems``, which the event records."""
    missed = missed_commitments(cycle)
    if missed and not without_postmortems:
        titles = ", ".join(f"“{o.title}”" for o in missed[:5])
        if len(missed) > 5:
            titles += " " + _("and %(n)s more") % {"n": len(missed) - 5}
        raise ValidationError(
            {
                "postmortem": _(
                    "Missed commitments need their postmortem (what got in the way, what we "
                    "change) before the cycle closes: %(titles)s."
                )
                % {"titles": titles}
            }
        )
    if missed:
        audit.record(
            workspace=cycle.workspace,
            actor=actor,
            action="cycle.close_without_postmortems",
            obj=cycle,
            after={"objectives": [o.pk for o in missed]},
        )
    for objective in Objective.objects.filter(cycle=cycle, status=Objective.Status.ACTIVE):
        audit.save_changes(
            objective,
            actor=actor,
            action="objective.close",
            workspace=cycle.workspace,
            fields={"status": Objective.Status.CLOSED},
        )
    events.record(
        cycle.workspace,
        "cycle.closed",
        {
            "cycle": cycle.pk,
            "name": cycle.name,
            "start": cycle.start.isoformat(),
            "end": cycle.end.isoformat(),
            "without_postmortems": [o.pk for o in missed],
        },
    )
    return audit.save_changes(
        cycle,
        actor=actor,
        action="cycle.close",
        workspace=cycle.workspace,
        fields={"status": Cycle.Status.CLOSED},
    )


@transaction.atomic
def cycle_reopen(*, cycle: Cycle, actor: User | None) -> Cycle:
    """Open a closed cycle again (an administrator's decision, audited): its objectives that
    closed with it are active again."""
    if cycle.status != Cycle.Status.CLOSED:
        raise ValidationError(_("This cycle is open already."))
    for objective in Objective.objects.filter(cycle=cycle, status=Objective.Status.CLOSED):
        audit.save_changes(
            objective,
            actor=actor,
            action="objective.reopen",
            workspace=cycle.workspace,
            fields={"status": Objective.Status.ACTIVE},
        )
    return audit.save_changes(
        cycle,
        actor=actor,
        action="cycle.reopen",
        workspace=cycle.workspace,
        fields={"status": Cycle.Status.OPEN},
    )


@transaction.atomic
def objective_carry_over(
    *,
    objective: Objective,
    cycle: Cycle,
    key_results: Sequence[KeyResult],
    current_values: dict[int, float | None],
    actor: User | None,
) -> Objective:
    """Carry an objective and its unfinished key results into the next cycle.

    Each key result starts from its current value; the target stays. The new objective
    remembers where it came from, and aligns where the old one did.
    """
    same_workspace(objective.workspace, "cycle", cycle)
    if cycle.pk == objective.cycle_id:
        raise ValidationError({"cycle": _("Choose another cycle to carry over into.")})
    ref = (
        objective.ref
        if not Objective.objects.filter(cycle=cycle, ref=objective.ref).exists()
        else ""
    )
    new = objective_create(
        workspace=objective.workspace,
        cycle=cycle,
        title=objective.title,
        why=objective.why,
        level=objective.level,
        owner=objective.owner,
        teams=list(objective.teams.all()),
        kind=objective.kind,
        parent=objective.parent,
        ref=ref,
        private=objective.private,  # what comes from a private objective stays private
        actor=actor,
    )
    new.carried_from = objective
    new.save(update_fields=["carried_from"])
    for kr in key_results:
        if kr.objective_id != objective.pk:
            raise ValidationError({"key_results": _("Only this objective's key results.")})
        current = current_values.get(kr.pk)
        start = kr.start if current is None else current
        if kr.type in (KeyResult.Type.INCREASE, KeyResult.Type.DECREASE) and start == kr.target:
            continue  # already reached: nothing to carry
        _key_result_copy(kr, new, start=start, owner=kr.owner, actor=actor)
    audit.record(
        workspace=objective.workspace,
        actor=actor,
        action="objective.carry_over",
        obj=new,
        after={"from": objective.pk, "cycle": cycle.pk},
    )
    return new


def _key_result_copy(kr: KeyResult, objective: Objective, *, start, owner, actor) -> KeyResult:
    """The key result's definition on another objective (carried over or copied), from
    ``start``, for ``owner``; none of its check-ins."""
    return key_result_create(
        objective=objective,
        title=kr.title,
        type=kr.type,
        start=start,
        target=kr.target,
        unit=kr.unit,
        scoring=kr.scoring,
        direction=kr.direction,
        weight=kr.weight,
        owner=owner,
        team=kr.team,
        kpi=kr.kpi,
        actor=actor,
    )


@transaction.atomic
def objective_copy(
    *,
    objective: Objective,
    cycle: Cycle,
    owner: Member | None = None,
    teams: Iterable[Team] | None = None,
    actor: User | None,
) -> Objective:
    """A draft copy of an objective and its key results (their start and target, no
    check-ins) in ``cycle``, for ``owner`` and ``teams`` (the same as the original's unless
    given). It keeps its parent within the same cycle; in another cycle it aligns anew. Key
    results the original's owner held go to the new owner."""
    same_workspace(objective.workspace, "cycle", cycle)
    new_owner = objective.owner if owner is None else owner
    new = objective_create(
        workspace=objective.workspace,
        cycle=cycle,
        title=objective.title,
        why=objective.why,
        level=objective.level,
        owner=new_owner,
        teams=list(objective.teams.all()) if teams is None else list(teams),
        kind=objective.kind,
        parent=objective.parent if cycle.pk == objective.cycle_id else None,
        status=Objective.Status.DRAFT,
        private=objective.private,  # a copy of a private objective stays private
        actor=actor,
    )
    for kr in objective.key_results.order_by("position", "id"):
        _key_result_copy(
            kr,
            new,
            start=kr.start,
            owner=new_owner if kr.owner_id == objective.owner_id else kr.owner,
            actor=actor,
        )
    audit.record(
        workspace=objective.workspace,
        actor=actor,
        action="objective.copy",
        obj=new,
        after={"from": objective.pk, "cycle": cycle.pk},
    )
    return new


@transaction.atomic
def initiative_to_objective(
    *, initiative: Initiative, cycle: Cycle, actor: User | None
) -> Objective:
    """Seed 001: the initiatives of a cycle form the basis of the next set of OKRs."""
    same_workspace(initiative.workspace, "cycle", cycle)
    source = initiative.key_result.objective
    return objective_create(
        workspace=initiative.workspace,
        cycle=cycle,
        title=initiative.title,
        why=_("Grew from an initiative of “%(objective)s”.") % {"objective": source.title},
        level=source.level,
        owner=initiative.owner or source.owner,
        teams=list(source.teams.all()),
        kind=source.kind,
        status=Objective.Status.DRAFT,
        private=source.private,
        actor=actor,
    )


def split_targets(
    start: float, target: float, weights: Sequence[float]
) -> list[tuple[float, float]]:
    """(start, target) of each part: the yearly change shared out by the weights, in order.

    20 points of conversion a year, equal weights: 5 points a quarter.
    """
    total = sum(weights)
    if total <= 0 or any(w < 0 for w in weights):
        raise ValidationError({"weights": _("The shares must be positive.")})
    out, begin, done = [], start, 0.0
    for w in weights:
        done += w
        end = start + (target - start) * done / total
        out.append((round(begin, 6), round(end, 6)))
        begin = end
    return out


@transaction.atomic
def key_result_split_into_quarters(
    *,
    key_result: KeyResult,
    weights: Sequence[float] = (1, 1, 1, 1),
    actor: User | None,
) -> list[KeyResult]:
    """Seed 003: a yearly key result broken into quarterly ones, on quarterly objectives
    aligned to the yearly objective (created when missing)."""
    yearly = key_result.objective
    quarters = list(Cycle.objects.filter(parent=yearly.cycle).order_by("start"))
    if not quarters:
        raise ValidationError(
            _("The cycle %(cycle)s has no quarters inside it.") % {"cycle": yearly.cycle.name}
        )
    if len(weights) != len(quarters):
        raise ValidationError(
            {"weights": _("Give one share for each of the %(n)s quarters.") % {"n": len(quarters)}}
        )
    if key_result.type not in (KeyResult.Type.INCREASE, KeyResult.Type.DECREASE):
        raise ValidationError(_("Only increase and decrease key results can be split."))
    made = []
    for quarter, (start, target) in zip(
        quarters, split_targets(key_result.start or 0.0, key_result.target, weights), strict=True
    ):
        # A private yearly key result goes only onto private quarterly objectives.
        children = Objective.objects.filter(cycle=quarter, parent=yearly)
        if yearly.private:
            children = children.filter(private=True)
        objective = children.first()
        if objective is None:
            objective = objective_create(
                workspace=yearly.workspace,
                cycle=quarter,
                title=f"{yearly.title} ({quarter.name})",
                why=yearly.why,
                level=yearly.level,
                owner=yearly.owner,
                teams=list(yearly.teams.all()),
                kind=yearly.kind,
                parent=yearly,
                private=yearly.private,
                actor=actor,
            )
        if start == target:
            continue
        made.append(
            key_result_create(
                objective=objective,
                title=f"{key_result.title} ({quarter.name})",
                type=key_result.type,
                start=start,
                target=target,
                unit=key_result.unit,
                scoring=key_result.scoring,
                weight=key_result.weight,
                owner=key_result.owner,
                team=key_result.team,
                actor=actor,
            )
        )
    return made
