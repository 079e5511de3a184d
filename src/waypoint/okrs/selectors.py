"""Reads of OKRs. Each takes the workspace first and returns rows with what pages need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL

from waypoint.lib import scoring
from waypoint.workspaces import permissions
from waypoint.workspaces.models import Member, Workspace

from .models import CheckIn, Cycle, Initiative, KeyResult, Objective


def current_checkin(key_result: KeyResult) -> CheckIn | None:
    return key_result.checkins.order_by("-date", "-id").first()


def cycles_list(workspace: Workspace) -> QuerySet[Cycle]:
    return Cycle.objects.filter(workspace=workspace).select_related("parent")


def current_cycle(workspace: Workspace) -> Cycle | None:
    return Cycle.objects.filter(workspace=workspace, is_current=True).first()


def objectives_of_cycle(workspace: Workspace, cycle: Cycle) -> QuerySet[Objective]:
    """The cycle's objectives with owners, teams, parents and key results (current values)."""
    krs = KeyResult.objects.select_related("owner__user", "team").order_by("position", "id")
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


# --- Page view-models ------------------------------------------------------------------------


def visible_q(member: Member | None, via: str = "") -> Q:
    """The one visibility rule, as a filter on the objective reached through ``via`` (e.g.
    ``"key_result__objective__"``): a private objective is seen by its owner, the members of
    its teams and admins; ``member=None`` (a share link, a Slack channel) sees none. Key
    results, check-ins, initiatives and annotations follow their objective."""
    if member is not None and permissions.can_admin(member):
        return Q()
    public = Q(**{f"{via}private": False})
    if member is None:
        return public
    if via:
        # Through a relation ("objective__", "key_result__objective__"): the objective's id
        # is not one of the few private objectives hidden from the member, a small set read
        # once through the partial index ``objective_private``, instead of a join to every
        # objective and a test of each (at 100,000 people, a member's key results: 45-56 ms
        # to 23-32; a page of check-ins: 29 ms to 16 in the database; of annotations 56 to 31).
        return ~Q(**{f"{via[:-2]}__in": hidden_objectives(member)})
    in_team = Objective.teams.through.objects.filter(objective=OuterRef("pk"), team__members=member)
    return public | Q(owner=member) | Q(Exists(in_team))


def hidden_objectives(member: Member) -> QuerySet[Objective]:
    """The private objectives of the member's workspace that the member may not see (not
    theirs, none of their teams'), as a subquery of ids."""
    in_team = Objective.teams.through.objects.filter(objective=OuterRef("pk"), team__members=member)
    return (
        Objective.objects.filter(workspace_id=member.workspace_id, private=True)
        .exclude(owner=member)
        .exclude(Exists(in_team))
        .order_by()
        .values("pk")
    )


def visible_through(member: Member | None, via: str) -> Q:
    """``visible_q`` for records that hang on a key result or on something else (an
    annotation or initiative of a KPI, ``via`` null): those of a key result follow its
    objective, the others are seen by every member."""
    rule = visible_q(member, f"{via}__objective__")
    return rule if not rule else Q(**{f"{via}__isnull": True}) | rule


def visible_initiatives(workspace: Workspace, member: Member | None) -> QuerySet[Initiative]:
    """Initiatives the member may see: a key result's follow its objective (``visible_q``),
    a KPI's are seen by every member."""
    return Initiative.objects.filter(workspace=workspace).filter(
        visible_through(member, "key_result")
    )


def visible_objectives(workspace: Workspace, member: Member | None) -> QuerySet[Objective]:
    """Objectives the member may see (``visible_q``)."""
    return Objective.objects.filter(workspace=workspace).filter(visible_q(member))


def visible_key_results(workspace: Workspace, member: Member | None) -> QuerySet[KeyResult]:
    """Key results of the objectives the member may see."""
    return KeyResult.objects.filter(workspace=workspace).filter(visible_q(member, "objective__"))


CONFIDENCE_ORDER = {"on_track": 0, "at_risk": 1, "off_track": 2}


@dataclass
class KeyResultRow:
    """A key result with everything a screen shows about it, computed once."""

    kr: KeyResult
    progress: float
    score: float
    expected: float
    current: float | None
    confidence: str | None
    last_date: dt.date | None

    @property
    def pace(self) -> float:
        return scoring.pace(self.progress, self.expected)


@dataclass
class ObjectiveRow:
    objective: Objective
    progress: float
    score: float
    expected: float
    krs: list[KeyResultRow] = field(default_factory=list)

    @property
    def pace(self) -> float:
        return scoring.pace(self.progress, self.expected)

    @property
    def confidence(self) -> str | None:
        seen = [r.confidence for r in self.krs if r.confidence]
        return max(seen, key=CONFIDENCE_ORDER.__getitem__) if seen else None


def kr_expected(kr: KeyResult, cycle: Cycle, today: dt.date) -> float:
    """How far along a key result should be today: from its own start, when it started
    after its cycle, to the cycle's end. Nothing is behind on its first day."""
    start = max(cycle.start, kr.starts_on) if kr.starts_on else cycle.start
    return scoring.expected_progress(start, cycle.end, today)


def kr_row(kr: KeyResult, expected: float) -> KeyResultRow:
    """A key result's view-model from its stored roll-ups."""
    return KeyResultRow(
        kr=kr,
        progress=kr.progress,
        score=kr.score,
        expected=expected,
        current=kr.current_value,
        confidence=kr.current_confidence or None,
        last_date=kr.current_date,
    )


def rows_for(objectives: Iterable[Objective], today: dt.date) -> list[ObjectiveRow]:
    """View-models for objectives fetched with their cycle and key results, from the stored
    roll-ups (``okrs.rollups``): no page scores anything itself."""
    rows = []
    for obj in objectives:
        krs = list(obj.key_results.all())
        row = ObjectiveRow(
            objective=obj,
            progress=obj.progress,
            score=obj.score,
            expected=scoring.expected_progress(obj.cycle.start, obj.cycle.end, today),
        )
        row.krs = [kr_row(kr, kr_expected(kr, obj.cycle, today)) for kr in krs]
        if any(kr.starts_on for kr in krs):  # the objective's pace follows its key results'
            row.expected = scoring.weighted_mean((r.expected, r.kr.weight) for r in row.krs)
        rows.append(row)
    return rows


def group_rows(rows: list[ObjectiveRow], teams: Iterable) -> tuple:
    """Company, then every team (cross-team objectives under each of their teams), then people:
    ``(company, [(team, rows)], rows of team objectives without a team, individual)``."""
    company = [r for r in rows if r.objective.level == Objective.Level.COMPANY]
    individual = [r for r in rows if r.objective.level == Objective.Level.INDIVIDUAL]
    by_team: dict[int, list[ObjectiveRow]] = {}
    no_team = []
    for r in rows:
        if r.objective.level != Objective.Level.TEAM:
            continue
        team_list = list(r.objective.teams.all())
        for t in team_list:
            by_team.setdefault(t.pk, []).append(r)
        if not team_list:
            no_team.append(r)
    team_groups = [(t, by_team[t.pk]) for t in teams if by_team.get(t.pk)]
    return company, team_groups, no_team, individual


def _details() -> tuple:
    """What ``objectives_with_details`` prefetches: teams, and key results (their own
    fields: an objective's row counts and scores them; who owns each is read where it is
    shown, on the objective's page and in the spreadsheet export)."""
    return ("teams", outline_key_results())


def objectives_with_details(workspace: Workspace, member: Member) -> QuerySet[Objective]:
    """Visible objectives with owners, teams, cycle and key results (current values)."""
    return (
        visible_objectives(workspace, member)
        .select_related("owner__user", "cycle")
        .prefetch_related(*_details())
        .order_by("position", "id")
    )


def rows_for_groups(groups: list[QuerySet[Objective]], today: dt.date) -> list[list[ObjectiveRow]]:
    """``rows_for`` of several slices of ``objectives_with_details`` (a page's groups), with
    the teams and key results of all of them read at once: a query a group and two more,
    instead of three a group."""
    fetched = [list(qs.prefetch_related(None)) for qs in groups]
    prefetch_related_objects([o for objs in fetched for o in objs], *_details())
    return [rows_for(objs, today) for objs in fetched]


def for_outline(objectives: QuerySet[Objective]) -> QuerySet[Objective]:
    """Objectives with what an outline of them shows (the alignment tree and map): the
    owner's name and the cycle, without the teams that ``objectives_with_details`` also
    reads. Their key results come apart (``outline_key_results``), for every level of the
    outline at once."""
    return (
        objectives.select_related(None)
        .prefetch_related(None)
        .select_related("owner__user", "cycle")
    )


def outline_key_results() -> Prefetch:
    """Key results with their own fields, in their order, for rows and outlines of
    objectives (``objectives_with_details``; the alignment tree reads those of all its
    levels at once)."""
    return Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id"))


def key_results_of(workspace: Workspace, member: Member, cycle: Cycle) -> QuerySet[KeyResult]:
    """The key results a member answers for in a cycle: owned, or of objectives they own."""
    # Their objectives' ids first: ``owner OR objective owner`` across a join made the
    # database scan every key result of the workspace; two indexed lookups OR-ed do not.
    own = list(
        Objective.objects.filter(workspace=workspace, cycle=cycle, owner=member).values_list(
            "pk", flat=True
        )
    )
    return (
        KeyResult.objects.filter(workspace=workspace, objective__cycle=cycle)
        .filter(Q(owner=member) | Q(objective__in=own))
        .exclude(objective__status=Objective.Status.ARCHIVED)
        .select_related("objective__cycle", "owner__user")
        .order_by("objective__position", "position", "id")
    )


def checkin_sheet(workspace: Workspace, member: Member, cycle: Cycle) -> QuerySet[KeyResult]:
    """The key results of a member's weekly check-in, each with its last comment: the
    newest check-in that said something, its date and who wrote it (one query)."""
    said = CheckIn.objects.filter(key_result=OuterRef("pk")).exclude(comment="")
    said = said.order_by("-date", "-id")
    return key_results_of(workspace, member, cycle).annotate(
        last_comment=Subquery(said.values("comment")[:1]),
        last_comment_date=Subquery(said.values("date")[:1]),
        last_comment_by=Subquery(said.values("author__user__full_name")[:1]),
    )


def week_of(day: dt.date) -> dt.date:
    """The Monday of the day's week: check-in weeks run Monday to Sunday."""
    return day - dt.timedelta(days=day.weekday())


def checkin_streak(member: Member, today: dt.date) -> int:
    """Weeks in a row, up to this one, in which the member checked in at least once. A
    streak is kept through this week until it ends: last week counts while this one is open.

    One statement asks, for each of the last ``STREAK_WEEKS`` weeks, whether the member
    wrote a check-in in it: each question is one seek in the index of authors' days, so the
    cost follows the weeks, not the check-ins. A member whose script checks in every hour
    has thousands a year, and reading their days made the check-in page wait for them."""
    monday = week_of(today)
    weeks = [monday - dt.timedelta(weeks=k) for k in range(STREAK_WEEKS + 1)]
    q = connection.ops.quote_name
    table, author, date = q(CheckIn._meta.db_table), q("author_id"), q("date")
    day = connection.ops.adapt_datefield_value
    # Our own text: the week numbers are our loop's integers, the rest are parameters.
    sql = " UNION ALL ".join(
        f"SELECT {k} WHERE EXISTS (SELECT 1 FROM {table} WHERE {author} = %s "  # noqa: S608
        f"AND {date} >= %s AND {date} <= %s)"
        for k in range(len(weeks))
    )
    params = []
    for start in weeks:
        params += [member.pk, day(start), day(min(start + dt.timedelta(days=6), today))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        active = {row[0] for row in cursor.fetchall()}
    first = 0 if 0 in active else 1  # this week, or last week while this one is open
    streak = 0
    while first + streak in active:
        streak += 1
    return streak


STREAK_WEEKS = 52  # the longest streak a page counts


@dataclass
class TeamWeek:
    """A team's check-ins this week, for its lead: how many key results have one, and who
    has not checked in yet."""

    team: object
    done: int
    total: int
    waiting: list[str]

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0


def teams_week(
    workspace: Workspace, member: Member, cycle: Cycle, today: dt.date, limit: int = 5
) -> list[TeamWeek]:
    """For the teams a member leads: the key results of the team's objectives in the cycle
    (or given to the team) checked in since Monday, and the owners still to check in."""
    from waypoint.workspaces.models import Team

    monday = week_of(today)
    out = []
    live = KeyResult.objects.filter(workspace=workspace, objective__cycle=cycle).exclude(
        objective__status__in=[Objective.Status.ARCHIVED, Objective.Status.DRAFT]
    )
    for team in Team.objects.filter(workspace=workspace, lead=member).order_by("name")[:limit]:
        # The team's key results as two indexed lookups, ids first (a team holds tens):
        # "of its objectives OR given to it" across the join made PostgreSQL scan the
        # cycle's key results, 110 ms at 100,000 people.
        ids = set(live.filter(objective__teams=team).values_list("pk", flat=True))
        ids |= set(live.filter(team=team).values_list("pk", flat=True))
        krs = KeyResult.objects.filter(pk__in=sorted(ids))
        counts = krs.aggregate(
            total=Count("pk"), done=Count("pk", filter=Q(current_date__gte=monday))
        )
        waiting = (
            krs.filter(Q(current_date__lt=monday) | Q(current_date__isnull=True))
            .exclude(owner=None)
            .values_list("owner__user__full_name", "owner__user__email")
            .distinct()
            .order_by("owner__user__full_name")[:8]
        )
        out.append(
            TeamWeek(
                team=team,
                done=counts["done"],
                total=counts["total"],
                waiting=[name or email for name, email in waiting],
            )
        )
    return out


# --- Bounded organisation pages ------------------------------------------------------------

# The most a page shows of one group; the rest is a page away (filters, "more" links).
GROUP_LIMIT = 30
PAGE_SIZE = 40
TEAMS_PER_PAGE = 30


def confidence_q(confidence: str) -> Q:
    """Objectives whose worst key result confidence (as ``ObjectiveRow.confidence``) is this."""
    worse = [c for c, rank in CONFIDENCE_ORDER.items() if rank > CONFIDENCE_ORDER[confidence]]

    def having(values):
        return Exists(
            KeyResult.objects.filter(objective=OuterRef("pk"), current_confidence__in=values)
        )

    q = Q(having([confidence]))
    if worse:
        q &= ~Q(having(worse))
    return q


def cycle_objectives(workspace: Workspace, member: Member, cycle: Cycle) -> QuerySet[Objective]:
    """The cycle's objectives the member may see, archived ones left out, with details."""
    return (
        objectives_with_details(workspace, member)
        .filter(cycle=cycle)
        .exclude(status=Objective.Status.ARCHIVED)
    )


def team_objectives_q(team) -> Q:
    """A team's objectives: those of the team, and its members' own without a team.

    One set of ids from two indexed lookups joined by UNION: a join through teams and
    members repeats rows (the query then needs DISTINCT over every column), and an OR
    across them keeps the database from its indexes; this form matches each objective once
    and reads only the team's rows."""
    from waypoint.workspaces.models import Team

    links = Objective.teams.through.objects
    members = Team.members.through.objects.filter(team=team).values("member_id")
    own = Objective.objects.filter(level=Objective.Level.INDIVIDUAL, owner__in=members).filter(
        ~Exists(links.filter(objective=OuterRef("pk")))
    )
    ids = links.filter(team=team).order_by().values("objective_id")
    return Q(pk__in=ids.union(own.order_by().values("pk")))


def cycle_teams(workspace: Workspace, member: Member, cycle: Cycle, *, search: str = ""):
    """Teams with objectives in the cycle that the member may see, by name: the folded
    groups of the overview, to paginate (``team_stats`` counts a page of them)."""
    from waypoint.workspaces.models import Team

    # Each team asks whether it has one such objective, and stops at the first: a list of
    # every objective of the cycle to match teams against cost as much as the cycle is large
    # (5.3 ms to 0.9 ms for 1,000 teams and 6,000 objectives on SQLite).
    seen = (
        Objective.teams.through.objects.filter(
            team=OuterRef("pk"), objective__workspace=workspace, objective__cycle=cycle
        )
        .exclude(objective__status=Objective.Status.ARCHIVED)
        .filter(visible_q(member, "objective__"))
    )
    teams = Team.objects.filter(workspace=workspace).filter(Exists(seen))
    if search:
        teams = teams.filter(name__icontains=search)
    return teams.order_by("name", "pk")


def team_stats(workspace: Workspace, member: Member, cycle: Cycle | None, teams) -> list:
    """A page of teams, each with ``objective_count``, ``mean_score`` and ``mean_progress``
    of its objectives in the cycle that the member may see, in one query. It goes from the
    page's teams to their objectives (the team index, then each objective by its key):
    starting from every objective of the cycle made SQLite probe each against the page's
    teams, 90 ms at 10,000 people."""
    from django.db.models import Avg, Count

    teams = list(teams)
    stats = {}
    if cycle is not None:
        rows = (
            Objective.teams.through.objects.filter(
                team__in=[t.pk for t in teams],
                objective__workspace=workspace,
                objective__cycle=cycle,
            )
            .exclude(objective__status=Objective.Status.ARCHIVED)
            .filter(visible_q(member, "objective__"))
            .values("team_id")
            .annotate(
                n=Count("objective_id"),
                score=Avg("objective__score"),
                progress=Avg("objective__progress"),
            )
        )
        stats = {r["team_id"]: (r["n"], r["score"], r["progress"]) for r in rows}
    for t in teams:
        t.objective_count, t.mean_score, t.mean_progress = stats.get(t.pk, (0, None, None))
    return teams


def work_then_movement(kr: KeyResult) -> list[dict]:
    """Evidence that the work moved the goal: for each initiative of the key result that was
    done (theirs prefetched, with its check-ins: each day's last), its value on that day and
    the first later day whose value changed it ({"initiative", "then", "moved", "days"};
    ``moved`` None while nothing moved). Reads nothing more."""
    done = sorted((i for i in kr.initiatives.all() if i.done_on), key=lambda i: i.done_on)
    if not done:
        return []
    checkins = sorted(kr.checkins.all(), key=lambda c: (c.date, c.pk))
    out = []
    for initiative in done:
        before = [c for c in checkins if c.date <= initiative.done_on]
        then = before[-1].value if before else kr.start
        moved = next((c for c in checkins if c.date > initiative.done_on and c.value != then), None)
        out.append(
            {
                "initiative": initiative,
                "then": then,
                "moved": moved,
                "days": (moved.date - initiative.done_on).days if moved else None,
            }
        )
    return out


@dataclass(frozen=True)
class KrForecast:
    """Where a key result's check-ins lead by its cycle's end: the value with its band, and
    the progress it would make towards ``target`` (its own, or a what-if)."""

    value: float
    low: float
    high: float
    target: float
    progress: float
    progress_low: float
    progress_high: float
    what_if: bool = False
    span: float = 0.0

    @property
    def places(self) -> int:
        """Decimals worth showing: an estimate of a count from 0 to 1,000 is 499, not
        499.13; of a rate from 18 to 28 one decimal; of a range under 10, two."""
        if self.span >= 100:
            return 0
        return 1 if self.span >= 10 else 2


def day_last_checkins() -> QuerySet[CheckIn]:
    """Each day's last check-in (by entry order) as a date and a value: a key result's value
    at the end of each day, as the current value is the latest. A page prefetches these, a
    point a day at most, however many check-ins a day brought (a data source's, a script's)."""
    later_that_day = CheckIn.objects.filter(
        key_result=OuterRef("key_result"), date=OuterRef("date"), pk__gt=OuterRef("pk")
    )
    return (
        CheckIn.objects.filter(~Exists(later_that_day))
        .only("id", "key_result_id", "date", "value")
        .order_by("-date", "-id")
    )


def latest_checkins(key_results: Iterable[KeyResult], n: int) -> dict[int, list[CheckIn]]:
    """The newest ``n`` check-ins of each key result, whole with their authors, in one query
    that walks each key result's index ``n`` rows deep: its cost follows ``n``, not the
    length of the histories (the window Django builds for a sliced prefetch ranks them all).
    PostgreSQL takes the walks as a lateral join; an ``OR`` of ``IN`` subqueries, which
    SQLite runs as separate index walks, made it scan the whole table (0.9 s)."""
    ids = sorted({kr.pk for kr in key_results})
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(CheckIn._meta.db_table)
        # Our own text and table name; the ids and the limit are parameters.
        newest = Q(
            pk__in=RawSQL(  # noqa: S611
                "SELECT c.id FROM unnest(%s::bigint[]) AS k(id) CROSS JOIN LATERAL "  # noqa: S608
                f"(SELECT id FROM {table} WHERE key_result_id = k.id "
                "ORDER BY date DESC, id DESC LIMIT %s) AS c",
                (ids, n),
            )
        )
    else:
        newest = Q()
        for pk in ids:
            newest |= Q(
                pk__in=CheckIn.objects.filter(key_result_id=pk)
                .order_by("-date", "-id")
                .values("pk")[:n]
            )
    found: dict[int, list[CheckIn]] = {pk: [] for pk in ids}
    for checkin in (
        CheckIn.objects.filter(newest).select_related("author__user").order_by("-date", "-id")
    ):
        found[checkin.key_result_id].append(checkin)
    return found


def day_values(kr: KeyResult) -> list[tuple[dt.date, float]]:
    """A key result's value at the end of each day it was checked in (prefetched check-ins,
    ``day_last_checkins`` or all of them): the latest of the day, so a day of many check-ins
    is one point on a chart or a fit."""
    last: dict[dt.date, tuple[int, float]] = {}
    for c in kr.checkins.all():
        if c.date not in last or c.pk > last[c.date][0]:
            last[c.date] = (c.pk, c.value)
    return [(day, value) for day, (_pk, value) in sorted(last.items())]


def kr_forecast(kr: KeyResult, end: dt.date, target: float | None = None) -> KrForecast | None:
    """The key result's value at ``end`` from its check-ins (prefetched) and the progress it
    makes towards its target, or towards ``target`` for a what-if. None for milestones, a
    key result driven by others, or fewer than three check-ins."""
    from waypoint.lib import kpi as maths

    if kr.type not in (KeyResult.Type.INCREASE, KeyResult.Type.DECREASE) or kr.driven_by_children:
        return None
    found = maths.forecast_line(day_values(kr), end)
    goal = kr.target if target is None else target
    if found is None or goal is None:
        return None

    def progress(value: float) -> float:
        return scoring.kr_progress(
            kr.type, start=kr.start, target=goal, current=value, direction=kr.direction
        )

    ends = sorted([progress(found.low), progress(found.high)])
    return KrForecast(
        value=found.value,
        low=found.low,
        high=found.high,
        target=goal,
        progress=progress(found.value),
        progress_low=ends[0],
        progress_high=ends[1],
        what_if=target is not None,
        span=abs(goal - kr.start) if kr.start is not None else abs(goal),
    )


def team_leads(objective: Objective) -> set[Member]:
    """The leads of the objective's teams and of its owner's teams (who review its draft and
    hear when a commitment turns red), its owner excepted."""
    from waypoint.workspaces.models import Team

    teams = Team.objects.filter(
        Q(objectives=objective) | Q(members=objective.owner_id), lead__isnull=False
    ).select_related("lead__user")
    return {t.lead for t in teams if t.lead_id != objective.owner_id}


def may_review(member: Member | None, objective: Objective) -> bool:
    """Editors and above, and the leads of its teams or its owner's, review a proposed
    draft; never its own owner."""
    if member is None or member.pk == objective.owner_id:
        return False
    return permissions.can_edit_all(member) or member in team_leads(objective)


# --- Dependencies ("blocked by") -------------------------------------------------------------


@dataclass
class DependencyRow:
    """One side of a dependency as a page shows it: the other objective, its progress and
    pace, and whether it is done (a blocker at 100% no longer blocks)."""

    dependency: object
    other: Objective
    expected: float

    @property
    def pace(self) -> float:
        return scoring.pace(self.other.progress, self.expected)

    @property
    def cleared(self) -> bool:
        return self.other.progress >= 1


def links_of(objective: Objective, member: Member | None, today: dt.date) -> tuple:
    """``(dependencies_of, contributions_of)`` of an objective, read only where it has any:
    most objectives have neither, and one query that says so costs less than the four that
    read them (each with its other side's owner and cycle)."""
    from .models import Contribution, Dependency

    touches = Objective.objects.filter(pk=objective.pk).annotate(
        waits=Exists(
            Dependency.objects.filter(Q(objective=OuterRef("pk")) | Q(blocked_by=OuterRef("pk")))
        ),
        counts=Exists(
            Contribution.objects.filter(Q(objective=OuterRef("pk")) | Q(parent=OuterRef("pk")))
        ),
    )
    waits, counts = touches.values_list("waits", "counts").get()
    return (
        dependencies_of(objective, member, today) if waits else ([], []),
        contributions_of(objective, member) if counts else ([], []),
    )


def dependencies_of(objective: Objective, member: Member | None, today: dt.date) -> tuple:
    """What an objective waits for and what waits for it, each as ``DependencyRow``s, among
    the objectives the reader may see (one visibility rule: a private blocker stays out)."""
    from .models import Dependency

    def rows(qs, side):
        out = []
        for d in qs.select_related(f"{side}__owner__user", f"{side}__cycle").order_by(
            f"{side}__title", "pk"
        ):
            other = getattr(d, side)
            expected = scoring.expected_progress(other.cycle.start, other.cycle.end, today)
            out.append(DependencyRow(dependency=d, other=other, expected=expected))
        return out

    waits_for = Dependency.objects.filter(objective=objective).filter(
        visible_q(member, "blocked_by__")
    )
    blocks = Dependency.objects.filter(blocked_by=objective).filter(
        visible_q(member, "objective__")
    )
    return rows(waits_for, "blocked_by"), rows(blocks, "objective")


def objective_candidates(
    objective: Objective, member: Member | None, words: str, *, exclude: Q
) -> list:
    """Up to ten objectives whose title holds ``words``, to link ``objective`` to (a
    blocker, another objective it counts towards): visible to the reader, in a cycle that
    overlaps its own, not archived, not itself, and not what ``exclude`` leaves out."""
    words = words.strip()[:100]
    if not words:
        return []
    cycle = objective.cycle
    return list(
        visible_objectives(objective.workspace, member)
        .filter(title__icontains=words, cycle__start__lte=cycle.end, cycle__end__gte=cycle.start)
        .exclude(pk=objective.pk)
        .exclude(exclude)
        .exclude(status=Objective.Status.ARCHIVED)
        .select_related("owner__user", "cycle")
        .order_by("title", "pk")[:10]
    )


def contributions_of(objective: Objective, member: Member | None) -> tuple[list, list]:
    """The other objectives ``objective`` counts towards, and those that count towards it
    besides the ones aligned under it, among the objectives the reader may see."""
    from .models import Contribution

    towards = (
        Contribution.objects.filter(objective=objective)
        .filter(visible_q(member, "parent__"))
        .select_related("parent__cycle")
        .order_by("parent__title", "pk")
    )
    counted = (
        Contribution.objects.filter(parent=objective)
        .filter(visible_q(member, "objective__"))
        .select_related("objective__owner__user")
        .order_by("objective__title", "pk")
    )
    return list(towards), list(counted)


def links_among(ids: list[int], member: Member | None) -> dict[str, dict[int, list[int]]]:
    """For a page of objectives (at most a map's budget of ids), the visible objectives
    each waits for and each also counts towards besides its parent:
    ``{"blocked_by": {id: [ids]}, "counts_towards": {id: [ids]}}``."""
    from .models import Contribution, Dependency

    out: dict[str, dict[int, list[int]]] = {"blocked_by": {}, "counts_towards": {}}
    for name, model, other in (
        ("blocked_by", Dependency, "blocked_by"),
        ("counts_towards", Contribution, "parent"),
    ):
        for pk, linked in (
            model.objects.filter(objective__in=ids)
            .filter(visible_q(member, f"{other}__"))
            .values_list("objective_id", f"{other}_id")
            .order_by("objective_id", f"{other}_id")
        ):
            out[name].setdefault(pk, []).append(linked)
    return out
