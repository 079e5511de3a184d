"""Stored roll-ups: each key result keeps its current value, progress and score, and each
objective its progress and score, so that pages read them instead of scoring the workspace.

The services that write check-ins, key results and alignment call ``refresh`` in the same
transaction; ``recompute`` rebuilds every stored value of a workspace from its check-ins (the
``waypoint recompute`` command and the seeder use it). Both apply the one set of rules in
``waypoint.lib.scoring``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber

from waypoint.lib import bulk, scoring

from .models import CheckIn, Contribution, KeyResult, Objective

_CheckIn, _KeyResult, _Objective = CheckIn, KeyResult, Objective

# Alignment is at most this deep; a deeper walk means a loop the services let through.
MAX_DEPTH = 64
CHUNK = 500

KR_SCORING_FIELDS = {"type", "scoring", "direction", "start", "target", "weight"}
KR_ROLLUP_FIELDS = {*KR_SCORING_FIELDS, "driven_by_children", "rolls_into"}


def _kr_input(row: dict, feeders=()) -> scoring.KeyResultInput:
    return scoring.KeyResultInput(
        id=row["pk"],
        type=row["type"],
        start=row["start"],
        target=row["target"],
        current=row["current_value"],
        scoring=row["scoring"],
        weight=row["weight"],
        direction=row["direction"],
        driven_by_children=row["driven_by_children"],
        feeders=tuple(feeders),
    )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def set_current(key_result: KeyResult, checkin: CheckIn, current_date: dt.date | None) -> None:
    """Copy the key result's latest check-in (by date, then entry order) onto it, after
    ``checkin`` was written under the key result's lock. Entered after every other, it is
    the latest unless it is dated before ``current_date``, the stored latest's date read under
    that lock (a late entry for a past week): only then is the latest looked up."""
    if current_date is None or checkin.date >= current_date:
        latest = {"value": checkin.value, "date": checkin.date, "confidence": checkin.confidence}
    else:
        latest = (
            CheckIn.objects.filter(key_result=key_result)
            .order_by("-date", "-id")
            .values("value", "date", "confidence")
            .first()
        )
    key_result.current_value = latest["value"] if latest else None
    key_result.current_date = latest["date"] if latest else None
    key_result.current_confidence = latest["confidence"] if latest else ""
    KeyResult.objects.filter(pk=key_result.pk).update(
        current_value=key_result.current_value,
        current_date=key_result.current_date,
        current_confidence=key_result.current_confidence,
    )


def _score_round(ids: list[int]) -> set[int]:
    """Rescore these objectives from their key results' stored values and their children's
    stored scores; return the parents whose score depends on a score that changed."""
    changed_parents: set[int] = set()
    rescore: set[int] = set()  # objectives of key results that a moved key result rolls into
    for chunk in _chunks(sorted(ids)):
        objectives, krs, rolled_ids, contributing = _round_rows(chunk)
        driven = [o for o, rows in krs.items() if any(r["driven_by_children"] for r in rows)]
        child_scores = _counting_towards(driven)
        rolled = _rolling_into(rolled_ids)
        kr_updates, obj_updates, moved_into = [], [], set()
        for pk, obj in objectives.items():
            pairs, progress_pairs = [], []
            for row in krs.get(pk, ()):
                if row["driven_by_children"]:
                    progress = scoring.driven_progress(child_scores.get(pk, []))
                elif row["pk"] in rolled:
                    progress = scoring.driven_progress(rolled[row["pk"]])
                else:
                    progress = scoring.kr_progress(
                        row["type"],
                        start=row["start"],
                        target=row["target"],
                        current=row["current_value"],
                        direction=row["direction"],
                    )
                score = scoring.kr_score(progress, row["scoring"])
                pairs.append((score, row["weight"]))
                progress_pairs.append((progress, row["weight"]))
                if (progress, score) != (row["progress"], row["score"]):
                    kr_updates.append((progress, score, row["pk"]))
                    if row["rolls_into_id"] is not None:
                        moved_into.add(row["rolls_into_id"])
            progress = scoring.weighted_mean(progress_pairs)
            score = scoring.weighted_mean(pairs)
            if (progress, score) != (obj["progress"], obj["score"]):
                obj_updates.append((progress, score, pk))
                if obj["parent_id"] is not None:
                    changed_parents.add(obj["parent_id"])
        _write(KeyResult, kr_updates)
        _write(Objective, obj_updates)
        moved = [pk for _p, _s, pk in obj_updates if pk in contributing]
        if moved:  # the objectives they also count towards follow them too
            changed_parents.update(
                Contribution.objects.filter(objective_id__in=moved)
                .order_by()
                .values_list("parent_id", flat=True)
            )
        if moved_into:  # and the key results that moved roll into theirs: rescored next
            rescore.update(
                KeyResult.objects.filter(pk__in=moved_into)
                .order_by()
                .values_list("objective_id", flat=True)
            )
    if not changed_parents:
        return rescore
    # Only a parent with a key result driven by its children follows their scores.
    return rescore | set(
        KeyResult.objects.filter(objective_id__in=changed_parents, driven_by_children=True)
        .order_by()
        .values_list("objective_id", flat=True)
        .distinct()
    )


_KR_COLUMNS = (
    "pk",
    "type",
    "start",
    "target",
    "current_value",
    "scoring",
    "weight",
    "direction",
    "driven_by_children",
    "rolls_into_id",
    "progress",
    "score",
)


def _round_rows(chunk: list[int]):
    """What a round reads of these objectives, in one statement that locks their rows (so
    that two writers under one parent rescore it in turn): each objective's parent, progress
    and score; its key results' scoring inputs and stored values; which key results others
    roll into; which objectives also contribute elsewhere. By id, key results in id order.

    It is one fixed statement on the path of every write (a check-in rescores its objective
    and the parents that follow), read as SQL: built through the ORM it was three queries,
    most of a round's time spent composing them."""
    o, k, c = (m._meta.db_table for m in (Objective, KeyResult, Contribution))
    marks = ", ".join(["%s"] * len(chunk))  # ids only, never more than CHUNK
    lock = " FOR UPDATE OF o" if connection.features.has_select_for_update_of else ""
    # Table names from the models, values as parameters: nothing from outside in the text.
    sql = (
        "SELECT o.id, o.parent_id, o.progress, o.score,"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {c} c WHERE c.objective_id = o.id),"
        " k.id, k.type, k.start, k.target, k.current_value, k.scoring, k.weight, k.direction,"
        " k.driven_by_children, k.rolls_into_id, k.progress, k.score,"
        f" EXISTS (SELECT 1 FROM {k} r WHERE r.rolls_into_id = k.id)"
        f" FROM {o} o LEFT JOIN {k} k ON k.objective_id = o.id"
        f" WHERE o.id IN ({marks}) ORDER BY o.id, k.id{lock}"
    )
    objectives: dict[int, dict] = {}
    krs: dict[int, list[dict]] = {}
    rolled: list[int] = []
    contributing: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, chunk)
        for pk, parent_id, progress, score, contributes, *kr, rolled_into in cursor.fetchall():
            if pk not in objectives:
                objectives[pk] = {"parent_id": parent_id, "progress": progress, "score": score}
                if contributes:
                    contributing.add(pk)
            if kr[0] is not None:
                row = dict(zip(_KR_COLUMNS, kr, strict=True))
                row["driven_by_children"] = bool(row["driven_by_children"])
                krs.setdefault(pk, []).append(row)
                if rolled_into:
                    rolled.append(row["pk"])
    return objectives, krs, rolled, contributing


def _counting_towards(parents: list[int]) -> dict[int, list[tuple[float, float]]]:
    """For these objectives, the (score, weight) of every objective that counts towards
    each: aligned under it, or contributing to it besides its own parent; by id."""
    found: dict[int, list[tuple[int, float, float]]] = {}
    if parents:
        for parent_id, pk, score, weight in (
            Objective.objects.filter(parent_id__in=parents)
            .order_by()
            .values_list("parent_id", "pk", "score", "parent_weight")
        ):
            found.setdefault(parent_id, []).append((pk, score, weight))
        for parent_id, pk, score, weight in (
            Contribution.objects.filter(parent_id__in=parents)
            .order_by()
            .values_list("parent_id", "objective_id", "objective__score", "weight")
        ):
            found.setdefault(parent_id, []).append((pk, score, weight))
    return {
        parent: [(score, weight) for _pk, score, weight in sorted(rows)]
        for parent, rows in found.items()
    }


def _rolling_into(kr_ids: list[int]) -> dict[int, list[tuple[float, float]]]:
    """For these key results, the stored (progress, weight) of every key result that rolls
    into each, by id; those that none rolls into are absent."""
    found: dict[int, list[tuple[int, float, float]]] = {}
    for chunk in _chunks(kr_ids):
        for target, pk, progress, weight in (
            KeyResult.objects.filter(rolls_into_id__in=chunk)
            .order_by()
            .values_list("rolls_into_id", "pk", "progress", "weight")
        ):
            found.setdefault(target, []).append((pk, progress, weight))
    return {
        target: [(progress, weight) for _pk, progress, weight in sorted(rows)]
        for target, rows in found.items()
    }


def _write(model, updates: list[tuple[float, float, int]]) -> None:
    bulk.update(
        model._meta.db_table,
        [("progress", "double precision"), ("score", "double precision")],
        [("id", "bigint")],
        updates,
    )


_held = threading.local()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Rescore once at the end what the writes inside ask to rescore: a bulk writer (an
    import of a file) then costs one round per level, not one per key result."""
    outer = getattr(_held, "ids", None)
    if outer is not None:
        yield
        return
    _held.ids = set()
    try:
        yield
        ids = _held.ids
    finally:
        _held.ids = None
    refresh(ids)


def refresh(objective_ids: Iterable[int | None]) -> None:
    """Rescore these objectives and, up the alignment, every parent whose score follows."""
    pending = {pk for pk in objective_ids if pk is not None}
    waiting = getattr(_held, "ids", None)
    if waiting is not None:
        waiting |= pending
        return
    for _ in range(MAX_DEPTH):
        if not pending:
            return
        pending = _score_round(list(pending))


@dataclass
class Recomputed:
    key_results: int
    objectives: int
    changed: int


def _latest_checkins(CheckIn, KeyResult, workspace) -> dict[int, tuple]:
    """Each key result's latest check-in (by date, then entry order) as value, date and
    confidence, in one query. PostgreSQL ranks all check-ins in one pass of a window
    (0.1 s for 216,000); SQLite is faster finding each key result's latest id by its
    index (0.1 s, where the window takes 0.5 s)."""
    if connection.vendor == "postgresql":
        newest = (
            CheckIn.objects.filter(workspace=workspace)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("key_result_id")],
                    order_by=[F("date").desc(), F("id").desc()],
                )
            )
            .filter(rank=1)
        )
    else:
        by_date = CheckIn.objects.filter(key_result=OuterRef("pk")).order_by("-date", "-id")
        newest = CheckIn.objects.filter(
            pk__in=KeyResult.objects.filter(workspace=workspace).values(
                latest_id=Subquery(by_date.values("pk")[:1])
            )
        )
    return {
        kr_id: (value, day, confidence)
        for kr_id, value, day, confidence in newest.values_list(
            "key_result_id", "value", "date", "confidence"
        )
    }


@transaction.atomic
def recompute(workspace, *, models=None) -> Recomputed:
    """Rebuild every stored current value, progress and score of the workspace from its
    check-ins, writing only what differs. ``models`` (CheckIn, KeyResult, Objective) lets a
    migration pass its historical models."""
    CheckIn, KeyResult, Objective = models or (_CheckIn, _KeyResult, _Objective)
    latest = _latest_checkins(CheckIn, KeyResult, workspace)
    rows = list(
        KeyResult.objects.filter(workspace=workspace).values(
            "pk",
            "objective_id",
            "type",
            "start",
            "target",
            "scoring",
            "weight",
            "direction",
            "driven_by_children",
            "current_value",
            "current_date",
            "current_confidence",
            "progress",
            "score",
            *(["rolls_into_id"] if models is None else []),
        )
    )
    feeders: dict[int, list[int]] = {}
    for row in rows:
        if row.get("rolls_into_id") is not None:
            feeders.setdefault(row["rolls_into_id"], []).append(row["pk"])
    krs: dict[int, list[scoring.KeyResultInput]] = {}
    stored_kr = {}
    for row in rows:
        stored_kr[row["pk"]] = (
            row["current_value"],
            row["current_date"],
            row["current_confidence"],
            row["progress"],
            row["score"],
        )
        row["current_value"] = latest.get(row["pk"], (None,))[0]
        krs.setdefault(row["objective_id"], []).append(_kr_input(row, feeders.get(row["pk"], ())))
    children: dict[int, dict[int, float]] = {}  # parent: {objective counting towards it: weight}
    stored_obj = {}
    # A migration's historical models predate weights and contributions: every weight is 1.
    weighted = models is None
    for pk, parent_id, progress, score, *weight in Objective.objects.filter(
        workspace=workspace
    ).values_list("pk", "parent_id", "progress", "score", *(["parent_weight"] * weighted)):
        stored_obj[pk] = (progress, score)
        if parent_id is not None:
            children.setdefault(parent_id, {})[pk] = weight[0] if weight else 1.0
    if weighted:
        for pk, parent_id, weight in Contribution.objects.filter(workspace=workspace).values_list(
            "objective_id", "parent_id", "weight"
        ):
            children.setdefault(parent_id, {})[pk] = weight
    scores = scoring.score_objectives(
        {
            pk: scoring.ObjectiveInput(
                id=pk,
                key_results=krs.get(pk, ()),
                children=list(children.get(pk, {})),
                weights=children.get(pk, {}),
            )
            for pk in stored_obj
        }
    )
    # One row per key result that differs in anything: its current values and its scores
    # are written together (on PostgreSQL each update writes a new version of the row).
    kr_updates = []
    for pk, stored in stored_kr.items():
        fresh = (*latest.get(pk, (None, None, "")), scores.kr_progress[pk], scores.kr_score[pk])
        if fresh != stored:
            kr_updates.append((*fresh, pk))
    obj_updates = [
        (scores.objective_progress[pk], scores.objective[pk], pk)
        for pk, stored in stored_obj.items()
        if stored != (scores.objective_progress[pk], scores.objective[pk])
    ]
    bulk.update(
        KeyResult._meta.db_table,
        [
            ("current_value", "double precision"),
            ("current_date", "date"),
            ("current_confidence", "text"),
            ("progress", "double precision"),
            ("score", "double precision"),
        ],
        [("id", "bigint")],
        kr_updates,
    )
    _write(Objective, obj_updates)
    return Recomputed(
        key_results=len(stored_kr),
        objectives=len(stored_obj),
        changed=len(kr_updates) + len(obj_updates),
    )
