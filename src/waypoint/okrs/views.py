"""OKR pages: home, weekly check-in, cycle overview, alignment tree, objective page, editor.

Each view: scoped lookup, form validation, one service call, then a redirect or a partial.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from waypoint.coach import selectors as coach_selectors
from waypoint.kpis import services as kpi_services
from waypoint.kpis.forms import AnnotationForm
from waypoint.kpis.models import Annotation
from waypoint.lib import charts, scoring
from waypoint.lib.counting import count_up_to
from waypoint.lib.urls import IdUrl
from waypoint.workspaces import permissions
from waypoint.workspaces.models import Role, Team
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, safe_next, workspace_view

from . import selectors, services
from .forms import (
    CheckInForm,
    CommentForm,
    CopyForm,
    CycleForm,
    InitiativeEditForm,
    InitiativeForm,
    KeyResultForm,
    MoveForm,
    ObjectiveForm,
    OverviewFilterForm,
    YearForm,
)
from .models import (
    CheckIn,
    CheckInPulse,
    Comment,
    Contribution,
    Cycle,
    Dependency,
    Initiative,
    KeyResult,
    Objective,
    Retrospective,
)
from .templatetags.okrs import pace_class


def _visible_objective(request, pk) -> Objective:
    """The objective if this member may see it; 404 otherwise (private ones included)."""
    return scoped_get(
        selectors.visible_objectives(request.workspace, request.member).select_related(
            "cycle", "owner__user", "parent__cycle"
        ),
        request.workspace,
        pk=pk,
    )


def _editable_objective(request, pk) -> Objective:
    objective = _visible_objective(request, pk)
    if not permissions.can_edit_objective(request.member, objective):
        raise PermissionDenied
    return objective


def _visible_kr(request, pk, *related) -> KeyResult:
    """The key result if this member may see its objective; 404 otherwise."""
    return scoped_get(
        selectors.visible_key_results(request.workspace, request.member).select_related(
            "objective", *related
        ),
        request.workspace,
        pk=pk,
    )


def _editable_kr(request, pk) -> KeyResult:
    kr = _visible_kr(request, pk)
    _editable_objective(request, kr.objective_id)
    return kr


def _cycle_or_current(request, pk=None) -> Cycle | None:
    ws = request.workspace
    if pk is not None:
        return scoped_get(Cycle, ws, pk=pk)
    cycle = selectors.current_cycle(ws)
    if cycle is None:
        today = ws.today()
        cycle = (
            Cycle.objects.filter(workspace=ws, start__lte=today, end__gte=today)
            .order_by("end")
            .first()
            or Cycle.objects.filter(workspace=ws).order_by("-start").first()
        )
    return cycle


def _kr_row(kr, today) -> selectors.KeyResultRow:
    return selectors.kr_row(kr, selectors.kr_expected(kr, kr.objective.cycle, today))


# --- Home ---------------------------------------------------------------------------------


MY_INITIATIVES = 10


def _what_if(request) -> dict[int, float]:
    """A what-if target from the page's query (``?kr=<id>&target=<value>``), if it reads."""
    import math

    try:
        kr, target = int(request.GET["kr"]), float(request.GET["target"])
    except (KeyError, ValueError):
        return {}
    return {kr: target} if math.isfinite(target) and abs(target) < 1e15 else {}


@workspace_view()
def home(request):
    ws, me = request.workspace, request.member
    today = ws.today()
    cycle = _cycle_or_current(request)
    my_objectives, my_krs, due = [], [], []
    if cycle is not None:
        objectives = (
            selectors.objectives_with_details(ws, me)
            .filter(cycle=cycle, owner=me)
            .exclude(status=Objective.Status.ARCHIVED)
        )
        my_objectives = selectors.rows_for(objectives, today)
        my_krs = [_kr_row(kr, today) for kr in selectors.key_results_of(ws, me, cycle)]
        due = [r for r in my_krs if r.last_date is None or (today - r.last_date).days >= 7]
    ended = (
        Cycle.objects.filter(workspace=ws, end__lt=today, status=Cycle.Status.OPEN)
        .filter(objectives__owner=me)
        .distinct()
    )
    # The latest check-ins near the reader: on their teams' objectives, their own
    # objectives, their own key results. Each is its own query of ids, so that each walks
    # an index from a handful of rows (one query with OR across the joins scanned every
    # key result of the workspace); the newest twelve of the three are then read whole.
    visible = selectors.visible_key_results(ws, me)
    team_objectives = Objective.teams.through.objects.filter(
        team__in=list(me.teams.values_list("pk", flat=True))
    ).values("objective_id")
    newest: set[tuple] = set()
    for near in (
        visible.filter(objective__in=team_objectives),
        visible.filter(objective__owner=me),
        visible.filter(owner=me),
    ):
        newest.update(
            CheckIn.objects.filter(key_result__in=near.values("pk"))
            .order_by("-date", "-id")
            .values_list("date", "id")[:12]
        )
    activity = (
        CheckIn.objects.filter(pk__in=[pk for _d, pk in sorted(newest, reverse=True)[:12]])
        .select_related("key_result", "author__user")  # the key result's title, not more
        .order_by("-date", "-id")
    )
    # The reader's open initiatives, the overdue first, then by due date.
    mine = selectors.visible_initiatives(ws, me).filter(owner=me, status__in=Initiative.OPEN)
    my_initiatives = list(
        mine.select_related("key_result", "kpi", "owner__user", "source").order_by(
            F("due_on").asc(nulls_last=True), "id"
        )[:MY_INITIATIVES]
    )
    setup = None
    if permissions.can_admin(me) and not ws.setup_hidden:
        from waypoint.integrations.selectors import setup_steps

        setup = setup_steps(ws)
        if all(step.done for step in setup):
            setup = None
    return render(
        request,
        "okrs/home.html",
        {
            "setup": setup,
            "setup_done": sum(step.done for step in setup or []),
            "cycle": cycle,
            "today": today,
            "my_objectives": my_objectives,
            "my_krs": my_krs,
            "due": due,
            "ended_cycles": ended,
            "activity": activity,
            "my_initiatives": my_initiatives,
            "overdue_count": mine.filter(due_on__lt=today).count() if my_initiatives else 0,
        },
    )


# --- Weekly check-in ----------------------------------------------------------------------


def _checkin_form(row, data=None) -> CheckInForm:
    """A key result's row of the check-in: prefilled with its last value and confidence."""
    milestone = row.kr.type == KeyResult.Type.MILESTONE
    initial = {
        "value": row.current if row.current is not None or not milestone else 0.0,
        "confidence": row.confidence or CheckIn.Confidence.ON_TRACK,
        "comment": "",
    }
    return CheckInForm(data, prefix=f"kr{row.kr.pk}", initial=initial)


def _checkin_page(request, cycle, *, data=None, saved=(), errors=None, status=200):
    ws, me = request.workspace, request.member
    today = ws.today()
    rows = [_kr_row(kr, today) for kr in selectors.checkin_sheet(ws, me, cycle)] if cycle else []
    errors = errors or {}
    items = []
    for row in rows:
        # What was saved shows as it is now; any other row keeps what was typed in it, and
        # shows its errors if it has any.
        form = _checkin_form(row, None if row.kr.pk in saved else data)
        wrong = row.kr.pk in errors
        if wrong:
            form.is_valid()
            if errors[row.kr.pk] is not None:
                apply_errors(form, errors[row.kr.pk])
        items.append({"row": row, "form": form, "saved": row.kr.pk in saved, "wrong": wrong})
    week = today - dt.timedelta(days=today.weekday())
    context = {
        "cycle": cycle,
        "items": items,
        "today": today,
        # Two optional questions once the week's check-in is saved, if not answered yet.
        "pulse": bool(saved) and not CheckInPulse.objects.filter(member=me, week=week).exists(),
        "streak": selectors.checkin_streak(me, today),
        "teams_week": selectors.teams_week(ws, me, cycle, today) if cycle else [],
        "autofocus": data is None,
    }
    return render(request, "okrs/checkin.html", context, status=status)


@require_POST
@workspace_view(Role.MEMBER)
def pulse(request):
    """The two questions after a check-in: answered, or skipped (nothing is written)."""
    answers = {"yes": True, "no": False}
    useful = answers.get(request.POST.get("useful", ""))
    if useful is not None:
        services.pulse_answer(
            member=request.member,
            useful=useful,
            changed_plan=answers.get(request.POST.get("changed_plan", "")),
            day=request.workspace.today(),
        )
        messages.success(request, _("Thank you: your answer helps the coach."))
    return redirect("okrs:checkin", request.workspace.slug)


@workspace_view(Role.MEMBER)
def checkin_list(request):
    """The weekly check-in: every key result of the member on one sheet, saved at once."""
    cycle = _cycle_or_current(request)
    if request.method != "POST" or cycle is None:
        saved = {int(pk) for pk in request.GET.get("saved", "").split(",") if pk.isdigit()}
        return _checkin_page(request, cycle, saved=saved)
    ws, today = request.workspace, request.workspace.today()
    rows = [_kr_row(kr, today) for kr in selectors.checkin_sheet(ws, request.member, cycle)]
    entries, errors = [], {}
    posted = {key.partition("-")[0] for key in request.POST}
    for row in rows:
        form = _checkin_form(row, request.POST)
        if f"kr{row.kr.pk}" not in posted or not form.has_changed():
            continue  # not on the page sent, or untouched: nothing to record for it
        if form.is_valid():
            entries.append(
                services.CheckInEntry(
                    key_result=row.kr,
                    value=form.cleaned_data["value"],
                    confidence=form.cleaned_data["confidence"],
                    comment=form.cleaned_data["comment"],
                )
            )
        else:
            errors[row.kr.pk] = None  # the form's own errors, shown again on the page
    if not entries and not errors:
        messages.info(
            request,
            _(
                "Nothing changed. Type a new value, a confidence or a comment, "
                "or press “No change”."
            ),
        )
        return _checkin_page(request, cycle, data=request.POST)
    if not errors:
        try:
            services.checkins_record(
                entries=entries, date=today, author=request.member, actor=request.user
            )
        except ValidationError as exc:
            for key, found in exc.message_dict.items():
                pk, _dash, field = key.partition("-")
                errors[int(pk[2:])] = ValidationError({field: found})
    if errors:
        messages.error(request, _("Nothing was saved: correct the marked fields."))
        return _checkin_page(request, cycle, data=request.POST, errors=errors, status=422)
    saved = {e.key_result.pk for e in entries}
    messages.success(
        request,
        ngettext("%(count)s check-in saved.", "%(count)s check-ins saved.", len(saved))
        % {"count": len(saved)},
    )
    return _checkin_page(request, cycle, saved=saved)


@require_POST
@workspace_view(Role.MEMBER)
def checkin_create(request, pk):
    """One key result's check-in (its row's Save), or “No change” (``same``): its last value
    and confidence again, with the comment typed, if any."""
    ws = request.workspace
    kr = _visible_kr(request, pk, "objective__cycle")
    if not permissions.can_check_in(request.member, kr):
        raise PermissionDenied
    row = _kr_row(kr, ws.today())
    form = _checkin_form(row, request.POST)
    same = "same" in request.GET or "same" in request.POST
    saved = False
    if same and row.current is None:
        form.is_valid()
        form.add_error("value", _("There is no earlier value yet: type the first one."))
    elif same or form.is_valid():
        try:
            services.checkin_create(
                key_result=kr,
                date=ws.today(),
                value=row.current if same else form.cleaned_data["value"],
                confidence=(row.confidence or CheckIn.Confidence.ON_TRACK)
                if same
                else form.cleaned_data["confidence"],
                comment=(request.POST.get(form.add_prefix("comment")) or "").strip()[:2000]
                if same
                else form.cleaned_data["comment"],
                author=request.member,
                actor=request.user,
            )
            saved = True
        except ValidationError as exc:
            apply_errors(form, exc)
    if not request.htmx:
        if saved:
            messages.success(request, _("Check-in saved."))
        else:
            messages.error(request, "; ".join(m for ms in form.errors.values() for m in ms))
        return redirect(safe_next(request, reverse("okrs:checkin", args=[ws.slug])))
    kr = selectors.checkin_sheet(ws, request.member, kr.objective.cycle).filter(pk=kr.pk).first()
    if kr is None:  # checked in by an editor on a key result that is not theirs
        kr = KeyResult.objects.select_related("objective__cycle", "owner__user").get(pk=pk)
    row = _kr_row(kr, ws.today())
    return render(
        request,
        "okrs/_checkin_row.html",
        {
            "items": [
                {
                    "row": row,
                    "form": _checkin_form(row) if saved else form,
                    "saved": saved,
                    "wrong": not saved,
                }
            ]
        },
        status=200 if saved else 422,
    )


# --- Cycle overview -----------------------------------------------------------------------


@workspace_view()
def overview_current(request):
    cycle = _cycle_or_current(request)
    if cycle is None:
        return redirect("okrs:cycles", request.workspace.slug)
    target = "okrs:tree" if request.GET.get("view") == "tree" else "okrs:overview"
    return redirect(target, request.workspace.slug, cycle.pk)


def _filtered(request, cycle, form):
    """The cycle's objectives narrowed by the overview's filters; ``None`` without filters."""
    data = form.cleaned_data if form.is_valid() else {}
    if not any(data.values()):
        return None
    qs = selectors.objectives_with_details(request.workspace, request.member).filter(cycle=cycle)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    else:
        qs = qs.exclude(status=Objective.Status.ARCHIVED)
    if data.get("level"):
        qs = qs.filter(level=data["level"])
    if data.get("owner"):
        qs = qs.filter(owner=data["owner"])
    if data.get("parent"):
        qs = qs.filter(parent=data["parent"])
    if data.get("team"):
        qs = qs.filter(selectors.team_objectives_q(data["team"]))
    if data.get("confidence"):
        qs = qs.filter(selectors.confidence_q(data["confidence"]))
    if data.get("q"):
        words = data["q"]
        qs = qs.filter(
            Q(title__icontains=words)
            | Q(owner__user__full_name__icontains=words)
            | Q(owner__user__email__icontains=words)
            | Q(teams__name__icontains=words)
        )
    return qs.distinct()


def _page(request, qs, size):
    return Paginator(qs, size).get_page(request.GET.get("page"))


class CappedPaginator(Paginator):
    """Pages of at most ``cap`` rows, counted with ``COUNT`` over a ``LIMIT``: the overview's
    other teams at 100,000 people are 10,000, and counting them all cost the page 70 ms.
    ``capped`` says that more match; a search narrows them."""

    def __init__(self, object_list, per_page, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def _found(self) -> int:
        return count_up_to(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._found, self.cap)

    @property
    def capped(self) -> bool:
        return self._found > self.cap


OTHER_TEAMS_COUNTED = 1_000


@workspace_view()
def overview(request, pk):
    """The cycle at a glance. Without filters: the company's objectives, the reader's teams
    and their own, then the other teams folded, a page at a time, each opened on demand.
    With filters: the matching objectives, a page at a time. Bounded at any size."""
    ws, me = request.workspace, request.member
    today = ws.today()
    cycle = _cycle_or_current(request, pk)
    form = OverviewFilterForm(request.GET or None, workspace=ws)
    review = coach_selectors.cycle_review(ws, cycle, member=me)
    base = selectors.cycle_objectives(ws, me, cycle)
    filtered = _filtered(request, cycle, form)
    context = {
        "review": review,
        "quality": review.quality,
        "cycle": cycle,
        "form": form,
        "cycles": Cycle.objects.filter(workspace=ws),
        "today": today,
        "filtered": filtered is not None,
        "group_limit": selectors.GROUP_LIMIT,
    }
    if filtered is not None:
        page = _page(request, filtered.order_by("level", "position", "id"), selectors.PAGE_SIZE)
        rows = selectors.rows_for(page, today)
        by_level = defaultdict(list)
        for r in rows:
            by_level[r.objective.level].append(r)
        context |= {
            "page": page,
            "rows": rows,
            "company": by_level[Objective.Level.COMPANY],
            "team_level": by_level[Objective.Level.TEAM],
            "individual": by_level[Objective.Level.INDIVIDUAL],
        }
    else:
        limit = selectors.GROUP_LIMIT
        company_qs = base.filter(level=Objective.Level.COMPANY)
        my_teams = list(me.teams.order_by("name")[:5]) if me else []
        company, *of_teams, mine = selectors.rows_for_groups(
            [
                company_qs[:limit],
                *(
                    base.filter(selectors.team_objectives_q(team)).exclude(
                        owner=me, level=Objective.Level.INDIVIDUAL
                    )[:limit]
                    for team in my_teams
                ),
                base.filter(owner=me, level=Objective.Level.INDIVIDUAL)[:limit],
            ],
            today,
        )
        team_groups = list(zip(my_teams, of_teams, strict=True))
        others = selectors.cycle_teams(
            ws, me, cycle, search=request.GET.get("teams", "")[:100]
        ).exclude(pk__in=[t.pk for t in my_teams])
        teams_page = CappedPaginator(
            others, selectors.TEAMS_PER_PAGE, OTHER_TEAMS_COUNTED
        ).get_page(request.GET.get("page"))
        teams_page.object_list = selectors.team_stats(ws, me, cycle, teams_page.object_list)
        # A page of folded teams: each one's link and count said here, not by the template
        # thirty times over (a third of the list's time).
        team_url = IdUrl("okrs:overview_team", ws.slug, cycle.pk)
        for team in teams_page.object_list:
            team.url = team_url(team.pk)
            team.count_label = ngettext(
                "%(n)s objective", "%(n)s objectives", team.objective_count
            ) % {"n": team.objective_count}
        context |= {
            "rows": [*company, *(r for _, rs in team_groups for r in rs), *mine],
            "company": company,
            "company_more": company_qs.count() > limit,
            "team_groups": [(t, rs) for t, rs in team_groups if rs],
            "individual": mine,
            "teams_page": teams_page,
            "team_search": request.GET.get("teams", "")[:100],
            # Everyone's own objectives, a page at a time: those of people in no team are
            # in no folded team. Asked as "any at all", which stops at the first row; asking
            # for a teamless owner's walked every individual objective of the cycle (3 ms).
            "others_individual": base.filter(level=Objective.Level.INDIVIDUAL)
            .exclude(owner=me)
            .exists(),
            "cycle_score": scoring.weighted_mean((r.score, 1) for r in company)
            if company
            else None,
        }
    # The coach's findings: listed when few, folded (read when opened) when many.
    context["panel_open"] = len(review.findings) < coach_selectors.PANEL_FOLDED_FROM
    if context["panel_open"]:
        context["titles"] = coach_selectors.panel_titles(
            review, {str(r.objective.pk): r.objective.title for r in context["rows"]}
        )
    if request.htmx and request.htmx.target == "overview-results":
        return render(request, "okrs/_overview_results.html", context)
    return render(request, "okrs/overview.html", context)


@workspace_view()
def overview_team(request, pk, team_pk):
    """One team's objectives in the cycle, loaded when its folded group is opened."""
    ws, me = request.workspace, request.member
    cycle = scoped_get(Cycle, ws, pk=pk)
    team = scoped_get(Team, ws, pk=team_pk)
    qs = selectors.cycle_objectives(ws, me, cycle).filter(selectors.team_objectives_q(team))
    limit = selectors.GROUP_LIMIT
    rows = selectors.rows_for(qs.order_by("level", "position", "id")[:limit], ws.today())
    review = coach_selectors.cycle_review(ws, cycle, member=me)
    return render(
        request,
        "okrs/_team_group.html",
        {
            "cycle": cycle,
            "team": team,
            "rows": rows,
            "quality": review.quality,
            "more": qs.count() > limit,
        },
    )


# --- Alignment tree -----------------------------------------------------------------------


# The tree opens this many objectives at once (each with its key results, a few screens'
# worth); below them, branches open on demand and the map above draws more.
TREE_BUDGET = 30


def _tree_nodes(request, cycle, parent: Objective | None, budget: int) -> tuple[list, int]:
    """Nodes under ``parent`` (the roots with ``None``) and how many there are in all.

    Levels open from the top while the budget lasts; a node whose children do not fit comes
    folded with their number, to open on demand. Each level is a few queries over at most
    the budget's ids, whatever the size of the tree."""
    ws, me, today = request.workspace, request.member, request.workspace.today()
    in_cycle = selectors.cycle_objectives(ws, me, cycle)
    if parent is None:
        # Roots: parents in another cycle (a yearly objective above quarterly ones), and the
        # company's objectives that are not under one of those or another objective the
        # reader sees, so that the tree reads from the top and shows each objective once.
        outside = Objective.objects.filter(
            pk__in=in_cycle.filter(parent__isnull=False).values("parent_id")
        ).exclude(cycle=cycle)
        visible = selectors.visible_objectives(ws, me)
        company = in_cycle.filter(level=Objective.Level.COMPANY).filter(
            Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk"))
        )
        # One set of ids from the two lookups joined by UNION: with an OR of the two,
        # PostgreSQL expected tens of thousands of roots at 100,000 people and joined every
        # person to find the owners of five (146 ms instead of under 5).
        first = selectors.objectives_with_details(ws, me).filter(
            pk__in=company.order_by().values("pk").union(outside.order_by().values("pk"))
        )
        first = first.order_by("cycle__start", "position", "id")
    else:
        first = in_cycle.filter(parent=parent).order_by("position", "id")
    # Each node below the first level comes with how many visible children it has in the
    # cycle, so that a level is one query (and its key results' one), not a third to count
    # the next.
    children = Subquery(
        in_cycle.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )

    # Each level's objectives alone; the key results of every level come at the end.
    outline = selectors.for_outline
    top = [
        {"objective": o, "children": [], "folded": 0} for o in outline(first)[: selectors.PAGE_SIZE]
    ]
    # Counted only past a page: a short first level is its own count (the count is the
    # lookup again, 2 ms at 10,000 people).
    total = first.count() if len(top) == selectors.PAGE_SIZE else len(top)
    # The first level's counts in a query of their own, over a page of ids: a count beside
    # each candidate root made PostgreSQL count the children of every root before it
    # sorted them and kept a page (139 ms at 100,000 people instead of 2).
    counts = dict(
        in_cycle.filter(parent__in=[n["objective"].pk for n in top])
        .order_by()
        .values_list("parent_id")
        .annotate(n=Count("id"))
    )
    for n in top:
        n["objective"].n_children = counts.get(n["objective"].pk, 0)
    room, frontier, nodes = budget - len(top), top, list(top)
    while frontier:
        opened = []
        for n in frontier:
            n["folded"] = n["objective"].n_children
            if n["folded"] and n["folded"] <= room:
                room -= n["folded"]
                opened.append(n)
        if not opened:
            break
        by_parent = defaultdict(list)
        kids = in_cycle.filter(parent__in=[n["objective"].pk for n in opened])
        for o in (
            outline(kids).annotate(n_children=Coalesce(children, 0)).order_by("position", "id")
        ):
            by_parent[o.parent_id].append({"objective": o, "children": [], "folded": 0})
        for n in opened:
            n["children"], n["folded"] = by_parent[n["objective"].pk], 0
        frontier = [c for n in opened for c in n["children"]]
        nodes += frontier
    # The key results of every level in one query, not one a level.
    objectives = [n["objective"] for n in nodes]
    prefetch_related_objects(objectives, selectors.outline_key_results())
    for n, row in zip(nodes, selectors.rows_for(objectives, today), strict=True):
        n["row"] = row
    return top, total


@workspace_view()
def tree(request, pk):
    """The alignment tree of a cycle, opened from the top as far as a screen's worth goes."""
    ws, me = request.workspace, request.member
    cycle = _cycle_or_current(request, pk)
    unaligned = (
        selectors.cycle_objectives(ws, me, cycle)
        .filter(parent__isnull=True)
        .exclude(level=Objective.Level.COMPANY)
    )
    roots, roots_total = _tree_nodes(request, cycle, None, TREE_BUDGET)
    return render(
        request,
        "okrs/tree.html",
        {
            "cycle": cycle,
            "roots": roots,
            "roots_total": roots_total,
            "orphans": selectors.rows_for(unaligned[: selectors.GROUP_LIMIT], ws.today()),
            "orphans_total": unaligned.count(),
            "cycles": Cycle.objects.filter(workspace=ws),
            "map_labels": {
                "folded": _("%(n)s more aligned: click to open"),
                "other": _("from %(cycle)s"),
                "ahead": _("on pace"),
                "behind": _("behind"),
                "late": _("far behind"),
                "blocked": _("blocked by %(n)s"),
                "towards": _("also counts towards %(n)s"),
            },
        },
    )


MAP_BUDGET = 300  # objectives in the map's first answer; a folded branch opens on demand


def _map_node(node, slug, cycle, links: dict) -> dict:
    row = node["row"]
    o = row.objective
    return {
        "id": o.pk,
        "title": o.title,
        "url": reverse("okrs:objective", args=[slug, o.pk]),
        "level": o.level,
        "owner": (o.owner.user.full_name or o.owner.user.email) if o.owner else "",
        "other_cycle": o.cycle.name if o.cycle_id != cycle.pk else "",
        "progress": round(row.progress, 4),
        "pace": pace_class(row.pace),
        "confidence": row.confidence or "",
        "folded": node["folded"],
        "blocked_by": links["blocked_by"].get(o.pk, []),
        "counts_towards": links["counts_towards"].get(o.pk, []),
        "children": [_map_node(c, slug, cycle, links) for c in node["children"]],
    }


@workspace_view()
def tree_map(request, pk):
    """The alignment as data for the map: the tree from the top (or, with ``under``, the
    objectives aligned to one), as far as the budget goes; folded branches say how many
    objectives they hold."""
    from django.http import JsonResponse

    ws = request.workspace
    cycle = scoped_get(Cycle, ws, pk=pk)
    parent = None
    under = request.GET.get("under", "")
    if under:
        if not under.isdigit():
            return JsonResponse({"error": _("Unknown objective.")}, status=400)
        parent = scoped_get(selectors.visible_objectives(ws, request.member), ws, pk=int(under))
    nodes, total = _tree_nodes(request, cycle, parent, MAP_BUDGET if parent is None else 100)
    ids, stack = [], list(nodes)
    while stack:  # every objective of this answer: at most the budget
        n = stack.pop()
        ids.append(n["row"].objective.pk)
        stack.extend(n["children"])
    links = selectors.links_among(ids, request.member)
    return JsonResponse(
        {
            "cycle": cycle.name,
            "total": total,
            "nodes": [_map_node(n, ws.slug, cycle, links) for n in nodes],
        }
    )


@workspace_view()
def tree_branch(request, pk, objective_pk):
    """The objectives aligned to one, for a folded branch of the tree being opened."""
    ws = request.workspace
    cycle = scoped_get(Cycle, ws, pk=pk)
    parent = scoped_get(selectors.visible_objectives(ws, request.member), ws, pk=objective_pk)
    nodes, total = _tree_nodes(request, cycle, parent, TREE_BUDGET // 3)
    return render(
        request,
        "okrs/_tree_branch.html",
        {"cycle": cycle, "nodes": nodes, "parent": parent, "more": total - len(nodes)},
    )


# --- Objective page -----------------------------------------------------------------------


def _objective_context(request, objective):
    ws, me = request.workspace, request.member
    today = ws.today()
    krs = (
        KeyResult.objects.filter(objective=objective)
        .select_related("owner__user", "kpi", "rolls_into__objective")
        .prefetch_related(
            # Each day's value (the chart, the forecast, the evidence): a point a day however
            # many check-ins a day had. The latest few whole are read below.
            Prefetch("checkins", queryset=selectors.day_last_checkins()),
            Prefetch(
                "initiatives",
                queryset=Initiative.objects.select_related("owner__user", "source"),
            ),
        )
        .order_by("position", "id")
    )
    objective.cycle  # noqa: B018 - loaded with the lookup
    rows = []
    series = {}
    evidence, forecasts = {}, {}
    what_if = _what_if(request)
    krs = list(krs)
    # How many check-ins each has, and how many key results below roll into it: counted
    # apart, since counting beside the key results grouped by every column they select.
    checkin_counts = dict(
        CheckIn.objects.filter(key_result__objective=objective)
        .order_by()
        .values_list("key_result")
        .annotate(n=Count("id"))
    )
    feeder_counts = dict(
        KeyResult.objects.filter(rolls_into__objective=objective)
        .order_by()
        .values_list("rolls_into")
        .annotate(n=Count("id"))
    )
    for kr in krs:
        kr.objective = objective  # with its cycle, already read
        kr.checkin_count = checkin_counts.get(kr.pk, 0)
        kr.feeder_count = feeder_counts.get(kr.pk, 0)
        row = _kr_row(kr, today)
        rows.append(row)
        evidence[kr.pk] = selectors.work_then_movement(kr)
        if objective.cycle.end >= today:
            forecasts[kr.pk] = selectors.kr_forecast(kr, objective.cycle.end, what_if.get(kr.pk))
        if kr.driven_by_children:
            continue
        points = [
            (
                day,
                scoring.kr_progress(
                    kr.type,
                    start=kr.start,
                    target=kr.target,
                    current=value,
                    direction=kr.direction,
                ),
            )
            for day, value in selectors.day_values(kr)
        ]
        if points:
            series[kr.title[:60]] = points
    notes = list(
        Annotation.objects.filter(key_result__objective=objective).select_related("key_result")
    )
    chart = (
        charts.progress_over_time(
            start=objective.cycle.start,
            end=objective.cycle.end,
            series=series,
            expected_label=_("Expected"),
            progress_label=_("Progress"),
            date_label=_("Date"),
            annotations=[
                {"date": a.date.isoformat(), "text": f"{a.key_result.title}: {a.text}"}
                for a in notes
            ],
        )
        if series
        else None
    )
    # What is aligned to it is counted here, and read when its folded list opens
    # (``objective_aligned``): rows of thirty objectives were an eighth of the page.
    children_count = selectors.visible_objectives(ws, me).filter(parent=objective).count()
    # The latest few check-ins, whole with who wrote them, of the first key result: its
    # history is open; the others' are folded and read when opened (``kr_history``).
    recent = selectors.latest_checkins(krs[:1], HISTORY_ROWS)
    dependencies, contributions = selectors.links_of(objective, me, today)
    return {
        "objective": objective,
        "row": selectors.ObjectiveRow(
            objective=objective,
            progress=objective.progress,
            score=objective.score,
            expected=scoring.weighted_mean((r.expected, r.kr.weight) for r in rows)
            if any(r.kr.starts_on for r in rows)
            else scoring.expected_progress(objective.cycle.start, objective.cycle.end, today),
            krs=rows,
        ),
        "children_count": children_count,
        "chart": chart,
        "chart_locale": charts.vega_locale(request.LANGUAGE_CODE) if chart else None,
        "comments": Comment.objects.filter(objective=objective).select_related("author__user"),
        "comment_form": CommentForm(),
        "can_edit": permissions.can_edit_objective(me, objective),
        "may_review": objective.review == Objective.Review.PROPOSED
        and selectors.may_review(me, objective),
        "can_comment": permissions.at_least(me, Role.MEMBER),
        "teams": objective.teams.all(),
        "evidence": evidence,
        "forecasts": forecasts,
        "dependencies": dependencies,
        "contributions": contributions,
        # What its key results roll into, where the reader may see it (one visibility rule).
        "visible_targets": set(
            selectors.visible_objectives(ws, me)
            .filter(pk__in=[kr.rolls_into.objective_id for kr in krs if kr.rolls_into_id])
            .values_list("pk", flat=True)
        )
        if any(kr.rolls_into_id for kr in krs)
        else set(),
        "history_by_kr": {
            kr.pk: _history(recent[kr.pk], 0, kr.checkin_count or 0) for kr in krs[:1]
        },
        "history_rows": HISTORY_ROWS,
        # Sources are an editor's to manage (connectors.views).
        "can_manage_sources": permissions.at_least(me, Role.EDITOR),
        "sources_by_kr": _sources_of(krs) if permissions.at_least(me, Role.EDITOR) else {},
        "annotation_form": AnnotationForm(initial={"date": today}),
        "notes_by_kr": {kr.pk: [a for a in notes if a.key_result_id == kr.pk] for kr in krs},
        "keep_level": kpi_services.keep_level_suggestions(objective),
        "findings": coach_selectors.cycle_review(ws, objective.cycle, member=me).by_objective.get(
            objective.pk, []
        ),
        "today": today,
    }


@workspace_view()
def objective_aligned(request, pk):
    """The first screen of the objectives aligned to one (a company objective may have
    hundreds), for its page's folded list being opened, or as a page of its own; all of them
    on the overview, filtered by this parent, a page at a time."""
    objective = _visible_objective(request, pk)
    ws, me = request.workspace, request.member
    aligned = selectors.objectives_with_details(ws, me).filter(parent=objective)
    rows = selectors.rows_for(aligned[: selectors.GROUP_LIMIT], ws.today())
    context = {
        "objective": objective,
        "children": rows,
        "children_count": aligned.count() if len(rows) == selectors.GROUP_LIMIT else len(rows),
    }
    if request.htmx:
        return render(request, "okrs/_objective_aligned.html", context)
    return render(request, "okrs/objective_aligned.html", context)


HISTORY_ROWS = 10  # check-ins a key result shows on its objective's page; the rest on demand
HISTORY_PAGE = 100


def _sources_of(krs) -> dict:
    """The data source of each key result that has one, with its kind's name (one query)."""
    from waypoint.connectors import kinds
    from waypoint.connectors.models import Source

    found = Source.objects.filter(key_result__in=[kr.pk for kr in krs]).only(
        "pk", "kind", "key_result_id", "last_run_at", "last_error"
    )
    for source in found:
        source.kind_label = kinds.KINDS[source.kind].label if source.kind in kinds.KINDS else ""
    return {source.key_result_id: source for source in found}


def _history(rows: list, start: int, total: int) -> dict:
    """Check-ins of a key result shown from ``start`` (newest first), and how many earlier
    ones are left to open after them."""
    return {
        "checkins": rows,
        "more": max(total - start - len(rows), 0),
        "next_start": start + len(rows),
    }


@workspace_view()
def kr_history(request, pk):
    """A key result's check-ins from ``start``, newest first, a hundred at a time (``rows``
    asks fewer: a folded history opened on its objective's page shows the first ten): rows
    for the objective page's history table (htmx), or a page of their own."""
    ws = request.workspace
    kr = scoped_get(
        selectors.visible_key_results(ws, request.member).select_related("objective"), ws, pk=pk
    )
    start = request.GET.get("start", "0")
    start = min(int(start), 10**9) if start.isdigit() else 0
    size = request.GET.get("rows", "")
    size = max(1, min(int(size), HISTORY_PAGE)) if size.isdigit() else HISTORY_PAGE
    checkins = CheckIn.objects.filter(key_result=kr).order_by("-date", "-id")
    rows = list(checkins.select_related("author__user")[start : start + size])
    context = {"kr": kr, **_history(rows, start, checkins.count())}
    if request.htmx:
        return render(request, "okrs/_checkin_rows.html", context)
    return render(request, "okrs/kr_history.html", context)


@workspace_view()
def objective_detail(request, pk):
    objective = _visible_objective(request, pk)
    context = _objective_context(request, objective)
    context["can_check_in"] = {
        r.kr.pk for r in context["row"].krs if permissions.can_check_in(request.member, r.kr)
    }
    context["retro"] = Retrospective.objects.filter(
        objective=objective, grade__isnull=False
    ).first()
    if context["can_edit"]:
        # The searches of the dependencies' and the contributions' forms.
        find, towards = request.GET.get("find", "")[:100], request.GET.get("towards", "")[:100]
        context["find"], context["towards"] = find, towards
        context["candidates"] = selectors.objective_candidates(
            objective, request.member, find, exclude=Q(blocking__objective=objective)
        )
        context["towards_candidates"] = selectors.objective_candidates(
            objective,
            request.member,
            towards,
            exclude=Q(pk=objective.parent_id) | Q(contributors__objective=objective),
        )
    return render(request, "okrs/objective.html", context)


@require_POST
@workspace_view(Role.MEMBER)
def comment_create(request, pk):
    objective = _visible_objective(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_create(
            objective=objective,
            body=form.cleaned_data["body"],
            author=request.member,
            actor=request.user,
        )
        form = CommentForm()
    context = {
        "objective": objective,
        "comment_form": form,
        "can_comment": True,
        "comments": Comment.objects.filter(objective=objective).select_related("author__user"),
    }
    if request.htmx:
        return render(request, "okrs/_comments.html", context)
    return redirect("okrs:objective", request.workspace.slug, objective.pk)


# --- Dependencies ("blocked by") -------------------------------------------------------------


def _back_to(request, objective, section: str, **search):
    """The objective's page at one of its sections, with a search kept when it was refused."""
    url = reverse("okrs:objective", args=[request.workspace.slug, objective.pk])
    search = {k: v for k, v in search.items() if v}
    return redirect(f"{url}?{urlencode(search)}#{section}" if search else f"{url}#{section}")


def _dependencies_back(request, objective, find: str = ""):
    return _back_to(request, objective, "dependencies", find=find)


@require_POST
@workspace_view(Role.MEMBER)
def dependency_add(request, pk):
    """The objective waits for another, picked from the search on its page."""
    objective = _editable_objective(request, pk)
    raw = request.POST.get("blocked_by", "")
    blocker = None
    if raw.isdigit():
        blocker = (
            selectors.visible_objectives(request.workspace, request.member)
            .filter(pk=int(raw))
            .first()
        )
    if blocker is None:
        messages.error(request, _("Unknown objective."))
        return _dependencies_back(request, objective)
    try:
        services.dependency_add(
            objective=objective,
            blocked_by=blocker,
            note=request.POST.get("note", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _dependencies_back(request, objective, request.POST.get("find", ""))
    messages.success(request, _("Saved: it now waits for “%(title)s”.") % {"title": blocker.title})
    return _dependencies_back(request, objective)


@require_POST
@workspace_view(Role.MEMBER)
def dependency_remove(request, pk):
    ws = request.workspace
    dependency = scoped_get(
        Dependency.objects.filter(
            objective__in=selectors.visible_objectives(ws, request.member).values("pk")
        ).select_related("objective__cycle", "objective__workspace"),
        ws,
        pk=pk,
    )
    if not permissions.can_edit_objective(request.member, dependency.objective):
        raise PermissionDenied
    services.dependency_remove(dependency=dependency, actor=request.user)
    return _dependencies_back(request, dependency.objective)


# --- Contributions: counting towards several objectives ------------------------------------


def _contribution(request, pk) -> Contribution:
    """A contribution of an objective the reader may see and edit; 404 or 403 otherwise."""
    ws = request.workspace
    contribution = scoped_get(
        Contribution.objects.filter(
            objective__in=selectors.visible_objectives(ws, request.member).values("pk")
        ).select_related("objective__cycle", "objective__workspace"),
        ws,
        pk=pk,
    )
    if not permissions.can_edit_objective(request.member, contribution.objective):
        raise PermissionDenied
    return contribution


def _saved_or_said(request, objective, write, towards: str = ""):
    """Run a write of the objective's links; a refusal is said above the section."""
    try:
        write()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to(request, objective, "counts-towards", towards=towards)
    messages.success(request, _("Saved."))
    return _back_to(request, objective, "counts-towards")


@require_POST
@workspace_view(Role.MEMBER)
def contribution_add(request, pk):
    """The objective also counts towards another one, picked from the search on its page."""
    objective = _editable_objective(request, pk)
    raw = request.POST.get("parent", "")
    parent = (
        selectors.visible_objectives(request.workspace, request.member).filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if parent is None:
        messages.error(request, _("Unknown objective."))
        return _back_to(request, objective, "counts-towards")
    return _saved_or_said(
        request,
        objective,
        lambda: services.contribution_add(
            objective=objective,
            parent=parent,
            weight=request.POST.get("weight", ""),
            actor=request.user,
        ),
        towards=request.POST.get("towards", ""),
    )


@require_POST
@workspace_view(Role.MEMBER)
def contribution_edit(request, pk):
    contribution = _contribution(request, pk)
    return _saved_or_said(
        request,
        contribution.objective,
        lambda: services.contribution_update(
            contribution=contribution, weight=request.POST.get("weight", ""), actor=request.user
        ),
    )


@require_POST
@workspace_view(Role.MEMBER)
def contribution_remove(request, pk):
    contribution = _contribution(request, pk)
    return _saved_or_said(
        request,
        contribution.objective,
        lambda: services.contribution_remove(contribution=contribution, actor=request.user),
    )


@require_POST
@workspace_view(Role.MEMBER)
def parent_weight(request, pk):
    """How much the objective counts in the one it aligns to."""
    objective = _editable_objective(request, pk)
    return _saved_or_said(
        request,
        objective,
        lambda: services.objective_update(
            objective=objective, parent_weight=request.POST.get("weight", ""), actor=request.user
        ),
    )


# --- Editor -------------------------------------------------------------------------------


def _objective_fields(data):
    return {
        "title": data["title"],
        "why": data["why"],
        "level": data["level"],
        "kind": data["kind"],
        "owner": data["owner"],
        "teams": list(data["teams"]),
        "parent": data["parent"],
        "private": data["private"],
    }


@workspace_view(Role.MEMBER)
def objective_create(request, cycle_pk):
    ws, me = request.workspace, request.member
    cycle = scoped_get(Cycle, ws, pk=cycle_pk)
    initial = {
        "owner": me,
        "level": request.GET.get("level") or Objective.Level.TEAM,
        "kind": Objective.Kind.ASPIRATIONAL,
        "parent": request.GET.get("parent"),
    }
    form = ObjectiveForm(
        request.POST or None, workspace=ws, member=me, cycle=cycle, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        fields = _objective_fields(form.cleaned_data)
        if not permissions.can_edit_all(me):
            fields["owner"] = me  # members write their own objectives
        try:
            objective = services.objective_create(
                workspace=ws, cycle=cycle, actor=request.user, **fields
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Objective created. Now add its key results."))
            return redirect(
                reverse("okrs:objective_edit", args=[ws.slug, objective.pk]) + "#add-kr"
            )
    return render(request, "okrs/objective_form.html", {"form": form, "cycle": cycle})


@workspace_view(Role.MEMBER)
def objective_edit(request, pk):
    ws = request.workspace
    objective = _editable_objective(request, pk)
    form = _objective_form(request, objective, request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = _objective_fields(form.cleaned_data)
        if not permissions.can_edit_all(request.member):
            fields["owner"] = objective.owner
        try:
            services.objective_update(objective=objective, actor=request.user, **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Objective saved."))
            return redirect("okrs:objective_edit", ws.slug, objective.pk)
    return render(request, "okrs/objective_edit.html", _editor_context(request, objective, form))


def _objective_form(request, objective, data=None):
    return ObjectiveForm(
        data,
        workspace=request.workspace,
        member=request.member,
        cycle=objective.cycle,
        exclude_pk=objective.pk,
        initial={
            "title": objective.title,
            "why": objective.why,
            "level": objective.level,
            "kind": objective.kind,
            "owner": objective.owner,
            "teams": objective.teams.all(),
            "parent": objective.parent,
            "private": objective.private,
        },
    )


def _start_of_new_kr(cycle, today):
    """Today, for a key result added while its cycle runs; none (the cycle's start) else."""
    return today if cycle.start < today <= cycle.end else None


def _editor_context(request, objective, form=None, kr_form=None):
    ws = request.workspace
    return {
        "objective": objective,
        "form": form,
        "krs": objective.key_results.select_related("owner__user").order_by("position", "id"),
        "kr_form": kr_form
        or KeyResultForm(
            workspace=ws,
            objective=objective,
            prefix="kr",
            initial={
                "owner": request.member,
                "weight": 1,
                "type": KeyResult.Type.INCREASE,
                # Added during its cycle: it starts today, not behind on its first day.
                "starts_on": _start_of_new_kr(objective.cycle, ws.today()),
            },
        ),
        "move_form": MoveForm(workspace=ws, initial={"cycle": objective.cycle}),
    }


def _kr_fields(data):
    return {
        k: data[k]
        for k in (
            "title",
            "type",
            "start",
            "target",
            "unit",
            "direction",
            "scoring",
            "weight",
            "owner",
            "driven_by_children",
            "kpi",
            "starts_on",
            "rolls_into",
        )
    }


@require_POST
@workspace_view(Role.MEMBER)
def kr_create(request, pk):
    ws = request.workspace
    objective = _editable_objective(request, pk)
    kr_form = KeyResultForm(request.POST, workspace=ws, objective=objective, prefix="kr")
    if kr_form.is_valid():
        try:
            services.key_result_create(
                objective=objective, actor=request.user, **_kr_fields(kr_form.cleaned_data)
            )
        except ValidationError as exc:
            apply_errors(kr_form, exc)
        else:
            kr_form = None
            if not request.htmx:
                messages.success(request, _("Key result added."))
                return redirect(
                    reverse("okrs:objective_edit", args=[ws.slug, objective.pk]) + "#add-kr"
                )
    context = _editor_context(request, objective, kr_form=kr_form)
    if request.htmx:
        return render(
            request, "okrs/_kr_editor.html", context, status=200 if kr_form is None else 422
        )
    context["form"] = _objective_form(request, objective)
    return render(request, "okrs/objective_edit.html", context)


@workspace_view(Role.MEMBER)
def kr_edit(request, pk):
    """Edit a key result: inline in the editor with htmx, or as its own page without."""
    ws = request.workspace
    kr = _editable_kr(request, pk)
    form = KeyResultForm(
        request.POST or None,
        workspace=ws,
        objective=kr.objective,
        prefix="kr",
        initial={
            "title": kr.title,
            "type": kr.type,
            "start": kr.start,
            "target": kr.target,
            "unit": kr.unit,
            "direction": kr.direction,
            "scoring": kr.scoring,
            "weight": kr.weight,
            "owner": kr.owner,
            "driven_by_children": kr.driven_by_children,
            "kpi": kr.kpi,
            "starts_on": kr.starts_on,
            "rolls_into": kr.rolls_into_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.key_result_update(
                key_result=kr, actor=request.user, **_kr_fields(form.cleaned_data)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if request.htmx:
                return render(
                    request, "okrs/_kr_editor.html", _editor_context(request, kr.objective)
                )
            messages.success(request, _("Key result saved."))
            return redirect("okrs:objective_edit", ws.slug, kr.objective_id)
    context = {"form": form, "kr": kr, "objective": kr.objective}
    if request.htmx:
        status = 422 if form.is_bound else 200
        return render(request, "okrs/_kr_edit_inline.html", context, status=status)
    return render(request, "okrs/kr_form.html", context)


@workspace_view(Role.MEMBER)
def kr_form_fields(request):
    """The key result fields for the chosen type (htmx swaps them as the type changes)."""
    initial = {k.removeprefix("kr-"): v for k, v in request.GET.items()}
    form = KeyResultForm(workspace=request.workspace, prefix="kr", initial=initial)
    return render(request, "okrs/_kr_fields.html", {"form": form})


@workspace_view(Role.MEMBER)
def kr_delete(request, pk):
    kr = _editable_kr(request, pk)
    if request.method == "POST":
        objective_id = kr.objective_id
        services.key_result_delete(key_result=kr, actor=request.user)
        messages.success(request, _("Key result deleted."))
        return redirect("okrs:objective_edit", request.workspace.slug, objective_id)
    return render(
        request,
        "okrs/confirm_delete.html",
        {
            "thing": kr,
            "what": _("key result"),
            "consequence": _("Its check-ins and initiatives are deleted with it."),
            "cancel": reverse(
                "okrs:objective_edit", args=[request.workspace.slug, kr.objective_id]
            ),
        },
    )


@require_POST
@workspace_view(Role.MEMBER)
def kr_move(request, pk, direction):
    kr = _editable_kr(request, pk)
    ids = list(kr.objective.key_results.order_by("position", "id").values_list("pk", flat=True))
    i = ids.index(kr.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        services.key_results_reorder(objective=kr.objective, ordered_ids=ids, actor=request.user)
    if request.htmx:
        return render(request, "okrs/_kr_editor.html", _editor_context(request, kr.objective))
    return redirect("okrs:objective_edit", request.workspace.slug, kr.objective_id)


@require_POST
@workspace_view(Role.MEMBER)
def kr_reorder(request, pk):
    """The key results in a new order (``order``: their ids, comma-separated), as dragged."""
    objective = _editable_objective(request, pk)
    raw = request.POST.get("order", "")[:2000]
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
        services.key_results_reorder(objective=objective, ordered_ids=ids, actor=request.user)
    except (ValueError, ValidationError):
        if request.htmx:
            return render(
                request, "okrs/_kr_editor.html", _editor_context(request, objective), status=422
            )
        messages.error(request, _("The order must list every key result once."))
    if request.htmx:
        return render(request, "okrs/_kr_editor.html", _editor_context(request, objective))
    return redirect("okrs:objective_edit", request.workspace.slug, objective.pk)


@require_POST
@workspace_view(Role.MEMBER)
def objective_move(request, pk):
    objective = _editable_objective(request, pk)
    form = MoveForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        services.objective_move(
            objective=objective, cycle=form.cleaned_data["cycle"], actor=request.user
        )
        messages.success(request, _("Moved to %(cycle)s.") % {"cycle": form.cleaned_data["cycle"]})
    return redirect("okrs:objective", request.workspace.slug, objective.pk)


@require_POST
@workspace_view(Role.MEMBER)
def objective_propose(request, pk):
    """Its owner (or an editor) puts a draft forward for review."""
    objective = _editable_objective(request, pk)
    try:
        services.objective_propose(objective=objective, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Proposed: the leads of its teams are asked to review it."))
    return redirect(reverse("okrs:objective", args=[request.workspace.slug, pk]) + "#review")


@require_POST
@workspace_view(Role.MEMBER)
def objective_review(request, pk):
    """A lead agrees to a proposed draft, or asks for changes."""
    ws = request.workspace
    objective = scoped_get(
        selectors.visible_objectives(ws, request.member).select_related("cycle"), ws, pk=pk
    )
    if not selectors.may_review(request.member, objective):
        raise PermissionDenied
    try:
        services.objective_review(
            objective=objective,
            agree=request.POST.get("action") == "agree",
            comment=request.POST.get("comment", "")[:5000],
            by=request.member,
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Review recorded: its owner hears it."))
    return redirect(reverse("okrs:objective", args=[ws.slug, pk]) + "#review")


@workspace_view(Role.MEMBER)
def objective_copy(request, pk):
    """A draft copy of an objective the reader may see, in a cycle, for an owner and teams;
    a member who may not edit others' objectives copies it as their own."""
    ws, me = request.workspace, request.member
    objective = scoped_get(
        selectors.visible_objectives(ws, me).select_related("cycle", "owner__user"), ws, pk=pk
    )
    may_choose = permissions.can_edit_all(me)
    form = CopyForm(
        request.POST or None,
        workspace=ws,
        may_choose_owner=may_choose,
        initial={
            "cycle": selectors.current_cycle(ws) or objective.cycle,
            "teams": objective.teams.all(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.objective_copy(
                objective=objective,
                cycle=data["cycle"],
                owner=data.get("owner") if may_choose else me,
                teams=data["teams"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Copied as a draft: adjust it and set it active."))
            return redirect("okrs:objective_edit", ws.slug, new.pk)
    status = 422 if form.errors else 200
    return render(
        request, "okrs/objective_copy.html", {"form": form, "objective": objective}, status=status
    )


@workspace_view(Role.MEMBER)
def objective_archive(request, pk):
    objective = _editable_objective(request, pk)
    if request.method == "POST":
        services.objective_archive(objective=objective, actor=request.user)
        messages.success(request, _("Objective archived."))
        return redirect("okrs:overview", request.workspace.slug, objective.cycle_id)
    return render(request, "okrs/confirm_archive.html", {"objective": objective})


@workspace_view(Role.MEMBER)
def objective_delete(request, pk):
    objective = _editable_objective(request, pk)
    if request.method == "POST":
        cycle_id = objective.cycle_id
        services.objective_delete(objective=objective, actor=request.user)
        messages.success(request, _("Objective deleted."))
        return redirect("okrs:overview", request.workspace.slug, cycle_id)
    return render(
        request,
        "okrs/confirm_delete.html",
        {
            "thing": objective,
            "what": _("objective"),
            "consequence": _(
                "Its key results, check-ins, initiatives and comments are deleted "
                "with it. Archiving keeps them."
            ),
            "cancel": reverse("okrs:objective", args=[request.workspace.slug, objective.pk]),
        },
    )


@require_POST
@workspace_view(Role.MEMBER)
def initiative_create(request, pk):
    kr = _editable_kr(request, pk)
    form = InitiativeForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        fields = form.cleaned_data
        fields["owner"] = fields["owner"] or kr.owner  # the key result's owner, until changed
        services.initiative_create(key_result=kr, actor=request.user, **fields)
        messages.success(request, _("Initiative added."))
    else:
        messages.error(request, _("An initiative needs a title."))
    return redirect("okrs:objective", request.workspace.slug, kr.objective_id)


def _editable_initiative(request, pk) -> Initiative:
    initiative = scoped_get(
        selectors.visible_initiatives(request.workspace, request.member).select_related(
            "key_result__objective__cycle", "kpi", "owner__user", "workspace"
        ),
        request.workspace,
        pk=pk,
    )
    if not permissions.can_edit_initiative(request.member, initiative):
        raise PermissionDenied
    return initiative


def _initiative_home(request, initiative) -> str:
    """Where an initiative is listed: its key result on the objective page, or its KPI."""
    slug = request.workspace.slug
    if initiative.key_result_id:
        return (
            reverse("okrs:objective", args=[slug, initiative.key_result.objective_id])
            + f"#kr-{initiative.key_result_id}"
        )
    return reverse("kpis:detail", args=[slug, initiative.kpi_id]) + "#deviations"


@workspace_view(Role.MEMBER)
def initiative_edit(request, pk):
    """An initiative's form, where it is listed (fetched when its row opens) or on its own
    page; saved, it goes back to that list."""
    initiative = _editable_initiative(request, pk)
    form = InitiativeEditForm(
        request.POST or None, initiative=initiative, prefix=f"i{initiative.pk}"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_update(
                initiative=initiative, actor=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Initiative saved."))
            return redirect(_initiative_home(request, initiative))
    template = "okrs/_initiative_form.html" if request.htmx else "okrs/initiative_edit.html"
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        template,
        {
            "form": form,
            "initiative": initiative,
            "back": _initiative_home(request, initiative),
            # Linking it to a work item is a data source: an editor's to manage.
            "can_link": permissions.at_least(request.member, Role.EDITOR),
        },
        status=status,
    )


@require_POST
@workspace_view(Role.MEMBER)
def initiative_done(request, pk):
    """One click from the list: the initiative is done today."""
    initiative = _editable_initiative(request, pk)
    try:
        services.initiative_update(
            initiative=initiative, actor=request.user, status=Initiative.Status.DONE
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_initiative_home(request, initiative))


@require_POST
@workspace_view(Role.MEMBER)
def initiative_delete(request, pk):
    initiative = _editable_initiative(request, pk)
    back = _initiative_home(request, initiative)
    try:
        services.initiative_delete(initiative=initiative, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Initiative deleted."))
    return redirect(back)


# --- Cycles -------------------------------------------------------------------------------


@workspace_view()
def cycles(request):
    ws = request.workspace
    today = ws.today()
    return render(
        request,
        "okrs/cycles.html",
        {
            "cycles": Cycle.objects.filter(workspace=ws).select_related("parent"),
            "year_form": YearForm(initial={"year": today.year, "quarters": True}),
            "cycle_form": CycleForm(workspace=ws),
            "today": today,
        },
    )


@require_POST
@workspace_view(Role.ADMIN)
def cycle_create_year(request):
    ws = request.workspace
    form = YearForm(request.POST)
    if form.is_valid():
        try:
            services.cycle_create_year(
                workspace=ws,
                year=form.cleaned_data["year"],
                quarters=form.cleaned_data["quarters"],
                actor=request.user,
            )
            messages.success(request, _("Cycle created."))
            return redirect("okrs:cycles", ws.slug)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(
        request,
        "okrs/cycles.html",
        {
            "cycles": Cycle.objects.filter(workspace=ws),
            "year_form": form,
            "cycle_form": CycleForm(workspace=ws),
        },
        status=422,
    )


@require_POST
@workspace_view(Role.ADMIN)
def cycle_create(request):
    ws = request.workspace
    form = CycleForm(request.POST, workspace=ws)
    if form.is_valid():
        data = form.cleaned_data
        kind = Cycle.Kind.CUSTOM
        if data["parent"] is not None and data["parent"].kind == Cycle.Kind.YEAR:
            kind = Cycle.Kind.QUARTER if (data["end"] - data["start"]).days < 95 else kind
        try:
            services.cycle_create(
                workspace=ws,
                name=data["name"],
                start=data["start"],
                end=data["end"],
                parent=data["parent"],
                kind=kind,
                actor=request.user,
            )
            messages.success(request, _("Cycle created."))
            return redirect("okrs:cycles", ws.slug)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(
        request,
        "okrs/cycles.html",
        {"cycles": Cycle.objects.filter(workspace=ws), "year_form": YearForm(), "cycle_form": form},
        status=422,
    )


@require_POST
@workspace_view(Role.ADMIN)
def cycle_set_current(request, pk):
    cycle = scoped_get(Cycle, request.workspace, pk=pk)
    services.cycle_set_current(cycle=cycle, actor=request.user)
    messages.success(request, _("%(cycle)s is now the current cycle.") % {"cycle": cycle.name})
    return redirect("okrs:cycles", request.workspace.slug)


# --- Teams and people ---------------------------------------------------------------------


def objective_rows_for(request, **filters):
    """Rows of the current cycle's objectives matching ``filters`` (a team, an owner)."""
    ws, me = request.workspace, request.member
    cycle = _cycle_or_current(request)
    if cycle is None:
        return None, []
    qs = (
        selectors.objectives_with_details(ws, me)
        .filter(cycle=cycle, **filters)
        .exclude(status=Objective.Status.ARCHIVED)
    )
    return cycle, selectors.rows_for(qs, ws.today())


@workspace_view()
def cycle_export(request, pk, fmt):
    """The cycle for a spreadsheet (CSV, XLSX) or to print (PDF): what the member may see;
    or as an OKR file (YAML, JSON: the whole cycle, so for admins)."""
    from django.http import HttpResponse

    from . import exports, okrfile

    ws = request.workspace
    cycle = scoped_get(Cycle, ws, pk=pk)
    name = f"{ws.slug}-{slugify(cycle.name) or cycle.pk}"
    if fmt in ("csv", "xlsx"):
        objectives = selectors.objectives_with_details(ws, request.member).filter(cycle=cycle)
        rows = exports.cycle_rows(cycle, objectives)
        if fmt == "csv":
            response = HttpResponse(exports.to_csv(rows), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                exports.to_xlsx(rows, cycle.name),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
    elif fmt == "pdf":
        objectives = selectors.objectives_with_details(ws, request.member)
        response = HttpResponse(
            exports.to_pdf(cycle, objectives, today=ws.today()),
            content_type="application/pdf",
        )
    elif fmt in ("yaml", "json"):
        if not permissions.can_admin(request.member):
            raise PermissionDenied
        text = okrfile.export_workspace(ws, fmt, cycle_name=cycle.name)
        response = HttpResponse(
            text, content_type="application/json" if fmt == "json" else "application/yaml"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@workspace_view()
def present(request, pk):
    """A full-screen, keyboard-driven slide show of a cycle: one objective per slide."""
    ws = request.workspace
    cycle = scoped_get(Cycle, ws, pk=pk)
    objectives = (
        selectors.objectives_with_details(ws, request.member)
        .filter(cycle=cycle)
        .exclude(status=Objective.Status.ARCHIVED)
    )
    rows = selectors.rows_for(objectives, ws.today())
    order = {Objective.Level.COMPANY: 0, Objective.Level.TEAM: 1, Objective.Level.INDIVIDUAL: 2}
    rows.sort(key=lambda r: (order[r.objective.level], r.objective.position))
    return render(request, "okrs/present.html", {"cycle": cycle, "rows": rows})


# --- First run ------------------------------------------------------------------------------


@workspace_view(Role.MEMBER)
def starters(request):
    """The OKR template library (GET: searched, filtered by function, each with the coach's
    verdict), or one entry made a draft of the reader (POST)."""
    from . import library

    ws, me = request.workspace, request.member
    language = library.active_language()
    chosen = request.POST.get("cycle") or request.GET.get("cycle") or ""
    cycle = _cycle_or_current(request, int(chosen) if chosen.isdigit() else None)
    if request.method == "POST":
        entry = library.by_key(language).get(request.POST.get("starter", ""))
        if entry is None or entry.counter or cycle is None:
            messages.error(request, _("Choose one of the examples."))
            return redirect("okrs:starters", ws.slug)
        try:
            objective = library.objective_from_entry(
                entry=entry, cycle=cycle, owner=me, actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("okrs:starters", ws.slug)
        messages.success(
            request,
            _("A draft from the example: make the numbers yours, then set it active."),
        )
        return redirect("okrs:objective_edit", ws.slug, objective.pk)
    q = request.GET.get("q", "")[:100]
    function = request.GET.get("function", "")
    function = function if function in library.FUNCTIONS else ""
    found = library.search(language, q, function)
    better = library.by_key(language)
    items = [
        {
            "entry": e,
            "findings": library.verdict(e),
            "better": better[e.better] if e.better else None,
        }
        for e in found
    ]
    return render(
        request,
        "okrs/starters.html",
        {
            "items": items,
            "cycle": cycle,
            "q": q,
            "function": function,
            "functions": library.FUNCTIONS,
            "total": len(library.entries(language)),
        },
    )


@require_POST
@workspace_view(Role.ADMIN)
def setup_hide(request):
    """Put the first-run checklist away."""
    from waypoint.workspaces.services import workspace_update

    workspace_update(workspace=request.workspace, actor=request.user, setup_hidden=True)
    return redirect("okrs:home", request.workspace.slug)
