"""KPI pages: board, processes, templates, the KPI page with its data, the derivation calculator."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from waypoint.lib import charts
from waypoint.lib import kpi as maths
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import Initiative
from waypoint.workspaces import permissions
from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import importing, selectors, services
from .catalogue import BY_KEY, TEMPLATES
from .forms import (
    AnnotationForm,
    BoardFilterForm,
    CapacityForm,
    DataPointForm,
    DeviationResponseForm,
    FunnelForm,
    KpiForm,
    OutcomesForm,
    PasteForm,
    PromoteForm,
    UploadForm,
)
from .models import DataPoint, Deviation, DeviationResponse, Kpi


def _kpi(request, pk) -> Kpi:
    return scoped_get(selectors.kpis_list(request.workspace), request.workspace, pk=pk)


def _fed_kpi(request, pk) -> Kpi:
    kpi = _kpi(request, pk)
    if not permissions.can_feed_kpi(request.member, kpi):
        raise PermissionDenied
    return kpi


# --- Board and processes --------------------------------------------------------------------


BOARD_PAGE = 50


@workspace_view()
def board(request):
    ws = request.workspace
    form = BoardFilterForm(request.GET or None, workspace=ws)
    from django.core.paginator import Paginator
    from django.db.models import Count, Q

    qs = selectors.kpis_list(ws)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("team"):
        qs = qs.filter(team=data["team"])
    if data.get("process"):
        qs = qs.filter(process=data["process"])
    if data.get("q"):
        qs = qs.filter(
            Q(name__icontains=data["q"])
            | Q(team__name__icontains=data["q"])
            | Q(process__name__icontains=data["q"])
        )
    # Counted and filtered by the stored status of each KPI's latest period.
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    if data.get("status"):
        qs = qs.filter(status="" if data["status"] == "none" else data["status"])
    page = Paginator(qs.order_by("name", "pk"), BOARD_PAGE).get_page(request.GET.get("page"))
    rows = selectors.board_rows(list(page))
    context = {
        "rows": rows,
        "page": page,
        "form": form,
        "counts": {s: counts.get(s, 0) for s in selectors.STATUS_LABELS},
    }
    if request.htmx and request.htmx.target == "board-results":
        return render(request, "kpis/_board_rows.html", context)
    return render(request, "kpis/board.html", context)


@workspace_view()
def processes(request):
    ws = request.workspace
    rows = selectors.board_rows(list(selectors.kpis_list(ws)))
    grouped: dict = defaultdict(lambda: defaultdict(list))
    for r in rows:
        grouped[r.kpi.process][(r.kpi.stage_position, r.kpi.stage)].append(r)
    groups = []
    for process, stages in sorted(grouped.items(), key=lambda kv: (kv[0] is None, str(kv[0]))):
        stage_list = [
            {
                "name": name,
                "rows": stage_rows,
                "worst": max(
                    (r.status for r in stage_rows if r.status),
                    key=lambda s: maths.SEVERITY[s],
                    default=None,
                ),
            }
            for (_pos, name), stage_rows in sorted(stages.items())
        ]
        groups.append({"process": process, "stages": stage_list})
    return render(request, "kpis/processes.html", {"groups": groups})


@workspace_view()
def responses(request):
    """Seed 002's loop, closed: which responses to deviations brought KPIs back into their
    band, by process and by team, over a span of dates (the last year by default)."""
    ws = request.workspace
    today = ws.today()
    form = OutcomesForm(request.GET or None)
    start, end = today - dt.timedelta(days=365), today
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    context = {
        "form": form,
        "start": start,
        "end": end,
        "kinds": Deviation.Response.choices,
        "tables": [
            (
                _("By process"),
                _("Not linked to a process"),
                selectors.response_outcomes(ws, start, end, "process"),
            ),
            (_("By team"), _("No team"), selectors.response_outcomes(ws, start, end, "team")),
        ],
    }
    return render(request, "kpis/responses.html", context)


# --- Creating and editing -------------------------------------------------------------------


@workspace_view(Role.EDITOR)
def templates(request):
    return render(request, "kpis/templates.html", {"templates": TEMPLATES})


def _kpi_fields(request, data) -> dict:
    fields = {k: v for k, v in data.items() if k != "process"}
    name = (data.get("process") or "").strip()
    fields["process"] = (
        services.process_ensure(workspace=request.workspace, name=name, actor=request.user)
        if name
        else None
    )
    return fields


@workspace_view(Role.EDITOR)
def kpi_create(request):
    ws = request.workspace
    template = BY_KEY.get(request.GET.get("template", ""))
    initial = (
        template.initial()
        if template
        else {"direction": Kpi.Direction.HIGHER, "frequency": Kpi.Frequency.WEEKLY}
    )
    initial.setdefault("owner", request.member)
    initial["owner"] = request.member
    form = KpiForm(request.POST or None, workspace=ws, member=request.member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            kpi = services.kpi_create(
                workspace=ws, actor=request.user, **_kpi_fields(request, form.cleaned_data)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("KPI created. Enter its first data."))
            return redirect(reverse("kpis:detail", args=[ws.slug, kpi.pk]) + "#data")
    return render(request, "kpis/kpi_form.html", {"form": form, "template": template})


@workspace_view(Role.EDITOR)
def kpi_edit(request, pk):
    kpi = _kpi(request, pk)
    initial = {f: getattr(kpi, f) for f in services.KPI_FIELDS if f != "process"}
    initial["process"] = kpi.process.name if kpi.process else ""
    form = KpiForm(
        request.POST or None, workspace=request.workspace, member=request.member, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.kpi_update(
                kpi=kpi, actor=request.user, **_kpi_fields(request, form.cleaned_data)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("KPI saved."))
            return redirect("kpis:detail", request.workspace.slug, kpi.pk)
    return render(request, "kpis/kpi_form.html", {"form": form, "kpi": kpi})


@workspace_view(Role.EDITOR)
def kpi_delete(request, pk):
    kpi = _kpi(request, pk)
    if request.method == "POST":
        services.kpi_delete(kpi=kpi, actor=request.user)
        messages.success(request, _("KPI deleted."))
        return redirect("kpis:board", request.workspace.slug)
    return render(
        request,
        "okrs/confirm_delete.html",
        {
            "thing": kpi,
            "what": _("KPI"),
            "consequence": _("Its data points, deviations and annotations are deleted with it."),
            "cancel": reverse("kpis:detail", args=[request.workspace.slug, kpi.pk]),
        },
    )


# --- The KPI page ---------------------------------------------------------------------------


def _source_context(kpi) -> dict:
    from waypoint.connectors import kinds
    from waypoint.connectors.models import Source

    source = Source.objects.filter(kpi=kpi).first()
    return {
        "source": source,
        "source_label": kinds.KINDS[source.kind].label if source else "",
        "source_target": f"kpi={kpi.pk}",
    }


# The deviations a KPI's page lists, newest first (their history is on the responses page).
DEVIATIONS_SHOWN = 20

# How far back a KPI's page reads and draws, by frequency.
HISTORY_DAYS = {
    maths.DAILY: 366,
    maths.WEEKLY: 3 * 366,
    maths.MONTHLY: 5 * 366,
    maths.QUARTERLY: 10 * 366,
}


def _window(kpi) -> dt.timedelta:
    return dt.timedelta(days=HISTORY_DAYS[kpi.frequency])


def _detail_context(request, kpi, **extra):
    ws = request.workspace
    prefetch_related_objects([kpi], "plans")  # judged and drawn by its plans over time
    today = ws.today()
    # The page shows a window of history, so that ten years of daily data cost what one does.
    history = DataPoint.objects.filter(kpi=kpi)
    window = _window(kpi)
    since = maths.period_of(today - window, kpi.frequency)[0]
    # Dated up to a window ahead: a file of planned values far into the future stays cheap.
    points = list(
        history.filter(date__gte=since, date__lte=today + window)
        .order_by("date")
        .values_list("date", "value")
    )
    periods = maths.periods(
        points,
        frequency=kpi.frequency,
        method=kpi.aggregation,
        thresholds=kpi.schedule,
        today=today,
    )
    start, end = maths.period_of(today, kpi.frequency)
    forecast = maths.forecast_period(
        points, start=start, end=end, method=kpi.aggregation, today=today
    )
    annotations = list(
        selectors.visible_annotations(ws, request.member)
        .filter(kpi=kpi)
        .select_related("author__user")
    )
    chart = (
        selectors.chart_spec(
            kpi,
            periods,
            annotations,
            # From the latest measured period to the end of the current one.
            forecast={
                "from": periods[-1].start.isoformat(),
                "to": end.isoformat(),
                "from_value": periods[-1].value,
                "value": forecast.value,
                "low": forecast.low,
                "high": forecast.high,
            }
            if forecast
            else None,
            # A summed period still running is drawn at its pace, as it is judged.
            pace=True,
        )
        if periods
        else None
    )
    latest = periods[-1] if periods else None
    cycle = okr_selectors.current_cycle(ws)
    deviations = list(
        Deviation.objects.filter(kpi=kpi)
        .select_related("owner__user")
        .prefetch_related(
            Prefetch(
                "responses",
                queryset=DeviationResponse.objects.select_related(
                    "chosen_by__user",
                    "executor__user",
                    "executor_before__user",
                    "plan_before",
                    "initiative__owner__user",
                    "initiative__source",  # its live state, shown beside it
                ),
            )
        )[:DEVIATIONS_SHOWN]
    )
    can_feed = permissions.can_feed_kpi(request.member, kpi)
    context = {
        "kpi": kpi,
        "periods": list(reversed(periods))[:30],
        "latest": latest,
        "point_count": history.count(),
        "since": since,
        "forecast": forecast,
        "period_end": end,
        "chart": chart,
        "chart_locale": charts.vega_locale(request.LANGUAGE_CODE) if chart else None,
        "annotations": annotations,
        "deviations": deviations,
        "kpi_initiatives": list(
            Initiative.objects.filter(kpi=kpi)
            .select_related("owner__user", "source")
            .order_by("-id")[:DEVIATIONS_SHOWN]
        ),
        "response_forms": {
            d.pk: DeviationResponseForm(
                kpi=kpi, prefix=f"d{d.pk}", initial={"response": d.response, "note": d.note}
            )
            for d in deviations
            if d.is_open
        },
        "can_feed": can_feed,
        "can_edit": permissions.can_edit_all(request.member),
        "can_annotate": permissions.at_least(request.member, Role.MEMBER),
        "point_form": DataPointForm(initial={"date": today}),
        "paste_form": PasteForm(),
        "upload_form": UploadForm(),
        "annotation_form": AnnotationForm(initial={"date": today}),
        "promote_form": PromoteForm(workspace=ws, member=request.member, cycle=cycle)
        if cycle
        else None,
        "cycle": cycle,
        "tracking": okr_selectors.visible_key_results(ws, request.member)
        .filter(kpi=kpi)
        .select_related("objective"),
        **_source_context(kpi),
        "today": today,
    }
    context.update(extra)
    return context


@workspace_view()
def kpi_detail(request, pk):
    kpi = _kpi(request, pk)
    return render(request, "kpis/kpi.html", _detail_context(request, kpi))


POINTS_SHOWN = 60


@workspace_view()
def kpi_points(request, pk):
    """A KPI's latest data points, newest first (dated up to the page's window ahead): the
    rows its page opens on demand (htmx), or a page of their own. Folded on the page, they
    are not read or drawn until someone opens them."""
    kpi = _kpi(request, pk)
    latest = request.workspace.today() + _window(kpi)
    points = list(
        DataPoint.objects.filter(kpi=kpi, date__lte=latest)
        .order_by("-date")
        .values_list("date", "value")[:POINTS_SHOWN]
    )
    context = {"kpi": kpi, "points": points}
    if request.htmx:
        return render(request, "kpis/_points.html", context)
    return render(request, "kpis/points.html", context)


def _recorded_message(result) -> str:
    return _("Saved: %(created)s new, %(replaced)s replaced, %(unchanged)s unchanged.") % {
        "created": result.created,
        "replaced": result.replaced,
        "unchanged": result.unchanged,
    }


@require_POST
@workspace_view(Role.MEMBER)
def data_add(request, pk):
    kpi = _fed_kpi(request, pk)
    form = DataPointForm(request.POST)
    if form.is_valid():
        result = services.data_points_record(
            kpi=kpi,
            rows=[(form.cleaned_data["date"], form.cleaned_data["value"])],
            author=request.member,
            actor=request.user,
        )
        messages.success(request, _recorded_message(result))
        return redirect(reverse("kpis:detail", args=[request.workspace.slug, kpi.pk]) + "#data")
    return render(
        request, "kpis/kpi.html", _detail_context(request, kpi, point_form=form), status=422
    )


SESSION_KEY = "kpi-import-{}"


def _preview(request, kpi, parsed, source):
    """Show what would be written; keep the rows for the confirmation only if all are valid."""
    if parsed.ok:
        request.session[SESSION_KEY.format(kpi.pk)] = [[d.isoformat(), v] for d, v in parsed.rows]
    else:
        request.session.pop(SESSION_KEY.format(kpi.pk), None)
    existing = dict(
        DataPoint.objects.filter(kpi=kpi, date__in=[d for d, _ in parsed.rows]).values_list(
            "date", "value"
        )
    )
    preview = [{"date": d, "value": v, "old": existing.get(d)} for d, v in parsed.rows[:200]]
    return render(
        request,
        "kpis/kpi.html",
        _detail_context(
            request,
            kpi,
            preview=preview,
            preview_total=len(parsed.rows),
            preview_errors=parsed.errors,
            preview_source=source,
        ),
        status=200 if parsed.ok else 422,
    )


@require_POST
@workspace_view(Role.MEMBER)
def data_paste(request, pk):
    kpi = _fed_kpi(request, pk)
    form = PasteForm(request.POST)
    if not form.is_valid():
        return render(
            request, "kpis/kpi.html", _detail_context(request, kpi, paste_form=form), status=422
        )
    return _preview(request, kpi, importing.parse_text(form.cleaned_data["text"]), _("pasted rows"))


MAX_UPLOAD = 10 * 1024 * 1024


@require_POST
@workspace_view(Role.MEMBER)
def data_upload(request, pk):
    kpi = _fed_kpi(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "kpis/kpi.html", _detail_context(request, kpi, upload_form=form), status=422
        )
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        form.add_error("file", _("The file is larger than 10 MB."))
        return render(
            request, "kpis/kpi.html", _detail_context(request, kpi, upload_form=form), status=422
        )
    parsed = importing.parse_upload(upload.name, upload.read())
    return _preview(request, kpi, parsed, upload.name)


@require_POST
@workspace_view(Role.MEMBER)
def data_confirm(request, pk):
    kpi = _fed_kpi(request, pk)
    stored = request.session.pop(SESSION_KEY.format(kpi.pk), None)
    if not stored:
        messages.error(request, _("Nothing to import: upload or paste the rows again."))
    else:
        rows = [(dt.date.fromisoformat(d), float(v)) for d, v in stored]
        result = services.data_points_record(
            kpi=kpi, rows=rows, author=request.member, actor=request.user
        )
        messages.success(request, _recorded_message(result))
    return redirect(reverse("kpis:detail", args=[request.workspace.slug, kpi.pk]) + "#data")


@require_POST
@workspace_view(Role.MEMBER)
def deviation_respond(request, pk):
    deviation = scoped_get(Deviation.objects.select_related("kpi"), request.workspace, pk=pk)
    kpi = _fed_kpi(request, deviation.kpi_id)
    form = DeviationResponseForm(request.POST, kpi=kpi, prefix=f"d{pk}")
    if form.is_valid():
        try:
            services.deviation_respond(
                deviation=deviation,
                actor=request.user,
                by=request.member,
                **form.service_arguments(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Response recorded."))
            return redirect(
                reverse("kpis:detail", args=[request.workspace.slug, kpi.pk]) + "#deviations"
            )
    context = _detail_context(request, kpi)
    context["response_forms"][deviation.pk] = form
    return render(request, "kpis/kpi.html", context, status=422)


@require_POST
@workspace_view(Role.MEMBER)
def annotation_create(request, pk):
    kpi = _kpi(request, pk)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        services.annotation_create(
            workspace=request.workspace,
            kpi=kpi,
            author=request.member,
            actor=request.user,
            **form.cleaned_data,
        )
        messages.success(request, _("Annotation added."))
        return redirect(
            reverse("kpis:detail", args=[request.workspace.slug, kpi.pk]) + "#annotations"
        )
    return render(
        request, "kpis/kpi.html", _detail_context(request, kpi, annotation_form=form), status=422
    )


@require_POST
@workspace_view(Role.MEMBER)
def kr_annotation_create(request, pk):
    kr = scoped_get(
        okr_selectors.visible_key_results(request.workspace, request.member).select_related(
            "objective"
        ),
        request.workspace,
        pk=pk,
    )
    objective = kr.objective
    form = AnnotationForm(request.POST)
    if form.is_valid():
        services.annotation_create(
            workspace=request.workspace,
            key_result=kr,
            author=request.member,
            actor=request.user,
            **form.cleaned_data,
        )
        messages.success(request, _("Annotation added."))
    else:
        messages.error(request, _("An annotation needs a date and a note."))
    return redirect(
        reverse("okrs:objective", args=[request.workspace.slug, objective.pk]) + f"#kr-{kr.pk}"
    )


@require_POST
@workspace_view(Role.MEMBER)
def kpi_promote(request, pk):
    kpi = _fed_kpi(request, pk)
    cycle = okr_selectors.current_cycle(request.workspace)
    if cycle is None:
        messages.error(request, _("Set a current cycle first."))
        return redirect("kpis:detail", request.workspace.slug, kpi.pk)
    form = PromoteForm(
        request.POST, workspace=request.workspace, member=request.member, cycle=cycle
    )
    if form.is_valid():
        objective = form.cleaned_data["objective"]
        if objective is not None and not permissions.can_edit_objective(request.member, objective):
            raise PermissionDenied
        try:
            kr = services.kpi_promote(
                kpi=kpi, cycle=cycle, objective=objective, owner=request.member, actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The KPI is now a key result that tracks it."))
            return redirect(
                reverse("okrs:objective_edit", args=[request.workspace.slug, kr.objective_id])
            )
    return redirect("kpis:detail", request.workspace.slug, kpi.pk)


@require_POST
@workspace_view(Role.EDITOR)
def keep_level(request, pk):
    """Create the KPI suggested to hold an achieved key result's level (seed 001)."""
    kr = scoped_get(
        okr_selectors.visible_key_results(request.workspace, request.member).select_related(
            "objective"
        ),
        request.workspace,
        pk=pk,
    )
    suggestion = next(
        (s for s in services.keep_level_suggestions(kr.objective) if s["key_result"].pk == kr.pk),
        None,
    )
    if suggestion is None:
        messages.error(request, _("This key result has no KPI to suggest."))
        return redirect("okrs:objective", request.workspace.slug, kr.objective_id)
    kpi = services.kpi_create(
        workspace=request.workspace,
        actor=request.user,
        name=suggestion["name"],
        unit=suggestion["unit"],
        direction=suggestion["direction"],
        target=suggestion["target"],
        warning=suggestion["warning"],
        critical=suggestion["critical"],
        frequency=Kpi.Frequency.WEEKLY,
        aggregation=Kpi.Aggregation.LAST,
        serves=kr,
        owner=kr.owner,
    )
    messages.success(request, _("KPI created to keep the level you reached."))
    return redirect("kpis:detail", request.workspace.slug, kpi.pk)


# --- Derivation (seed 002) ------------------------------------------------------------------


def rate_sentence(rate: maths.Rate, unit: str, time_unit: str) -> str:
    """“about 32 m² a day each” or “one article every 2 weeks each”."""
    from waypoint.okrs.templatetags.okrs import num

    if rate.every is not None:
        text = (
            _("one %(unit)s every %(every)s days each")
            if time_unit == "day"
            else _("one %(unit)s every %(every)s weeks each")
        )
        return text % {"unit": unit, "every": num(rate.every)}
    text = (
        _("about %(value)s %(unit)s a day each")
        if time_unit == "day"
        else _("about %(value)s %(unit)s a week each")
    )
    return text % {"value": num(rate.rounded), "unit": unit}


@workspace_view()
def derive(request):
    ws = request.workspace
    capacity = CapacityForm(
        request.POST if request.POST.get("form") == "capacity" else None,
        workspace=ws,
        member=request.member,
        initial={"per": "month", "time_unit": "day"},
    )
    funnel = FunnelForm(
        request.POST if request.POST.get("form") == "funnel" else None,
        workspace=ws,
        member=request.member,
        initial={"per": "month"},
    )
    context = {"capacity": capacity, "funnel": funnel}
    if capacity.is_bound and capacity.is_valid():
        d = capacity.cleaned_data
        rate = maths.rate_per_executor(
            output=d["output"], executors=d["executors"], time_units=d["time_units"]
        )
        context["rate"] = rate
        context["rate_text"] = rate_sentence(rate, d["unit"], d["time_unit"])
        if request.POST.get("save") and permissions.can_edit_all(request.member):
            per_day = d["time_unit"] == "day"
            kpi = services.kpi_create(
                workspace=ws,
                actor=request.user,
                name=d["name"]
                or _("%(unit)s per person per %(time)s")
                % {"unit": d["unit"] or _("output"), "time": _("day") if per_day else _("week")},
                unit=d["unit"],
                direction=Kpi.Direction.HIGHER,
                frequency=Kpi.Frequency.DAILY if per_day else Kpi.Frequency.WEEKLY,
                aggregation=Kpi.Aggregation.AVERAGE,
                target=rate.rounded,
                warning=round(rate.rounded * 0.9, 4),
                critical=round(rate.rounded * 0.75, 4),
                process=services.process_ensure(workspace=ws, name=d["process"], actor=request.user)
                if d["process"]
                else None,
                serves=d["serves"],
                owner=request.member,
                description=_(
                    "Derived: %(output)s %(unit)s a %(per)s from %(n)s people over "
                    "%(units)s working %(time)s."
                )
                % {
                    "output": d["output"],
                    "unit": d["unit"],
                    "per": d["per"],
                    "n": d["executors"],
                    "units": d["time_units"],
                    "time": _("days") if per_day else _("weeks"),
                },
            )
            messages.success(request, _("KPI saved from the calculation."))
            return redirect("kpis:detail", ws.slug, kpi.pk)
    if funnel.is_bound and funnel.is_valid():
        d = funnel.cleaned_data
        stages = maths.funnel_back(d["target"], d["stages"])
        context["stages"] = stages
        if request.POST.get("save") and permissions.can_edit_all(request.member):
            process = services.process_ensure(
                workspace=ws, name=d["process"] or _("Funnel"), actor=request.user
            )
            frequency = {
                "week": Kpi.Frequency.WEEKLY,
                "month": Kpi.Frequency.MONTHLY,
                "quarter": Kpi.Frequency.QUARTERLY,
            }[d["per"]]
            for position, stage in enumerate(stages, start=1):
                services.kpi_create(
                    workspace=ws,
                    actor=request.user,
                    name=stage.name,
                    process=process,
                    stage=stage.name,
                    stage_position=position,
                    frequency=frequency,
                    aggregation=Kpi.Aggregation.SUM,
                    direction=Kpi.Direction.HIGHER,
                    target=stage.volume,
                    warning=round(stage.volume * 0.9, 4),
                    critical=round(stage.volume * 0.75, 4),
                    owner=request.member,
                    serves=d["serves"] if position == len(stages) else None,
                )
            messages.success(request, _("%(n)s KPIs saved, one a stage.") % {"n": len(stages)})
            return redirect("kpis:processes", ws.slug)
    status = (
        422
        if (capacity.is_bound and not capacity.is_valid())
        or (funnel.is_bound and not funnel.is_valid())
        else 200
    )
    return render(request, "kpis/derive.html", context, status=status)
