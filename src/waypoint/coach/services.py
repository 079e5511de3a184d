"""Writes of the coach: the maturity diagnostic stored as it stands (monthly, or on demand),
audited."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils import translation

from waypoint.workspaces import audit
from waypoint.workspaces.models import Member, User, Workspace

from . import maturity, selectors
from .models import MaturityDiagnosis, MaturityStep


@transaction.atomic
def maturity_store(
    *, workspace: Workspace, day: dt.date, by: Member | None = None, actor: User | None
) -> MaturityDiagnosis:
    """Today's diagnostic kept with the facts it read; taken again the same day, it replaces
    that day's."""
    facts = selectors.maturity_facts(workspace, day)
    with translation.override("en"):  # the steps are kept as their English text
        diagnosis = maturity.diagnose(facts)
    stage = diagnosis.stage
    _track_steps(workspace, diagnosis.next_steps, day)
    stored, created = MaturityDiagnosis.objects.update_or_create(
        workspace=workspace,
        taken_on=day,
        defaults={"stage": stage, "facts": dataclasses.asdict(facts), "by": by},
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="maturity.store",
        obj=stored,
        after={"taken_on": day.isoformat(), "stage": stage, "replaced": not created},
    )
    return stored


def _track_steps(workspace: Workspace, steps: list[str], day: dt.date) -> None:
    """The diagnosis's next steps join the checklist; those it no longer names are met."""
    for text in steps:
        MaturityStep.objects.get_or_create(
            workspace=workspace, text=text[:300], defaults={"first_seen": day}
        )
    MaturityStep.objects.filter(workspace=workspace, met_on__isnull=True).exclude(
        text__in=[t[:300] for t in steps]
    ).update(met_on=day)
    # A step named again after it was met is open again.
    MaturityStep.objects.filter(
        workspace=workspace, met_on__isnull=False, text__in=[t[:300] for t in steps]
    ).update(met_on=None)


@transaction.atomic
def maturity_step_done(
    *, step: MaturityStep, done: bool, day: dt.date, actor: User | None
) -> MaturityStep:
    """An admin ticks a step done (or not yet)."""
    return audit.save_changes(
        step,
        actor=actor,
        action="maturity.step",
        workspace=step.workspace,
        fields={"done_on": day if done else None},
    )


def monthly_due(workspace: Workspace, today: dt.date) -> bool:
    """Whether this month has no stored diagnostic yet."""
    return not MaturityDiagnosis.objects.filter(
        workspace=workspace, taken_on__gte=today.replace(day=1)
    ).exists()


STORE_HOUR = 5


def maturity_monthly_run(now: dt.datetime) -> int:
    """Where it is 5 o'clock, the month's diagnostic of each workspace that has none yet (a
    month that missed its first day still gets one); how many were stored."""
    stored = 0
    for ws in Workspace.objects.all():
        local = now.astimezone(ws.zone)
        if local.hour == STORE_HOUR and monthly_due(ws, local.date()):
            maturity_store(workspace=ws, day=local.date(), actor=None)
            stored += 1
    return stored
