"""The coach over the database: a cycle's objectives as plain data, then the pure rules."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q

from waypoint.kpis.models import Kpi
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import CheckInPulse, Cycle, KeyResult, Objective, Retrospective
from waypoint.workspaces import permissions, versions
from waypoint.workspaces.models import Workspace

from . import maturity, rules
from .models import CoachSettings


def settings_for(workspace: Workspace) -> rules.Settings:
    cs = CoachSettings.objects.filter(workspace=workspace).first()
    if cs is None:
        return rules.Settings()
    return rules.Settings(
        min_krs=cs.min_krs,
        max_krs=cs.max_krs,
        max_objectives=cs.max_objectives,
        disabled=frozenset(cs.disabled_rules or ()),
    )


def rule_objectives(qs) -> list[rules.Objective]:
    """The objectives of a queryset as the coach's plain data, in three queries whatever their
    number: the related rows are selected by the queryset itself, never by a list of ids (a
    list of thousands is what SQLite refuses as "Expression tree is too large")."""
    teams: dict[int, list[str]] = defaultdict(list)
    for objective_id, name in (
        Objective.teams.through.objects.filter(objective__in=qs)
        .order_by("team__name")
        .values_list("objective_id", "team__name")
    ):
        teams[objective_id].append(name)
    # Plain values, not model instances: building 70,000 objects cost more than the rules.
    krs: dict[int, list[rules.KR]] = defaultdict(list)
    for objective_id, title, kind, target, owner, team in (
        KeyResult.objects.filter(objective__in=qs)
        .order_by("position", "id")
        .values_list("objective_id", "title", "type", "target", "owner__user__email", "team__name")
    ):
        krs[objective_id].append(
            rules.KR(
                title=title,
                type=kind,
                target=None if kind == KeyResult.Type.MILESTONE else target,
                owner=owner,
                team=team,
            )
        )
    return [
        rules.Objective(
            key=str(pk),
            title=title,
            why=why,
            owner=owner,
            level=level,
            kind=kind,
            teams=tuple(teams[pk]),
            parent=str(parent_id) if parent_id else None,
            key_results=tuple(krs[pk]),
        )
        for pk, title, why, owner, level, kind, parent_id in qs.values_list(
            "pk", "title", "why", "owner__user__email", "level", "kind", "parent_id"
        )
    ]


def history(workspace: Workspace) -> list[rules.Outcome]:
    """Aspirational objectives of closed cycles with their grade (or score when ungraded)."""
    closed = Objective.objects.filter(
        workspace=workspace, kind=Objective.Kind.ASPIRATIONAL, cycle__status=Cycle.Status.CLOSED
    )
    rows = list(closed.select_related("cycle", "owner__user"))
    if not rows:
        return []
    teams: dict[int, list[str]] = defaultdict(list)
    for objective_id, name in Objective.teams.through.objects.filter(
        objective__in=closed
    ).values_list("objective_id", "team__name"):
        teams[objective_id].append(name)
    grades = dict(
        Retrospective.objects.filter(objective__in=closed, grade__isnull=False).values_list(
            "objective_id", "grade"
        )
    )
    return [
        rules.Outcome(
            cycle=o.cycle.name,
            cycle_end=o.cycle.end.isoformat(),
            owner=o.owner.user.email if o.owner_id else None,
            teams=tuple(teams[o.pk]),
            score=grades.get(o.pk, o.score),
        )
        for o in rows
    ]


# The coach panel lists this many findings; the rest are on the findings page. With this
# many or more, the list comes folded and is read when opened.
PANEL_FINDINGS = 20
PANEL_FOLDED_FROM = 8


@dataclass
class Review:
    findings: list[rules.Finding] = field(default_factory=list)
    by_objective: dict[int, list[rules.Finding]] = field(default_factory=dict)
    quality: dict[int, float] = field(default_factory=dict)
    cycle_quality: float | None = None
    kpi_findings: list[rules.Finding] = field(default_factory=list)


def cycle_review(workspace: Workspace, cycle: Cycle, *, member=None) -> Review:
    """The coach on a cycle: findings per objective, quality per objective and for the cycle,
    over the objectives ``member`` may see (all with ``None``).

    The rules read the whole cycle, so the review is cached under the workspace's data
    version: readers who see the same objectives share it until the next write.
    """
    qs = Objective.objects.filter(workspace=workspace, cycle=cycle).exclude(
        status=Objective.Status.ARCHIVED
    )
    scope = "all"
    if member is not None and not permissions.can_admin(member):
        qs = qs.filter(okr_selectors.visible_q(member))
        # Everyone sees the public objectives: readers differ only by the private ones.
        private = qs.filter(private=True).order_by("pk").values_list("pk", flat=True)
        scope = hashlib.sha256(",".join(map(str, private)).encode()).hexdigest()[:24]
    config = settings_for(workspace)
    digest = hashlib.sha256(repr(config).encode()).hexdigest()[:12]
    return versions.cached(
        workspace,
        f"coach-review:{cycle.pk}:{scope}:{digest}:{workspace.today().isoformat()}",
        lambda: _review(workspace, qs, config),
        without_progress=True,
    )


def _review(workspace: Workspace, qs, config: rules.Settings) -> Review:
    plain = rule_objectives(qs)
    # The parents outside the cycle (yearly objectives), chosen by a subquery too.
    outside = Objective.objects.filter(pk__in=qs.values("parent_id")).exclude(
        pk__in=qs.values("pk")
    )
    parents = {p.key: p for p in rule_objectives(outside)}
    kpis = [
        rules.KPI(key=str(k.pk), name=k.name, serves=bool(k.serves_id), process=bool(k.process_id))
        for k in Kpi.objects.filter(workspace=workspace)
    ]
    ctx = rules.Context(
        objectives=plain,
        parents=parents,
        kpis=kpis,
        history=history(workspace),
        settings=config,
    )
    found = rules.run(ctx)
    review = Review(
        findings=[f for f in found if f.objective is not None],
        kpi_findings=[f for f in found if f.kpi is not None],
    )
    for f in review.findings:
        review.by_objective.setdefault(int(f.objective), []).append(f)
    scores, review.cycle_quality = rules.quality_by_objective(plain, review.findings)
    review.quality = {int(k): v for k, v in scores.items()}
    return review


def draft_findings(workspace: Workspace, objective: rules.Objective) -> list[rules.Finding]:
    """The rules that judge one objective on its own, for the editor as the user types."""
    settings = settings_for(workspace)
    own = {
        "objective-is-metric",
        "missing-why",
        "kr-count",
        "defocus",
        "no-owner",
        "kr-is-activity",
        "kr-not-measurable",
    }
    settings.disabled = frozenset(set(rules.RULES) - own) | settings.disabled
    return rules.run(rules.Context(objectives=[objective], settings=settings))


def maturity_facts_today(workspace: Workspace) -> maturity.Facts:
    """Today's facts for the pages and the API, cached like the coach's review: they count
    the whole cycle (at 100,000 people, 180,000 key results), so a reader shares them until
    objectives or key results change or the day turns. Check-ins alone do not recount them:
    "checked in during the last 14 days" moves on with the day. A stored diagnosis (monthly,
    or an admin's) always counts afresh."""
    today = workspace.today()
    return versions.cached(
        workspace,
        f"maturity-facts:{today.isoformat()}",
        lambda: maturity_facts(workspace, today),
        without_progress=True,
    )


def maturity_facts(workspace: Workspace, today) -> maturity.Facts:
    import datetime as dt

    from waypoint.kpis.models import DataPoint
    from waypoint.okrs.models import CycleReview

    cycle = okr_selectors.current_cycle(workspace) or (
        Cycle.objects.filter(workspace=workspace, objectives__isnull=False)
        .order_by("-start")
        .first()
    )
    in_cycle = Objective.objects.filter(workspace=workspace, cycle=cycle).exclude(
        status=Objective.Status.ARCHIVED
    )
    if cycle is None:
        in_cycle = in_cycle.none()
    # Counted in SQL: the cycle may hold thousands of objectives.
    company = in_cycle.filter(level=Objective.Level.COMPANY)
    lower = in_cycle.exclude(level=Objective.Level.COMPANY)
    cross_team = (
        Objective.teams.through.objects.filter(objective__in=in_cycle)
        .values("objective_id")
        .annotate(n=Count("team_id"))
        .filter(n__gt=1)
        .count()
    )
    review = cycle_review(workspace, cycle) if cycle else Review()
    by_rule: dict[str, set[int]] = {}
    for f in review.findings:
        by_rule.setdefault(f.rule, set()).add(int(f.objective))
    company_ids = set(company.values_list("pk", flat=True))
    krs = KeyResult.objects.filter(objective__in=in_cycle)
    # One pass over the cycle's key results; a key result's stored current date is its
    # latest check-in's, so recent activity needs no scan of the check-ins.
    kr_counts = krs.aggregate(
        total=Count("pk"),
        recent=Count("pk", filter=Q(current_date__gte=today - dt.timedelta(days=14))),
    )
    lower_counts = lower.aggregate(
        total=Count("pk"),
        aligned=Count("pk", filter=Q(parent__isnull=False)),
        reviewed=Count("pk", filter=~Q(review=Objective.Review.NONE)),
    )
    closed = Cycle.objects.filter(workspace=workspace, status=Cycle.Status.CLOSED)
    closed_objectives = Objective.objects.filter(cycle__in=closed)
    graded = Retrospective.objects.filter(
        objective__in=closed_objectives, grade__isnull=False
    ).count()
    kpis = Kpi.objects.filter(workspace=workspace)
    with_data = kpis.filter(Exists(DataPoint.objects.filter(kpi=OuterRef("pk")))).count()
    linked = (
        kpis.filter(serves__isnull=False).count()
        + kpis.filter(serves__isnull=True, process__isnull=False).count()
    )
    today_cycles = Cycle.objects.filter(workspace=workspace, start__lte=today, end__gte=today)
    pulses = CheckInPulse.objects.filter(
        workspace=workspace, week__gt=today - dt.timedelta(days=90), week__lte=today
    ).aggregate(n=Count("pk"), useful=Count("pk", filter=Q(useful=True)))
    return maturity.Facts(
        reviewed_lower=lower_counts["reviewed"],
        pulse_answers=pulses["n"],
        pulse_useful=pulses["useful"],
        company_objectives=len(company_ids),
        metric_objectives=len(by_rule.get("objective-is-metric", set()) & company_ids),
        lower_objectives=lower_counts["total"],
        aligned_lower=lower_counts["aligned"],
        cascaded_copies=len(by_rule.get("cascaded-kpi", set())),
        cross_team=cross_team,
        key_results=kr_counts["total"],
        checked_in_recently=kr_counts["recent"],
        closed_cycles=closed.count(),
        reviewed_cycles=CycleReview.objects.filter(cycle__in=closed, held_on__isnull=False).count(),
        graded_share=graded / closed_objectives.count() if closed_objectives.exists() else 0.0,
        kpis_with_data=with_data,
        kpis_linked=linked,
        cycle_kinds=len(set(today_cycles.values_list("kind", flat=True))),
    )


def next_report_due(schedule, today) -> dt.date | None:
    """The first Monday of the month when the monthly report goes out next (None when
    there is no active schedule with recipients)."""
    if schedule is None or not schedule.active or not schedule.addresses:
        return None
    month = today.replace(day=1)
    for _step in range(2):
        first_monday = month + dt.timedelta(days=(7 - month.weekday()) % 7)
        sent = schedule.last_sent_on is not None and schedule.last_sent_on >= month
        if first_monday >= today and not sent:
            return first_monday
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return None


def portfolio_rows(workspaces: list[Workspace]) -> list[dict]:
    """For each workspace: the current cycle's mean progress of its public objectives (a
    private one is not counted: a portfolio is no place to learn about it), its KPIs by
    status, its open deviations, its failing data sources, when its next monthly report is
    due, and its latest two maturity diagnoses. One grouped query a figure."""
    from django.db.models import Avg

    from waypoint.connectors.models import Source
    from waypoint.kpis.models import Deviation
    from waypoint.reports.models import ReportSchedule

    from .models import MaturityDiagnosis

    ids = [ws.pk for ws in workspaces]
    progress = dict(
        Objective.objects.filter(workspace__in=ids, cycle__is_current=True, private=False)
        .exclude(status=Objective.Status.ARCHIVED)
        .values("workspace")
        .annotate(mean=Avg("progress"))
        .values_list("workspace", "mean")
    )
    health: dict[int, dict[str, int]] = defaultdict(lambda: {"ok": 0, "warning": 0, "critical": 0})
    for ws_id, status, n in (
        Kpi.objects.filter(workspace__in=ids)
        .values("workspace", "status")
        .annotate(n=Count("pk"))
        .values_list("workspace", "status", "n")
    ):
        health[ws_id][status if status in ("warning", "critical") else "ok"] += n
    deviations = dict(
        Deviation.objects.filter(workspace__in=ids, closed_on__isnull=True)
        .values("workspace")
        .annotate(n=Count("pk"))
        .values_list("workspace", "n")
    )
    failing = dict(
        Source.objects.filter(workspace__in=ids, failures__gt=0)
        .values("workspace")
        .annotate(n=Count("pk"))
        .values_list("workspace", "n")
    )
    schedules = {s.workspace_id: s for s in ReportSchedule.objects.filter(workspace__in=ids)}
    latest: dict[int, list] = {}
    for d in MaturityDiagnosis.objects.filter(workspace__in=ids).order_by("workspace", "-taken_on"):
        kept = latest.setdefault(d.workspace_id, [])
        if len(kept) < 2:
            kept.append(d)
    rows = []
    for ws in workspaces:
        stored = latest.get(ws.pk, [])
        now, before = [*stored, None, None][:2]
        rows.append(
            {
                "workspace": ws,
                "progress": progress.get(ws.pk),
                "kpis": dict(health[ws.pk]),
                "deviations": deviations.get(ws.pk, 0),
                "failing_sources": failing.get(ws.pk, 0),
                "report_due": next_report_due(schedules.get(ws.pk), ws.today()),
                "now": now,
                "before": before,
                "trend": (now.stage > before.stage) - (now.stage < before.stage)
                if now and before
                else None,
            }
        )
    return rows


def panel_titles(review: Review, known: dict[str, str] | None = None) -> dict[str, str]:
    """Titles of the objectives named by the coach panel's findings, by id as text; those
    in ``known`` are not read again."""
    known = known or {}
    shown = {str(f.objective) for f in review.findings[:PANEL_FINDINGS]}
    missing = [int(k) for k in shown - set(known)]
    return known | {
        str(k): v for k, v in Objective.objects.filter(pk__in=missing).values_list("pk", "title")
    }
