"""Search across a workspace: objectives and key results (only those the reader may see),
KPIs, people and teams, by every word of the query anywhere in a title or name, in any
language and alphabet (Chinese included: a word is found inside a title without spaces).

Each kind is one bounded query over the workspace's rows, ordered and cut to a few results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from waypoint.kpis.models import Kpi
from waypoint.lib.folding import Folded
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import Objective
from waypoint.workspaces.models import Member, Team, Workspace

MAX_QUERY = 100
MAX_WORDS = 5
PER_KIND = 8


@dataclass
class Results:
    query: str
    objectives: list = field(default_factory=list)
    key_results: list = field(default_factory=list)
    kpis: list = field(default_factory=list)
    people: list = field(default_factory=list)
    teams: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(
            len(x) for x in (self.objectives, self.key_results, self.kpis, self.people, self.teams)
        )


def words(query: str) -> list[str]:
    return [w.casefold() for w in (query or "")[:MAX_QUERY].split()][:MAX_WORDS]


def _matching(qs: QuerySet, fields: list[str], terms: list[str]) -> QuerySet:
    """Rows where every term is in one of the fields, folded for case in every alphabet."""
    qs = qs.annotate(**{f"_fold_{f.replace('__', '_')}": Folded(f) for f in fields})
    for term in terms:
        any_field = Q()
        for f in fields:
            any_field |= Q(**{f"_fold_{f.replace('__', '_')}__contains": term})
        qs = qs.filter(any_field)
    return qs


def search(workspace: Workspace, member: Member, query: str) -> Results:
    terms = words(query)
    found = Results(query=" ".join(terms))
    if not terms:
        return found
    objectives = okr_selectors.visible_objectives(workspace, member).exclude(
        status=Objective.Status.ARCHIVED
    )
    found.objectives = list(
        _matching(objectives, ["title"], terms)
        .select_related("cycle", "owner__user")
        .order_by("-cycle__start", "title")[:PER_KIND]
    )
    key_results = okr_selectors.visible_key_results(workspace, member).exclude(
        objective__status=Objective.Status.ARCHIVED
    )
    found.key_results = list(
        _matching(key_results, ["title"], terms)
        .select_related("objective__cycle")
        .order_by("-objective__cycle__start", "title")[:PER_KIND]
    )
    found.kpis = list(
        _matching(Kpi.objects.filter(workspace=workspace), ["name"], terms).order_by("name")[
            :PER_KIND
        ]
    )
    found.people = list(
        _matching(
            Member.objects.filter(workspace=workspace), ["user__full_name", "user__email"], terms
        )
        .select_related("user")
        .order_by("user__full_name")[:PER_KIND]
    )
    found.teams = list(
        _matching(Team.objects.filter(workspace=workspace), ["name"], terms).order_by("name")[
            :PER_KIND
        ]
    )
    return found
