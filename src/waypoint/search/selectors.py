"""Search across a workspace: objectives and key results (only those the reader may see),
KPIs, people and teams, by every word of the query, each the start of a word of a title or
name (Chinese and Japanese: the characters side by side anywhere in it).

Each kind is one bounded query: the full-text index picks the workspace's matching entries,
and the kind's own table, with its visibility rule, orders them and keeps a few.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from waypoint.kpis.models import Kpi
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import Objective
from waypoint.workspaces.models import Member, Team, Workspace

from . import text
from .models import SearchEntry

PER_KIND = 8
# Matches of one kind that are ranked (the newest): more only say that the query is broad.
CANDIDATES = 1_000


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


class _TsMatch(Func):
    """``to_tsvector('simple', text) @@ to_tsquery('simple', query)``: the expression of the
    GIN index (migration 0002), so PostgreSQL uses it."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('simple'::regconfig, "
    output_field = BooleanField()


def _matches(terms: list[list[str]]) -> Q:
    """A condition on ``SearchEntry`` rows that the database's full-text index answers."""
    vendor = connections[router.db_for_read(SearchEntry)].vendor
    if vendor == "postgresql":
        return Q(_TsMatch(F("text"), Value(text.tsquery(terms))))
    return Q(
        id__in=RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [text.fts5(terms)])
    )


def _found(qs: QuerySet, workspace: Workspace, kind: str, terms) -> QuerySet:
    """The records of ``qs`` among the ``CANDIDATES`` newest entries that match: a word
    that 12,000 objectives share ("partners" at 100,000 people) then costs a page what a
    rarer one does, instead of sorting all of them by cycle and title to show eight."""
    ids = (
        SearchEntry.objects.filter(workspace=workspace, kind=kind)
        .filter(_matches(terms))
        # By an expression, not the column: walking the index of object ids newest first,
        # PostgreSQL would test every entry of the kind for the words (100,000 people and
        # no match: 185 ms) instead of asking the full-text index for the matches.
        .alias(newest=F("object_id") + 0)
        .order_by("-newest")
        .values("object_id")[:CANDIDATES]
    )
    return qs.filter(pk__in=ids)


def search(workspace: Workspace, member: Member, query: str) -> Results:
    terms = text.query_terms(query)
    found = Results(query=" ".join((query or "")[: text.MAX_QUERY].split()[: text.MAX_WORDS]))
    if not terms:
        return found
    kind = SearchEntry.Kind
    objectives = okr_selectors.visible_objectives(workspace, member).exclude(
        status=Objective.Status.ARCHIVED
    )
    found.objectives = list(
        _found(objectives, workspace, kind.OBJECTIVE, terms)
        .select_related("cycle", "owner__user")
        .order_by("-cycle__start", "title")[:PER_KIND]
    )
    key_results = okr_selectors.visible_key_results(workspace, member).exclude(
        objective__status=Objective.Status.ARCHIVED
    )
    found.key_results = list(
        _found(key_results, workspace, kind.KEY_RESULT, terms)
        .select_related("objective__cycle")
        .order_by("-objective__cycle__start", "title")[:PER_KIND]
    )
    found.kpis = list(
        _found(Kpi.objects.filter(workspace=workspace), workspace, kind.KPI, terms).order_by(
            "name"
        )[:PER_KIND]
    )
    found.people = list(
        _found(Member.objects.filter(workspace=workspace), workspace, kind.PERSON, terms)
        .select_related("user")
        .order_by("user__full_name")[:PER_KIND]
    )
    found.teams = list(
        _found(Team.objects.filter(workspace=workspace), workspace, kind.TEAM, terms).order_by(
            "name"
        )[:PER_KIND]
    )
    return found
