"""Spreadsheet import in four steps: upload, map the columns, preview, import (worker)."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from waypoint.kpis.models import Kpi
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.exports import neutralise
from waypoint.okrs.models import Cycle
from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import plans, services, tasks
from .models import Upload
from .tables import TableError

PREVIEW_ERRORS = 50


class StartForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=Upload.Kind.choices,
        widget=forms.RadioSelect,
        initial=Upload.Kind.OKRS,
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (any separator, UTF-8) or XLSX; the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    cycle = forms.ModelChoiceField(
        label=gettext_lazy("Cycle"),
        queryset=Cycle.objects.none(),
        required=False,
        help_text=gettext_lazy("For rows that do not name their cycle."),
    )
    kpi = forms.ModelChoiceField(
        label=gettext_lazy("KPI"),
        queryset=Kpi.objects.none(),
        required=False,
        help_text=gettext_lazy("For rows that do not name their KPI."),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = okr_selectors.cycles_list(workspace).order_by("-start")
        self.fields["kpi"].queryset = Kpi.objects.filter(workspace=workspace).order_by("name")


class MappingForm(forms.Form):
    """One select per field: which column of the file holds it."""

    def __init__(self, *args, upload: Upload, header: list[str], table, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(i), table.column_name(i)) for i in range(len(header))]
        for f in plans.fields_for(upload.kind):
            initial = upload.mapping.get(f.key)
            self.fields[f"col_{f.key}"] = forms.TypedChoiceField(
                label=f.label,
                choices=choices,
                required=f.required,
                coerce=int,
                empty_value=None,
                initial="" if initial is None else str(initial),
            )
        ws = upload.workspace
        if upload.kind == Upload.Kind.OKRS:
            self.fields["cycle"] = forms.ModelChoiceField(
                label=gettext_lazy("Cycle for rows that do not name one"),
                queryset=okr_selectors.cycles_list(ws).order_by("-start"),
                required=False,
                initial=upload.cycle_id,
            )
        else:
            self.fields["kpi"] = forms.ModelChoiceField(
                label=gettext_lazy("KPI for rows that do not name one"),
                queryset=Kpi.objects.filter(workspace=ws).order_by("name"),
                required=False,
                initial=upload.kpi_id,
            )

    def mapping(self) -> dict[str, int | None]:
        return {
            name.removeprefix("col_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_")
        }

    def column_fields(self):
        return [self[name] for name in self.fields if name.startswith("col_")]


@workspace_view(Role.EDITOR)
def start(request):
    ws = request.workspace
    initial = {"kind": request.GET.get("kind", Upload.Kind.OKRS)}
    current = okr_selectors.current_cycle(ws)
    if current:
        initial["cycle"] = current.pk
    if request.GET.get("kpi", "").isdigit():
        initial["kpi"] = request.GET["kpi"]
    form = StartForm(request.POST or None, request.FILES or None, workspace=ws, initial=initial)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = services.upload_create(
                workspace=ws,
                by=request.member,
                kind=form.cleaned_data["kind"],
                filename=file.name,
                data=file.read(),
                cycle=form.cleaned_data["cycle"],
                kpi=form.cleaned_data["kpi"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("imports:mapping", ws.slug, upload.pk)
    recent = Upload.objects.filter(workspace=ws).select_related("created_by__user")[:10]
    return render(
        request,
        "imports/start.html",
        {"form": form, "recent": recent},
        status=422 if form.errors else 200,
    )


def _editable(request, pk) -> Upload:
    return scoped_get(
        Upload.objects.select_related("workspace", "created_by__user", "cycle", "kpi"),
        request.workspace,
        pk=pk,
    )


def _table_or_restart(request, upload):
    try:
        return services.table_of(upload)
    except (ValidationError, TableError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return None


@workspace_view(Role.EDITOR)
def mapping(request, pk):
    ws = request.workspace
    upload = _editable(request, pk)
    if upload.status != Upload.Status.NEW:
        return redirect("imports:status", ws.slug, upload.pk)
    table = _table_or_restart(request, upload)
    if table is None:
        return redirect("imports:start", ws.slug)
    form = MappingForm(request.POST or None, upload=upload, header=table.header, table=table)
    if request.method == "POST" and form.is_valid():
        try:
            services.upload_map(
                upload=upload,
                mapping=form.mapping(),
                cycle=form.cleaned_data.get("cycle"),
                kpi=form.cleaned_data.get("kpi"),
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(
                form, ValidationError({f"col_{k}": v for k, v in exc.message_dict.items()})
            )
        else:
            return redirect("imports:preview", ws.slug, upload.pk)
    return render(
        request,
        "imports/mapping.html",
        {
            "upload": upload,
            "form": form,
            "header": [table.column_name(i) for i in range(len(table.header))],
            "sample": table.rows[:5],
            "row_count": len(table.rows),
        },
        status=422 if form.errors else 200,
    )


@workspace_view(Role.EDITOR)
def preview(request, pk):
    ws = request.workspace
    upload = _editable(request, pk)
    if upload.status != Upload.Status.NEW:
        return redirect("imports:status", ws.slug, upload.pk)
    try:
        plan = services.upload_plan(upload, today=ws.today())
    except (ValidationError, TableError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("imports:start", ws.slug)
    return render(
        request,
        "imports/preview.html",
        {
            "upload": upload,
            "plan": plan,
            "errors": plan.errors[:PREVIEW_ERRORS],
            "kpi_names": plans.kpi_names(plan.points) if plan.points else {},
        },
    )


@workspace_view(Role.EDITOR)
def errors_csv(request, pk):
    """Every problem of the file, one a line: row, column, the cell, what is wrong."""
    upload = _editable(request, pk)
    plan = services.upload_plan(upload, today=request.workspace.today())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Problem")])
    for e in plan.errors:
        writer.writerow([e.row or "", e.column, neutralise(e.value), neutralise(e.message)])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    stem = upload.filename.rsplit(".", 1)[0][:60] or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-errors.csv"'
    return response


@require_POST
@workspace_view(Role.EDITOR)
def run(request, pk):
    ws = request.workspace
    upload = _editable(request, pk)
    plan = services.upload_plan(upload, today=ws.today())
    if not plan.ok:
        messages.error(request, _("Fix the errors first: nothing was imported."))
        return redirect("imports:preview", ws.slug, upload.pk)
    try:
        services.upload_start(upload=upload, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:status", ws.slug, upload.pk)


@workspace_view(Role.EDITOR)
def status(request, pk):
    upload = _editable(request, pk)
    done_total = tasks.progress_of(upload.pk) if upload.status == Upload.Status.RUNNING else None
    percent = None
    if done_total and done_total[1]:
        percent = round(100 * done_total[0] / done_total[1])
    template = "imports/_status.html" if request.htmx else "imports/status.html"
    return render(
        request,
        template,
        {"upload": upload, "progress": done_total, "percent": percent},
    )
