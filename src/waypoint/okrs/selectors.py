"""Reads of OKRs. Each takes the workspace first and returns rows with what pages need."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from waypoint.lib import scoring
from waypoint.workspaces.models import Workspace

from .models import CheckIn, Cycle, Initiative, KeyResult, Objective


def with_current_value(qs: QuerySet[KeyResult]) -> QuerySet[KeyResult]:
    """Annotate each key result with its latest check-in (by date, then by entry order)."""
    latest = CheckIn.objects.filter(key_result=OuterRef("pk")).order_by("-date", "-id")
    return qs.annotate(
        current_value=Subquery(latest.values("value")[:1]),
        current_date=Subquery(latest.values("date")[:1]),
        current_confidence=Subquery(latest.values("confidence")[:1]),
    )


def current_checkin(key_result: KeyResult) -> CheckIn | None:
    return key_result.checkins.order_by("-date", "-id").first()


def cycles_list(workspace: Workspace) -> QuerySet[Cycle]:
    return Cycle.objects.filter(workspace=workspace).select_related("parent")


def current_cycle(workspace: Workspace) -> Cycle | None:
    return Cycle.objects.filter(workspace=workspace, is_current=True).first()


def objectives_of_cycle(workspace: Workspace, cycle: Cycle) -> QuerySet[Objective]:
    """The cycle's objectives with owners, teams, parents and key results (current values)."""
    krs = with_current_value(KeyResult.objects.select_related("owner__user", "team")).order_by(
        "position", "id"
    )
    return (
        Objective.objects.filter(workspace=workspace, cycle=cycle)
        .select_related("owner__user", "parent__cycle", "cycle")
        .prefetch_related(
            "teams",
            Prefetch("key_results", queryset=krs),
            Prefetch("key_results__checkins", queryset=CheckIn.objects.order_by("date", "id")),
            Prefetch(
                "key_results__initiatives",
                queryset=Initiative.objects.select_related("owner__user").order_by("id"),
            ),
        )
        .order_by("position", "id")
    )


def workspace_scores(workspace: Workspace) -> scoring.Scores:
    """Progress and score of every objective and key result of a workspace, in two queries.

    The whole workspace is loaded so that key results driven by child objectives see their
    children even when those sit in another cycle (a quarter under a year).
    """
    children: dict[int, list[int]] = {}
    ids = []
    for pk, parent_id in Objective.objects.filter(workspace=workspace).values_list(
        "pk", "parent_id"
    ):
        ids.append(pk)
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    krs: dict[int, list[scoring.KeyResultInput]] = {}
    rows = with_current_value(KeyResult.objects.filter(workspace=workspace)).values_list(
        "pk",
        "objective_id",
        "type",
        "start",
        "target",
        "current_value",
        "scoring",
        "weight",
        "direction",
        "driven_by_children",
    )
    for pk, obj_id, type_, start, target, current, mode, weight, direction, driven in rows:
        krs.setdefault(obj_id, []).append(
            scoring.KeyResultInput(
                id=pk,
                type=type_,
                start=start,
                target=target,
                current=current,
                scoring=mode,
                weight=weight,
                direction=direction,
                driven_by_children=driven,
            )
        )
    return scoring.score_objectives(
        {
            pk: scoring.ObjectiveInput(
                id=pk, key_results=krs.get(pk, ()), children=children.get(pk, ())
            )
            for pk in ids
        }
    )
