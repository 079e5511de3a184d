"""The coach's pages: live checks in the editor, the maturity diagnostic, coach settings,
and the end of a cycle (grades, retrospectives, carry-over, closing) and year splits."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from waypoint.lib import scoring
from waypoint.lib.widgets import DateInput
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs import services as okr_services
from waypoint.okrs.models import (
    Cycle,
    CycleReview,
    Initiative,
    KeyResult,
    Objective,
    Retrospective,
)
from waypoint.workspaces import audit, permissions
from waypoint.workspaces.models import Member, Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import grading, maturity, rules, selectors
from . import services as coach_services
from .models import CoachSettings, MaturityDiagnosis, MaturityStep

# --- Live checks in the editor --------------------------------------------------------------


@require_POST
@workspace_view(Role.MEMBER)
def check(request):
    """The draft objective in the editor, judged as the user types (htmx, debounced)."""
    ws = request.workspace
    data = request.POST
    if data.get("objective"):
        visible = okr_selectors.visible_objectives(ws, request.member)
        objective = scoped_get(visible, ws, pk=data["objective"])
        base = selectors.rule_objectives(visible.filter(pk=objective.pk))[0]
    else:
        base = rules.Objective(key="draft", title="")
    owner_id = data.get("owner")
    owner = None
    if owner_id:
        owner = Member.objects.filter(workspace=ws, pk=owner_id).select_related("user").first()
    krs = list(base.key_results)
    draft_kr = (data.get("kr-title") or "").strip()
    if draft_kr:
        target = data.get("kr-target") or None
        try:
            target = float(target) if target is not None else None
        except ValueError:
            target = None
        krs.append(rules.KR(title=draft_kr, type=data.get("kr-type"), target=target))
    draft = rules.Objective(
        key=base.key,
        title=data.get("title", base.title),
        why=data.get("why", base.why),
        owner=(owner.user.email if owner else None) if "owner" in data else base.owner,
        level=data.get("level", base.level),
        kind=data.get("kind", base.kind),
        teams=base.teams,
        key_results=tuple(krs),
    )
    findings = selectors.draft_findings(ws, draft) if draft.title else []
    if draft_kr:
        # While a key result is being typed, speak about it and about the objective only.
        findings = [
            f for f in findings if f.key_result in (None, draft_kr) and f.rule != "kr-count"
        ]
    return render(request, "coach/_findings.html", {"findings": findings, "live": True})


# --- Maturity -------------------------------------------------------------------------------


@workspace_view()
def maturity_page(request):
    """Where the workspace stands today, and the timeline of its stored diagnoses, each with
    what changed since the one before; an admin stores today's (POST)."""
    ws = request.workspace
    today = ws.today()
    if request.method == "POST":
        if not permissions.can_admin(request.member):
            raise PermissionDenied
        if "step" in request.POST:
            if not request.POST["step"].isdigit():
                raise Http404
            step = scoped_get(MaturityStep, ws, pk=int(request.POST["step"]))
            coach_services.maturity_step_done(
                step=step, done=request.POST.get("done") == "1", day=today, actor=request.user
            )
            return redirect(reverse("coach:maturity", args=[ws.slug]) + "#steps")
        coach_services.maturity_store(
            workspace=ws, day=today, by=request.member, actor=request.user
        )
        messages.success(request, _("Today's diagnosis is stored in the timeline."))
        return redirect("coach:maturity", ws.slug)
    facts = selectors.maturity_facts_today(ws)
    diagnosis = maturity.diagnose(facts)
    stored = list(MaturityDiagnosis.objects.filter(workspace=ws)[: TIMELINE + 1])
    diagnoses = [maturity.from_stored(d.facts) for d in stored]
    timeline = [
        {
            "stored": d,
            "diagnosis": diagnoses[i],
            "changes": maturity.changes(diagnoses[i + 1], diagnoses[i])
            if i + 1 < len(stored)
            else None,
        }
        for i, d in enumerate(stored[:TIMELINE])
    ]
    return render(
        request,
        "coach/maturity.html",
        {
            "diagnosis": diagnosis,
            "stages": maturity.STAGES,
            "facts": facts,
            "timeline": timeline,
            "stored_today": bool(stored) and stored[0].taken_on == today,
            "steps": list(
                MaturityStep.objects.filter(workspace=ws).order_by(
                    F("done_on").desc(nulls_first=True), F("met_on").desc(nulls_first=True), "id"
                )[:STEPS_SHOWN]
            ),
        },
    )


TIMELINE = 12  # stored diagnoses shown, newest first
STEPS_SHOWN = 30  # the checklist's open steps first


# --- Coach settings -------------------------------------------------------------------------


class CoachSettingsForm(forms.Form):
    min_krs = forms.IntegerField(
        label=gettext_lazy("Fewest key results"), min_value=1, max_value=10
    )
    max_krs = forms.IntegerField(label=gettext_lazy("Most key results"), min_value=1, max_value=15)
    max_objectives = forms.IntegerField(
        label=gettext_lazy("Most objectives per owner, team or the company"),
        min_value=1,
        max_value=20,
    )
    enabled = forms.MultipleChoiceField(
        label=gettext_lazy("Rules the coach applies"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(r.id, r.title) for r in rules.RULES.values()],
    )

    def clean(self):
        data = super().clean()
        if data.get("min_krs") and data.get("max_krs") and data["min_krs"] > data["max_krs"]:
            self.add_error("max_krs", _("The most must not be below the fewest."))
        return data


@workspace_view(Role.ADMIN)
def coach_settings(request):
    ws = request.workspace
    current = CoachSettings.objects.filter(workspace=ws).first() or CoachSettings(workspace=ws)
    form = CoachSettingsForm(
        request.POST or None,
        initial={
            "min_krs": current.min_krs,
            "max_krs": current.max_krs,
            "max_objectives": current.max_objectives,
            "enabled": [r for r in rules.RULES if r not in (current.disabled_rules or [])],
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if current.pk is None:
            current.save()
        audit.save_changes(
            current,
            actor=request.user,
            action="coach.settings",
            workspace=ws,
            fields={
                "min_krs": d["min_krs"],
                "max_krs": d["max_krs"],
                "max_objectives": d["max_objectives"],
                "disabled_rules": sorted(set(rules.RULES) - set(d["enabled"])),
            },
        )
        messages.success(request, _("Coach settings saved."))
        return redirect("coach:settings", ws.slug)
    return render(request, "coach/settings.html", {"form": form, "rules": rules.RULES.values()})


# --- End of a cycle -------------------------------------------------------------------------


class GradeForm(forms.Form):
    """An objective's grade: one per key result (``kr_<id>``), and the objective's own only
    to override their weighted mean, with a reason."""

    grade = forms.FloatField(
        label=gettext_lazy("Grade of the objective"),
        min_value=0,
        max_value=1,
        required=False,
        help_text=gettext_lazy("Empty: the weighted mean of its key results' grades."),
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Why it differs from the key results' grades"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    what_worked = forms.CharField(
        label=gettext_lazy("What worked"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    what_did_not = forms.CharField(
        label=gettext_lazy("What did not"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    learned = forms.CharField(
        label=gettext_lazy("What we learned"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, key_results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.key_results = list(key_results)
        for kr in self.key_results:
            # Left empty, a key result keeps its grade, or takes its score.
            self.fields[f"kr_{kr.pk}"] = forms.FloatField(
                label=kr.title, min_value=0, max_value=1, required=False
            )
            self.initial.setdefault(
                f"kr_{kr.pk}",
                kr.grade if kr.grade is not None else scoring.suggested_grade(kr.score),
            )

    def key_result_rows(self):
        """(key result, bound field) of each key result, for the grading table."""
        return [(kr, self[f"kr_{kr.pk}"]) for kr in self.key_results]

    def key_result_grades(self) -> dict[int, float]:
        grades = {kr.pk: self.cleaned_data.get(f"kr_{kr.pk}") for kr in self.key_results}
        return {pk: value for pk, value in grades.items() if value is not None}


class CarryForm(forms.Form):
    cycle = forms.ModelChoiceField(label=gettext_lazy("Into cycle"), queryset=Cycle.objects.none())
    key_results = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Unfinished key results"),
        queryset=KeyResult.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, objective, cycles=None, key_results=None, **kwargs):
        """``cycles`` and ``key_results``, when given, are the choices already read: a page
        with a form per objective then asks the database nothing per form."""
        super().__init__(*args, **kwargs)
        if cycles is None:
            self.fields["cycle"].queryset = Cycle.objects.filter(
                workspace_id=objective.workspace_id, status=Cycle.Status.OPEN
            ).exclude(pk=objective.cycle_id)
        else:  # shown, not validated: the choices as read
            self.fields["cycle"].choices = [("", "---------")] + [
                (c.pk, str(c)) for c in cycles if c.pk != objective.cycle_id
            ]
        if key_results is None:
            self.fields["key_results"].queryset = objective.key_results.all()
        else:
            self.fields["key_results"].choices = [(k.pk, str(k)) for k in key_results]


class ReviewForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DateInput())
    summary = forms.CharField(
        label=gettext_lazy("What we take into the next cycle"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _next_cycle(cycle: Cycle) -> Cycle | None:
    return (
        Cycle.objects.filter(
            workspace=cycle.workspace,
            start__gt=cycle.start,
            status=Cycle.Status.OPEN,
            kind=cycle.kind,
        )
        .order_by("start")
        .first()
        or Cycle.objects.filter(
            workspace=cycle.workspace, start__gt=cycle.start, status=Cycle.Status.OPEN
        )
        .order_by("start")
        .first()
    )


@workspace_view()
def findings(request, pk):
    """Every finding of the coach on a cycle's OKRs, a page at a time; with ``panel`` (htmx),
    the first ones as the overview's coach panel lists them."""
    from django.core.paginator import Paginator

    ws = request.workspace
    cycle = scoped_get(Cycle, ws, pk=pk)
    review = selectors.cycle_review(ws, cycle, member=request.member)
    if request.htmx and request.GET.get("panel"):
        # The first ones, for the coach panel of the cycle's overview, opened.
        context = {"cycle": cycle, "review": review, "titles": selectors.panel_titles(review)}
        return render(request, "coach/_panel_findings.html", context)
    page = Paginator([*review.findings, *review.kpi_findings], 50).get_page(request.GET.get("page"))
    on_objectives = [f for f in page if f.objective is not None]
    titles = dict(
        Objective.objects.filter(pk__in=[int(f.objective) for f in on_objectives]).values_list(
            "pk", "title"
        )
    )
    return render(
        request,
        "coach/findings.html",
        {
            "cycle": cycle,
            "page": page,
            "items": [(f, titles.get(int(f.objective), "")) for f in on_objectives],
            "kpi_items": [f for f in page if f.objective is None],
            "quality": review.cycle_quality,
        },
    )


RETRO_PAGE = 20


@workspace_view()
def retro(request, pk):
    """Grading and learning at the end of a cycle, twenty objectives a page; all, the
    reader's own and their teams', or those still ungraded."""
    return _retro_page(request, scoped_get(Cycle, request.workspace, pk=pk))


def _retro_page(request, cycle, bound=None, status=200):
    """The retrospective page; ``bound`` is a grading form sent with an error, shown with
    what was typed and the message at its field."""
    ws, me = request.workspace, request.member
    today = ws.today()
    from django.core.paginator import Paginator

    qs = okr_selectors.cycle_objectives(ws, me, cycle)
    # Both counts in one pass over the cycle (a retrospective is one row an objective).
    counts = qs.aggregate(
        total=Count("pk"), graded=Count("pk", filter=Q(retrospective__grade__isnull=False))
    )
    total, graded = counts["total"], counts["graded"]
    show = request.GET.get("show", "")
    if show == "mine":
        qs = qs.filter(Q(owner=me) | Q(teams__members=me)).distinct()
    elif show == "ungraded":
        qs = qs.exclude(retrospective__grade__isnull=False)
    paginator = Paginator(
        qs.prefetch_related("key_results__initiatives").order_by("level", "position", "id"),
        RETRO_PAGE,
    )
    if not show:
        paginator.count = total  # counted above: not again
    page = paginator.get_page(request.GET.get("page"))
    rows = okr_selectors.rows_for(page, today)
    retros = {
        r.objective_id: r
        for r in Retrospective.objects.filter(objective__in=[row.objective.pk for row in rows])
    }
    next_cycle = _next_cycle(cycle)
    open_cycles = list(Cycle.objects.filter(workspace=ws, status=Cycle.Status.OPEN))
    grading_open = cycle.grading_open(today)
    items = []
    for row in rows:
        o = row.objective
        r = retros.get(o.pk)
        krs = [k.kr for k in row.krs]
        suggested = scoring.graded_mean(((k.grade, k.score, k.weight) for k in krs), row.score)
        grade = r.grade if r and r.grade is not None else None
        can_grade = grading_open and permissions.can_edit_objective(me, o)
        items.append(
            {
                "row": row,
                "retro": r,
                "suggested": suggested,
                "guidance": grading.guidance(o.kind, grade if grade is not None else suggested),
                "can_grade": can_grade,
                # The forms only where they are shown: a reader who cannot grade gets none.
                "form": None
                if not can_grade
                else bound
                if bound is not None and bound.prefix == f"o{o.pk}"
                else GradeForm(
                    prefix=f"o{o.pk}",
                    key_results=krs,
                    initial={
                        # Only an override is the objective's own; otherwise the mean follows.
                        "grade": grade if r and r.override_reason else None,
                        "override_reason": r.override_reason if r else "",
                        "what_worked": r.what_worked if r else "",
                        "what_did_not": r.what_did_not if r else "",
                        "learned": r.learned if r else "",
                    },
                ),
                "carry": None
                if not can_grade
                else CarryForm(
                    objective=o,
                    cycles=open_cycles,
                    key_results=[k.kr for k in row.krs],
                    prefix=f"c{o.pk}",
                    initial={
                        "cycle": next_cycle,
                        "key_results": [k.kr.pk for k in row.krs if k.progress < 1],
                    },
                ),
                "unfinished": [k for k in row.krs if k.progress < 1],
                "initiatives": [
                    i
                    for k in row.krs
                    for i in k.kr.initiatives.all()
                    if i.status != Initiative.Status.DONE
                ],
            }
        )
    review = CycleReview.objects.filter(cycle=cycle).first()
    missed, due = 0, set()
    if cycle.status != Cycle.Status.CLOSED:
        query = okr_services.missed_commitments_query(cycle)
        missed = query.count()
        if missed and cycle.grading_open(today):  # before that, a commitment still runs
            shown = [item["row"].objective.pk for item in items]
            due = set(query.filter(pk__in=shown).values_list("pk", flat=True))
    for item in items:
        item["postmortem_due"] = item["row"].objective.pk in due
    return render(
        request,
        "coach/retro.html",
        {
            "cycle": cycle,
            "missed_commitments": missed,
            "grading_open": cycle.grading_open(today),
            "closing_early": today < cycle.grading_opens_on,
            "items": items,
            "page": page,
            "show": show,
            "total": total,
            "next_cycle": next_cycle,
            "graded": graded,
            "review": review,
            "review_form": ReviewForm(
                initial={
                    "held_on": review.held_on if review else today,
                    "summary": review.summary if review else "",
                }
            ),
            "can_admin": permissions.can_admin(me),
        },
        status=status,
    )


def _objective_for_grading(request, pk) -> Objective:
    objective = scoped_get(
        okr_selectors.visible_objectives(request.workspace, request.member).select_related("cycle"),
        request.workspace,
        pk=pk,
    )
    if not permissions.can_edit_objective(request.member, objective):
        raise PermissionDenied
    return objective


@require_POST
@workspace_view(Role.MEMBER)
def grade(request, pk):
    objective = _objective_for_grading(request, pk)
    form = GradeForm(
        request.POST,
        prefix=f"o{objective.pk}",
        key_results=objective.key_results.order_by("position", "id"),
    )
    url = reverse("coach:retro", args=[request.workspace.slug, objective.cycle_id])
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                okr_services.objective_grade(
                    objective=objective,
                    grade=d["grade"],
                    key_results=form.key_result_grades(),
                    reason=d["override_reason"],
                    by=request.member,
                    actor=request.user,
                )
                okr_services.retrospective_write(
                    objective=objective,
                    what_worked=d["what_worked"],
                    what_did_not=d["what_did_not"],
                    learned=d["learned"],
                    actor=request.user,
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Grade and retrospective saved for “%(title)s”.") % {"title": objective.title},
            )
            return redirect(url + f"#o-{objective.pk}")
    # What was typed stays, with the message at its field, on the page it was typed on.
    messages.error(request, _("Nothing was saved for “%(title)s”.") % {"title": objective.title})
    return _retro_page(request, objective.cycle, bound=form, status=422)


@require_POST
@workspace_view(Role.MEMBER)
def carry(request, pk):
    objective = _objective_for_grading(request, pk)
    form = CarryForm(request.POST, objective=objective, prefix=f"c{objective.pk}")
    if form.is_valid():
        krs = list(form.cleaned_data["key_results"])
        current = {kr.pk: kr.current_value for kr in krs}
        try:
            new = okr_services.objective_carry_over(
                objective=objective,
                cycle=form.cleaned_data["cycle"],
                key_results=krs,
                current_values=current,
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Carried over into %(cycle)s.") % {"cycle": form.cleaned_data["cycle"].name},
            )
            return redirect("okrs:objective_edit", request.workspace.slug, new.pk)
    else:
        messages.error(request, _("Choose the cycle to carry over into."))
    return redirect("coach:retro", request.workspace.slug, objective.cycle_id)


@require_POST
@workspace_view(Role.MEMBER)
def initiative_to_objective(request, pk):
    initiative = scoped_get(
        Initiative.objects.select_related("key_result__objective__cycle"), request.workspace, pk=pk
    )
    source = initiative.key_result.objective
    _objective_for_grading(request, source.pk)
    cycle = _next_cycle(source.cycle)
    if cycle is None:
        messages.error(request, _("There is no next cycle yet: create it first."))
        return redirect("coach:retro", request.workspace.slug, source.cycle_id)
    new = okr_services.initiative_to_objective(
        initiative=initiative, cycle=cycle, actor=request.user
    )
    messages.success(request, _("Drafted as an objective of %(cycle)s.") % {"cycle": cycle.name})
    return redirect("okrs:objective_edit", request.workspace.slug, new.pk)


@require_POST
@workspace_view(Role.ADMIN)
def review(request, pk):
    cycle = scoped_get(Cycle, request.workspace, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        okr_services.cycle_review_write(cycle=cycle, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Cycle retrospective saved."))
    else:
        messages.error(request, _("The retrospective needs a date and a summary."))
    return redirect(reverse("coach:retro", args=[request.workspace.slug, cycle.pk]) + "#review")


@require_POST
@workspace_view(Role.ADMIN)
def close(request, pk):
    cycle = scoped_get(Cycle, request.workspace, pk=pk)
    try:
        okr_services.cycle_close(
            cycle=cycle,
            actor=request.user,
            without_postmortems=request.POST.get("without_postmortems") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(cycle)s is closed.") % {"cycle": cycle.name})
    return redirect("coach:retro", request.workspace.slug, cycle.pk)


@require_POST
@workspace_view(Role.ADMIN)
def reopen(request, pk):
    cycle = scoped_get(Cycle, request.workspace, pk=pk)
    try:
        okr_services.cycle_reopen(cycle=cycle, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(cycle)s is open again.") % {"cycle": cycle.name})
    return redirect("coach:retro", request.workspace.slug, cycle.pk)


# --- Year into quarters ---------------------------------------------------------------------


class SplitForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Split"),
        widget=forms.RadioSelect,
        choices=[("equal", gettext_lazy("Equally")), ("custom", gettext_lazy("By these shares"))],
        initial="equal",
    )
    shares = forms.CharField(
        label=gettext_lazy("Shares, one per quarter"),
        required=False,
        help_text=gettext_lazy("e.g. 10, 20, 30, 40"),
    )

    def __init__(self, *args, quarters: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.quarters = quarters

    def clean(self):
        from waypoint.kpis.importing import parse_number

        data = super().clean()
        if data.get("mode") == "custom":
            parts = [p for p in (data.get("shares") or "").replace(";", " ").split() if p]
            values = [parse_number(p.strip(",")) for p in parts]
            if len(values) != self.quarters or any(v is None or v < 0 for v in values):
                self.add_error(
                    "shares", _("Give %(n)s shares, one per quarter.") % {"n": self.quarters}
                )
            else:
                data["weights"] = values
        else:
            data["weights"] = [1] * self.quarters
        return data


@workspace_view(Role.EDITOR)
def split(request, pk):
    kr = scoped_get(
        okr_selectors.visible_key_results(request.workspace, request.member).select_related(
            "objective__cycle"
        ),
        request.workspace,
        pk=pk,
    )
    quarters = list(Cycle.objects.filter(parent=kr.objective.cycle).order_by("start"))
    form = SplitForm(request.POST or None, quarters=len(quarters))
    preview = []
    if form.is_bound and form.is_valid() and quarters:
        try:
            parts = okr_services.split_targets(
                kr.start or 0, kr.target, form.cleaned_data["weights"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            preview = list(zip(quarters, parts, strict=True))
            if request.POST.get("save"):
                made = okr_services.key_result_split_into_quarters(
                    key_result=kr, weights=form.cleaned_data["weights"], actor=request.user
                )
                messages.success(
                    request, _("%(n)s quarterly key results created.") % {"n": len(made)}
                )
                return redirect("okrs:tree", request.workspace.slug, quarters[0].pk)
    return render(
        request,
        "coach/split.html",
        {"kr": kr, "form": form, "quarters": quarters, "preview": preview},
    )


class ClientForm(forms.Form):
    """A new client workspace, from one the agency administers."""

    template = forms.ModelChoiceField(label=gettext_lazy("Template"), queryset=None)
    name = forms.CharField(label=gettext_lazy("Client's name"), max_length=120)
    slug = forms.SlugField(
        label=gettext_lazy("Address"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Letters, digits and dashes; from the name when empty."),
    )

    def __init__(self, *args, user, **kwargs):
        from waypoint.workspaces.models import Workspace

        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = Workspace.objects.filter(
            members__user=user, members__role__in=[Role.OWNER, Role.ADMIN]
        ).order_by("name")


@login_required
def portfolio(request):
    """The agency's (or the coach's) view of every workspace the reader belongs to: the
    current cycle's progress, KPI health, open deviations, failing data sources, when the
    next monthly report is due, and the maturity stage with its trend; sortable by any of
    them. A few grouped queries, whatever the number of workspaces."""
    from waypoint.workspaces.security import locked_workspaces
    from waypoint.workspaces.selectors import workspaces_of_user

    from .selectors import portfolio_rows

    mine = list(workspaces_of_user(request.user).order_by("name"))
    locked = locked_workspaces(request.user, mine)
    mine = [w for w in mine if w.pk not in locked]
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        from waypoint.reports.agency import client_create

        try:
            made = client_create(
                template=form.cleaned_data["template"],
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"] or form.cleaned_data["name"],
                user=request.user,
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(name)s is ready: fill in its data sources' credentials and its "
                    "report's addresses."
                )
                % {"name": made.name},
            )
            return redirect("connectors:sources", made.slug)
    rows = portfolio_rows(mine)
    for row in rows:
        row["name"] = maturity.STAGES.get(row["now"].stage) if row["now"] else None
    sort = request.GET.get("sort", "name")
    keys = {
        "name": lambda r: r["workspace"].name.lower(),
        "progress": lambda r: -1 if r["progress"] is None else r["progress"],
        "health": lambda r: (r["kpis"]["critical"], r["kpis"]["warning"]),
        "deviations": lambda r: r["deviations"],
        "sources": lambda r: r["failing_sources"],
        "due": lambda r: r["report_due"] or dt.date.max,
        "stage": lambda r: r["now"].stage if r["now"] else 0,
    }
    if sort.lstrip("-") not in keys:
        sort = "name"
    rows.sort(key=keys[sort.lstrip("-")], reverse=sort.startswith("-"))
    columns = [
        ("name", _("Workspace")),
        ("progress", _("OKR progress")),
        ("health", _("KPI health")),
        ("deviations", _("Open deviations")),
        ("sources", _("Failing sources")),
        ("due", _("Next report")),
        ("stage", _("Stage")),
    ]
    return render(
        request,
        "coach/portfolio.html",
        {
            "rows": rows,
            "stages": maturity.STAGES,
            "sort": sort,
            "columns": columns,
            "client_form": form if form.fields["template"].queryset.exists() else None,
        },
        status=422 if request.method == "POST" else 200,
    )
