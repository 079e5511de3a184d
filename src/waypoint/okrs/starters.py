"""Starter objectives: a well-formed objective with three measurable key results for common
teams, so that a new workspace writes its first OKR from an example that passes the coach
(an outcome, not a task list; numbers from a start to a target). The numbers are
placeholders the owner adjusts in the editor, which opens right after."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from waypoint.workspaces.models import Member, User

from . import services
from .models import Cycle, KeyResult, Objective


@dataclass(frozen=True)
class StarterKr:
    title: str
    start: float
    target: float
    unit: str = ""
    type: str = KeyResult.Type.INCREASE


@dataclass(frozen=True)
class Starter:
    key: str
    team: str
    title: str
    why: str
    krs: tuple[StarterKr, ...]


STARTERS = (
    Starter(
        "customers",
        _("Customer success"),
        _("New customers succeed in their first month"),
        _("Most churn happens in the first 90 days; customers who succeed early stay."),
        (
            StarterKr(_("Raise NPS of new customers from 30 to 50"), 30, 50, _("points")),
            StarterKr(
                _("Cut time to first value from 14 to 5 days"),
                14,
                5,
                _("days"),
                KeyResult.Type.DECREASE,
            ),
            StarterKr(_("Raise 90-day retention from 70% to 85%"), 70, 85, "%"),
        ),
    ),
    Starter(
        "sales",
        _("Sales"),
        _("Win the mid-market"),
        _("Mid-market deals are our most profitable and our sales cycle there is too slow."),
        (
            StarterKr(_("Grow mid-market pipeline from 1.2M to 3M"), 1.2, 3, "M"),
            StarterKr(_("Raise win rate from 18% to 28%"), 18, 28, "%"),
            StarterKr(
                _("Shorten the sales cycle from 90 to 60 days"),
                90,
                60,
                _("days"),
                KeyResult.Type.DECREASE,
            ),
        ),
    ),
    Starter(
        "product",
        _("Product"),
        _("Make the product a daily habit"),
        _("Teams that use us daily renew; weekly users churn."),
        (
            StarterKr(_("Raise daily active users from 2,000 to 5,000"), 2000, 5000, _("users")),
            StarterKr(_("Raise week-4 retention from 35% to 50%"), 35, 50, "%"),
            StarterKr(_("Raise feature adoption of reports from 10% to 30%"), 10, 30, "%"),
        ),
    ),
    Starter(
        "engineering",
        _("Engineering"),
        _("Ship faster without breaking things"),
        _("Customers wait weeks for fixes, and every other release needs a hotfix."),
        (
            StarterKr(
                _("Cut lead time for changes from 10 to 2 days"),
                10,
                2,
                _("days"),
                KeyResult.Type.DECREASE,
            ),
            StarterKr(
                _("Cut the change failure rate from 25% to 10%"),
                25,
                10,
                "%",
                KeyResult.Type.DECREASE,
            ),
            StarterKr(_("Raise deploys per week from 2 to 10"), 2, 10, _("deploys")),
        ),
    ),
)
BY_KEY = {s.key: s for s in STARTERS}


@transaction.atomic
def objective_from_starter(
    *, starter: Starter, cycle: Cycle, owner: Member, actor: User | None
) -> Objective:
    """The starter as a draft objective of ``owner`` in ``cycle``, in the reader's language,
    with its three key results; the owner adjusts it and sets it active."""
    objective = services.objective_create(
        workspace=cycle.workspace,
        cycle=cycle,
        title=str(starter.title),
        why=str(starter.why),
        owner=owner,
        status=Objective.Status.DRAFT,
        actor=actor,
    )
    for kr in starter.krs:
        services.key_result_create(
            objective=objective,
            title=str(kr.title),
            type=kr.type,
            start=kr.start,
            target=kr.target,
            unit=str(kr.unit),
            owner=owner,
            actor=actor,
        )
    return objective
