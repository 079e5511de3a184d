"""Data source pages: the workspace's sources, a new one for a KPI or key result, one
source's settings and pulls, and the catch hooks' public address. Thin: the services write."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from waypoint import ratelimit
from waypoint.jobs import queue
from waypoint.lib import vault
from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import kinds, services
from .base import AUTHS, READS, SourceError
from .kinds import catch_hook
from .models import Source

PULLS_SHOWN = 20
SOURCES_SHOWN = 500
HOOK_RATE = "120/m"


def kind_rows() -> list[dict]:
    """Every kind, with what it reads and how it signs in, in words (page, CLI and API)."""
    return [
        {
            "key": kind.key,
            "label": str(kind.label),
            "auth": kind.auth,
            "auth_label": str(AUTHS[kind.auth]),
            "reads": list(kind.reads),
            "reads_label": ", ".join(str(READS[r]) for r in kind.reads),
            "pages": str(kind.pages),
            "settings": [
                {"name": s.name, "secret": s.secret, "required": s.required} for s in kind.settings
            ],
        }
        for kind in kinds.KINDS.values()
    ]


class SourceForm(forms.Form):
    """A kind's settings as fields; credentials are never shown again (left empty, the
    stored one is kept)."""

    every_minutes = forms.IntegerField(
        label=gettext_lazy("Pull every (minutes)"), min_value=5, initial=60
    )

    def __init__(self, *args, kind, stored: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for setting in kind.settings:
            attrs = {"autocomplete": "off"}
            if setting.secret:
                if setting.name in stored:
                    attrs["placeholder"] = _("Stored, encrypted: leave empty to keep it")
                widget = (
                    forms.Textarea(attrs={**attrs, "rows": 2})
                    if setting.widget == "textarea"
                    else forms.PasswordInput(attrs=attrs, render_value=False)
                )
                field = forms.CharField(
                    label=setting.label,
                    help_text=setting.help,
                    required=setting.required and setting.name not in stored,
                    widget=widget,
                    max_length=4000,
                )
            elif setting.widget == "choice":
                field = forms.ChoiceField(
                    label=setting.label,
                    help_text=setting.help,
                    choices=setting.choices,
                    required=setting.required,
                    initial=setting.default,
                )
            else:
                field = forms.CharField(
                    label=setting.label,
                    help_text=setting.help,
                    required=setting.required,
                    initial=setting.default,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 3})
                    if setting.widget == "textarea"
                    else forms.TextInput(attrs=attrs),
                )
            self.fields[setting.name] = field
        if kind.fetch is None:
            del self.fields["every_minutes"]
        else:
            self.order_fields([s.name for s in kind.settings] + ["every_minutes"])

    def values(self) -> dict:
        return {s.name: self.cleaned_data.get(s.name, "") for s in self.kind.settings}


def _target(request):
    """The KPI or key result named by ``?kpi=`` or ``?kr=``, inside the workspace and, for a
    key result, visible to the reader under the one visibility rule."""
    from waypoint.kpis.models import Kpi
    from waypoint.okrs import selectors as okr_selectors

    ws = request.workspace
    params = request.POST if request.method == "POST" else request.GET
    if params.get("kpi", "").isdigit():
        return scoped_get(Kpi, ws, pk=int(params["kpi"])), None
    if params.get("kr", "").isdigit():
        found = (
            okr_selectors.visible_key_results(ws, request.member)
            .select_related("objective")
            .filter(pk=int(params["kr"]))
            .first()
        )
        if found is None:
            raise Http404
        return None, found
    raise Http404


def target_url(source: Source) -> str:
    if source.kpi_id:
        return reverse("kpis:detail", args=[source.workspace.slug, source.kpi_id]) + "#source"
    kr = source.key_result
    return reverse("okrs:objective", args=[source.workspace.slug, kr.objective_id]) + f"#kr-{kr.pk}"


@workspace_view(Role.EDITOR)
def source_list(request):
    ws = request.workspace
    found = (
        Source.objects.filter(workspace=ws)
        .select_related("kpi", "key_result__objective")
        .order_by("kind", "pk")
    )
    # Sources of key results the reader may not see stay hidden, like the key results.
    from waypoint.okrs import selectors as okr_selectors

    visible = okr_selectors.visible_key_results(ws, request.member).values("pk")
    found = found.filter(Q(kpi__isnull=False) | Q(key_result__in=visible))
    shown = list(found[:SOURCES_SHOWN])
    for source in shown:
        source.kind_label = (
            kinds.KINDS[source.kind].label if source.kind in kinds.KINDS else source.kind
        )
    return render(request, "connectors/sources.html", {"sources": shown, "kinds": kind_rows()})


@workspace_view(Role.EDITOR)
def source_new(request):
    kpi, kr = _target(request)
    target = kpi or kr
    existing = getattr(target, "source", None) if target is not None else None
    if existing is not None:
        return redirect("connectors:source", request.workspace.slug, existing.pk)
    params = request.POST if request.method == "POST" else request.GET
    key = params.get("kind", "")
    if key not in kinds.KINDS:
        return render(
            request,
            "connectors/choose.html",
            {"kinds": kind_rows(), "kpi": kpi, "kr": kr, "target": target},
        )
    kind = kinds.get(key)
    form = SourceForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_save(
                workspace=request.workspace,
                kind=key,
                values=form.values(),
                every_minutes=form.cleaned_data.get("every_minutes") or 60,
                kpi=kpi,
                key_result=kr,
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if kind.fetch is None:
                token = services.new_hook_address(source=source, actor=request.user)
                request.session[f"hook-{source.pk}"] = token
            else:
                with transaction.atomic():
                    queue.enqueue(
                        "sources.pull", {"source": source.pk}, workspace=request.workspace
                    )
            messages.success(
                request,
                _("Data source saved; the worker pulls it now and on schedule.")
                if kind.fetch
                else _("Catch hook made: copy its address now, it is shown once."),
            )
            return redirect("connectors:source", request.workspace.slug, source.pk)
    return render(
        request,
        "connectors/new.html",
        {"form": form, "kind": kind, "kpi": kpi, "kr": kr, "target": target},
        status=422 if request.method == "POST" else 200,
    )


def _visible_source(request, pk) -> Source:
    source = scoped_get(
        Source.objects.select_related("kpi", "key_result__objective", "workspace"),
        request.workspace,
        pk=pk,
    )
    if source.key_result_id:
        from waypoint.okrs import selectors as okr_selectors

        if (
            not okr_selectors.visible_key_results(request.workspace, request.member)
            .filter(pk=source.key_result_id)
            .exists()
        ):
            raise Http404
    return source


@workspace_view(Role.EDITOR)
def source_detail(request, pk):
    source = _visible_source(request, pk)
    kind = kinds.get(source.kind)
    try:
        stored = set(vault.decrypt(source.secret))
        unreadable = ""
    except vault.VaultError as exc:
        stored, unreadable = set(), str(exc)
    initial = {**source.settings, "every_minutes": source.every_minutes}
    form = SourceForm(kind=kind, stored=stored, initial=initial)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "pull" and kind.fetch is not None:
        with transaction.atomic():
            queue.enqueue("sources.pull", {"source": source.pk}, workspace=request.workspace)
        messages.success(
            request, _("The pull is queued: its result shows here once the worker has run it.")
        )
        return redirect("connectors:source", request.workspace.slug, source.pk)
    if action == "delete":
        back = target_url(source)
        services.source_delete(source=source, actor=request.user)
        messages.success(request, _("Data source removed; the values it brought stay."))
        return redirect(back)
    if action == "hook" and kind.fetch is None:
        request.session[f"hook-{source.pk}"] = services.new_hook_address(
            source=source, actor=request.user
        )
        messages.success(request, _("New address made: the old one no longer works."))
        return redirect("connectors:source", request.workspace.slug, source.pk)
    status = 200
    if action == "save":
        form = SourceForm(request.POST, kind=kind, stored=stored, initial=initial)
        if form.is_valid():
            try:
                services.source_save(
                    workspace=request.workspace,
                    kind=source.kind,
                    values=form.values(),
                    every_minutes=form.cleaned_data.get("every_minutes") or source.every_minutes,
                    actor=request.user,
                    source=source,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Data source saved; the worker pulls it now and on schedule.")
                )
                return redirect("connectors:source", request.workspace.slug, source.pk)
        status = 422
    hook = request.session.pop(f"hook-{source.pk}", None)
    return render(
        request,
        "connectors/source.html",
        {
            "source": source,
            "kind": kind,
            "form": form,
            "pulls": source.pulls.all()[:PULLS_SHOWN],
            "unreadable": unreadable,
            "hook_url": request.build_absolute_uri(reverse("catch_hook", args=[hook]))
            if hook
            else "",
            "back": target_url(source),
        },
        status=status,
    )


@csrf_exempt
@require_POST
def catch(request, token):
    """A catch hook's address: values posted by Zapier, Make, n8n or a script."""
    wait = ratelimit.hit("catch_hook", token[:64], HOOK_RATE)
    if wait:
        return ratelimit.too_many(wait)
    source = (
        Source.objects.select_related("workspace", "kpi", "key_result")
        .filter(hook_digest=services.hook_digest(token))
        .first()
    )
    if source is None:
        return JsonResponse({"error": _("No catch hook has this address.")}, status=404)
    try:
        rows = catch_hook.parse(request.body, request.content_type or "", source.workspace.today())
        services.receive(source=source, rows=rows)
    except SourceError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        {"recorded": len(rows)}, status=200, json_dumps_params={"ensure_ascii": False}
    )
