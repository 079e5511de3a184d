"""`waypoint seed --people N`: a deterministic synthetic organisation for load and benchmarks.

The shape of a large company: N people in N/10 teams of a three- or four-level hierarchy,
a year with its quarters, company objectives, one objective per team and one per two people
aligned up the tree (some private), three key results each of mixed types with twelve weekly
check-ins, N/20 KPIs with two years of daily data, annotations, open deviations and a report.

Rows are written in bulk, not through the services one by one (10,000 people would take an
hour that way): no audit rows, one shared password hash. The same N and seed give the same
organisation, titles and values included.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from django.db import connection, transaction
from django.utils import timezone

from waypoint.lib import bulk, planner

PASSWORD = "waypoint-seed"  # noqa: S105 - a published login for synthetic data, not a secret
BATCH = 5_000

FIRST = "Ada Ben Chloe Dan Eva Finn Gita Hugo Ines Jan Kira Liam Maja Nils Olga Piet Rosa".split()
LAST = "Novak Berg Costa Dahl Evans Fischer Garcia Hale Ito Jansen Kowalski Lund Meyer".split()
VERBS = ["Delight", "Win", "Grow", "Simplify", "Speed up", "Earn the trust of", "Surprise"]
WHO = ["our customers", "new partners", "first-time buyers", "the field teams", "our members"]
MEASURES = [
    ("Raise NPS from {a} to {b}", "increase", "points"),
    ("Cut time to first reply from {a} to {b} hours", "decrease", "h"),
    ("Grow weekly active teams from {a} to {b}", "increase", "teams"),
    ("Lower churn from {a}% to {b}%", "decrease", "%"),
    ("Keep uptime at or above {b}%", "maintain", "%"),
    ("Ship the self-serve onboarding", "milestone", ""),
]


class Progress:
    """A one-line progress bar on standard error: the step, a bar and the rows so far."""

    def __init__(self, total_steps: int, out=sys.stderr, enabled: bool = True):
        self.total, self.done, self.out, self.enabled = total_steps, 0, out, enabled
        self.started = time.monotonic()

    def step(self, label: str, rows: int) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.monotonic() - self.started
        self.out.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"{label}: {rows:,} rows, {elapsed:.0f} s".ljust(78)
        )
        if self.done == self.total:
            self.out.write("\n")
        self.out.flush()


STEPS = 8


def _bulk(model, rows: list) -> list:
    out = []
    for i in range(0, len(rows), BATCH):
        out += model.objects.bulk_create(rows[i : i + BATCH], batch_size=BATCH)
    return out


@transaction.atomic
def seed(
    *,
    people: int,
    slug: str = "bigco",
    seed: int = 1,
    today: dt.date | None = None,
    progress: Progress | None = None,
):
    """Create the workspace ``slug`` with ``people`` people and everything around them."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.exceptions import ValidationError

    from waypoint.kpis import services as kpi_services
    from waypoint.kpis.models import Annotation, DataPoint, Deviation, Kpi
    from waypoint.okrs import rollups
    from waypoint.okrs import services as okr
    from waypoint.okrs.models import CheckIn, Cycle, KeyResult, Objective
    from waypoint.reports import services as reports
    from waypoint.workspaces import services as ws_services
    from waypoint.workspaces.models import Member, Role, Team, User, Workspace

    if people < 10:
        raise ValidationError({"people": "Seed at least 10 people."})
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError({"workspace": f"The workspace {slug} exists already."})
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    today = today or dt.date.today()
    progress = progress or Progress(STEPS, enabled=False)
    hashed = make_password(PASSWORD)

    # People: the first is the owner; then admins, editors, viewers and members.
    domain = f"{slug}.test"
    owner_user = User.objects.create_user(email=f"owner@{domain}", full_name="Olivia Owner")
    owner_user.password = hashed
    owner_user.save(update_fields=["password"])
    ws = ws_services.workspace_create(
        name=f"{slug.title()} ({people:,} people)", slug=slug, owner=owner_user, actor=None
    )
    users = _bulk(
        User,
        [
            User(
                email=f"p{i}@{domain}",
                full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                password=hashed,
            )
            for i in range(1, people)
        ],
    )
    _bulk(
        EmailAddress,
        [
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in [owner_user, *users]
        ],
    )

    def role(i: int) -> str:
        r = i % 100
        return (
            Role.ADMIN
            if r == 0
            else Role.EDITOR
            if r < 10
            else Role.VIEWER
            if r < 15
            else Role.MEMBER
        )

    _bulk(Member, [Member(workspace=ws, user=u, role=role(i)) for i, u in enumerate(users, 1)])
    members = list(Member.objects.filter(workspace=ws).order_by("id"))
    progress.step("people", len(members))

    # Teams: a tree with eight children a node, so 1,000 teams stand four levels deep.
    n_teams = max(1, people // 10)
    teams = []
    for i in range(n_teams):
        # Member i belongs to team i % n_teams: the first of each team leads it.
        teams.append(Team(workspace=ws, name=f"Team {i + 1:04d}", lead=members[i]))
    teams = _bulk(Team, teams)
    for i, team in enumerate(teams):
        if i:
            team.parent = teams[(i - 1) // 8]
    Team.objects.bulk_update(teams, ["parent"], batch_size=BATCH)
    team_of = {m.pk: teams[i % n_teams] for i, m in enumerate(members)}
    through = Team.members.through
    _bulk(through, [through(team_id=team_of[m.pk].pk, member_id=m.pk) for m in members])
    progress.step("teams", n_teams)

    # Cycles: this year and its quarters; the current quarter is current.
    year = okr.cycle_create_year(workspace=ws, year=today.year, actor=None)
    quarter = Cycle.objects.get(parent=year, start__lte=today, end__gte=today)
    okr.cycle_set_current(cycle=quarter, actor=None)

    # Objectives: company ones, one per team aligned to its parent team's (or the company's),
    # one per two people aligned to their team's; one in twenty personal ones is private.
    def title() -> str:
        return f"{rng.choice(VERBS)} {rng.choice(WHO)} ({rng.randrange(1000, 9999)})"

    company = _bulk(
        Objective,
        [
            Objective(
                workspace=ws,
                cycle=quarter,
                title=title(),
                why="Where we want to be",
                level=Objective.Level.COMPANY,
                owner=members[0],
                position=i,
            )
            for i in range(5)
        ],
    )
    team_objectives = _bulk(
        Objective,
        [
            Objective(
                workspace=ws,
                cycle=quarter,
                title=title(),
                why="What the team owes",
                level=Objective.Level.TEAM,
                owner=t.lead,
                position=i,
                parent=company[i % len(company)],
            )
            for i, t in enumerate(teams)
        ],
    )
    for i, o in enumerate(team_objectives):
        if teams[i].parent_id is not None:
            o.parent = team_objectives[(i - 1) // 8]
    Objective.objects.bulk_update(team_objectives, ["parent"], batch_size=BATCH)
    team_objective = {t.pk: o for t, o in zip(teams, team_objectives, strict=True)}
    personal_owners = members[1::2]
    personal = _bulk(
        Objective,
        [
            Objective(
                workspace=ws,
                cycle=quarter,
                title=title(),
                why="My part",
                level=Objective.Level.INDIVIDUAL,
                owner=m,
                position=i,
                parent=team_objective[team_of[m.pk].pk],
                private=(i % 20 == 7),
            )
            for i, m in enumerate(personal_owners)
        ],
    )
    objectives = [*company, *team_objectives, *personal]
    obj_teams = Objective.teams.through
    _bulk(
        obj_teams,
        [
            obj_teams(objective_id=o.pk, team_id=t.pk)
            for t, o in zip(teams, team_objectives, strict=True)
        ]
        + [obj_teams(objective_id=o.pk, team_id=team_of[o.owner_id].pk) for o in personal],
    )
    progress.step("objectives", len(objectives))

    # Key results: three each, of mixed types and scoring.
    krs = []
    for o in objectives:
        for position in range(3):
            text, kind, unit = MEASURES[rng.randrange(len(MEASURES))]
            a = rng.randrange(10, 60)
            b = a + rng.randrange(5, 40) if kind != "decrease" else max(1, a - rng.randrange(5, a))
            krs.append(
                KeyResult(
                    workspace=ws,
                    objective=o,
                    title=text.format(a=a, b=b),
                    type=kind,
                    start=None if kind in ("milestone", "maintain") else a,
                    target=None if kind == "milestone" else b,
                    unit=unit,
                    owner_id=o.owner_id,
                    scoring="binary" if rng.random() < 0.1 else "spectrum",
                    position=position,
                )
            )
    krs = _bulk(KeyResult, krs)
    progress.step("key results", len(krs))

    # Twelve weekly check-ins each, moving from the start towards (and past) the target.
    confidences = ["on_track", "on_track", "at_risk", "off_track"]
    checkins = []
    for kr in krs:
        pace = rng.uniform(0.2, 1.2)
        for week in range(12):
            day = today - dt.timedelta(days=7 * (11 - week))
            if kr.type == "milestone":
                value = 1.0 if week == 11 and rng.random() < 0.4 else 0.0
            elif kr.type == "maintain":
                value = kr.target + rng.uniform(-3, 3)
            else:
                value = round(kr.start + (kr.target - kr.start) * pace * (week + 1) / 12, 2)
            checkins.append(
                CheckIn(
                    workspace=ws,
                    key_result=kr,
                    date=day,
                    value=value,
                    confidence=confidences[rng.randrange(4)],
                    author_id=kr.owner_id,
                )
            )
    _bulk(CheckIn, checkins)
    rollups.recompute(ws)
    progress.step("check-ins and scores", len(checkins))

    # KPIs with two years of daily data.
    n_kpis = max(1, people // 20)
    kpis = _bulk(
        Kpi,
        [
            Kpi(
                workspace=ws,
                name=f"KPI {i + 1:04d}: {rng.choice(['Tickets', 'Leads', 'Visits', 'Orders'])}",
                unit="",
                frequency=rng.choice(["daily", "weekly", "monthly"]),
                aggregation=rng.choice(["sum", "average", "last"]),
                warning=40,
                critical=20,
                owner=members[(i * 7) % len(members)],
                team=teams[i % n_teams],
            )
            for i in range(n_kpis)
        ],
    )
    # Plain rows by the fastest way each database has (COPY on PostgreSQL): objects would
    # cost more than writing them, at 3.65 million points for 100,000 people.
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(timezone.now())
    days = [ops.adapt_datefield_value(today - dt.timedelta(days=729 - d)) for d in range(730)]
    points = []
    for kpi in kpis:
        level = rng.uniform(50, 150)
        for day in days:
            level = max(0.0, level + rng.uniform(-4, 4))
            points.append((ws.pk, kpi.pk, day, round(level, 2), None, stamp, stamp))
        if len(points) >= 100_000:
            bulk.insert(DataPoint._meta.db_table, kpi_services.POINT_COLUMNS, points)
            points = []
    bulk.insert(DataPoint._meta.db_table, kpi_services.POINT_COLUMNS, points)
    kpi_services.kpis_restate(ws)
    progress.step("KPI data", n_kpis * 730)

    # Annotations, open deviations and a report of last month.
    notes = [
        Annotation(
            workspace=ws,
            kpi=k,
            date=today - dt.timedelta(days=rng.randrange(1, 700)),
            kind="external",
            text="A competitor's campaign",
        )
        for k in kpis
    ] + [
        Annotation(
            workspace=ws,
            key_result=kr,
            date=today - dt.timedelta(days=rng.randrange(1, 80)),
            kind="campaign",
            text="Spring campaign",
        )
        for kr in krs[::50]
    ]
    _bulk(Annotation, notes)
    _bulk(
        Deviation,
        [
            Deviation(
                workspace=ws,
                kpi=k,
                level="warning",
                opened_on=today,
                period_start=today.replace(day=1),
                owner_id=k.owner_id,
            )
            for k in kpis[::10]
        ],
    )
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    reports.report_create(
        workspace=ws,
        title=f"{last_month_end:%B %Y}",
        period_start=last_month_end.replace(day=1),
        period_end=last_month_end,
        summary="The month in numbers.",
        by=members[0],
        actor=None,
    )
    progress.step("notes and report", len(notes))
    from waypoint.search import index as search_index

    progress.step("search index", search_index.reindex(ws.pk))
    # Planner statistics for the bulk-loaded tables: without them PostgreSQL believes the
    # tables empty (autovacuum gets there later) and SQLite guesses. The command vacuums
    # too, once this transaction has committed.
    planner.refresh()
    return ws
