"""Data source pages: the workspace's sources, a new one for a KPI or key result, one
source's settings and pulls, and the catch hooks' public address. Thin: the services write."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
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
from waypoint.okrs.models import Initiative
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

    def __init__(
        self, *args, kind, stored: set[str] = frozenset(), is_item=False, donors=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.donors = {str(d.pk): d for d in donors}
        if donors:
            self.fields["credentials_from"] = forms.ChoiceField(
                label=_("Credentials"),
                choices=[("", _("Type new ones below"))]
                + [
                    (
                        str(d.pk),
                        _("The same as the source of “%(name)s”") % {"name": target_name(d)},
                    )
                    for d in donors
                ],
                required=False,
            )
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
                    # Not required when stored, or when another source's may be used.
                    required=setting.required and setting.name not in stored and not donors,
                    widget=widget,
                    max_length=4000,
                )
            elif setting.widget == "choice":
                choices = setting.choices
                if setting.name == "what" and kind.item_whats:
                    # An initiative follows one work item; a KPI or a key result, a number.
                    choices = [c for c in choices if (c[0] in kind.item_whats) == is_item]
                field = forms.ChoiceField(
                    label=setting.label,
                    help_text=setting.help,
                    choices=choices,
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
            self.order_fields(
                [s.name for s in kind.settings if not s.secret]
                + ["credentials_from"]
                + [s.name for s in kind.settings if s.secret]
                + ["every_minutes"]
            )

    def values(self) -> dict:
        return {s.name: self.cleaned_data.get(s.name, "") for s in self.kind.settings}

    def donor(self) -> Source | None:
        return self.donors.get(self.cleaned_data.get("credentials_from") or "")


@dataclass
class Target:
    """What a new source feeds: a KPI, a key result or an initiative (``?kpi=``, ``?kr=``,
    ``?initiative=``), inside the workspace and, for a key result or an initiative, visible
    to the reader under the one visibility rule."""

    kpi: object = None
    kr: object = None
    initiative: object = None

    @property
    def thing(self):
        return self.kpi or self.kr or self.initiative

    @property
    def query(self) -> str:
        if self.kpi:
            return f"kpi={self.kpi.pk}"
        if self.kr:
            return f"kr={self.kr.pk}"
        return f"initiative={self.initiative.pk}"

    @property
    def is_item(self) -> bool:
        return self.initiative is not None


def _target(request) -> Target:
    from waypoint.kpis.models import Kpi
    from waypoint.okrs import selectors as okr_selectors

    ws = request.workspace
    params = request.POST if request.method == "POST" else request.GET
    if params.get("kpi", "").isdigit():
        return Target(kpi=scoped_get(Kpi, ws, pk=int(params["kpi"])))
    if params.get("kr", "").isdigit():
        found = (
            okr_selectors.visible_key_results(ws, request.member)
            .select_related("objective")
            .filter(pk=int(params["kr"]))
            .first()
        )
        if found is not None:
            return Target(kr=found)
    if params.get("initiative", "").isdigit():
        found = (
            okr_selectors.visible_initiatives(ws, request.member)
            .select_related("key_result__objective", "kpi")
            .filter(pk=int(params["initiative"]))
            .first()
        )
        if found is not None:
            return Target(initiative=found)
    raise Http404


def target_url(source: Source) -> str:
    slug = source.workspace.slug
    if source.kpi_id:
        return reverse("kpis:detail", args=[slug, source.kpi_id]) + "#source"
    if source.initiative_id:
        initiative = source.initiative
        if initiative.kpi_id:
            return reverse("kpis:detail", args=[slug, initiative.kpi_id]) + "#initiatives"
        kr = initiative.key_result
        return (
            reverse("okrs:objective", args=[slug, kr.objective_id]) + f"#initiative-{initiative.pk}"
        )
    kr = source.key_result
    return reverse("okrs:objective", args=[slug, kr.objective_id]) + f"#kr-{kr.pk}"


def target_name(source: Source) -> str:
    if source.kpi_id:
        return source.kpi.name
    if source.initiative_id:
        return source.initiative.title
    return source.key_result.title


@workspace_view(Role.EDITOR)
def source_list(request):
    ws = request.workspace
    found = (
        Source.objects.filter(workspace=ws)
        .select_related("kpi", "key_result__objective", "initiative")
        .order_by("kind", "pk")
    )
    # Sources of key results the reader may not see stay hidden, like the key results.
    from waypoint.okrs import selectors as okr_selectors

    visible = okr_selectors.visible_key_results(ws, request.member).values("pk")
    initiatives = okr_selectors.visible_initiatives(ws, request.member).values("pk")
    found = found.filter(
        Q(kpi__isnull=False) | Q(key_result__in=visible) | Q(initiative__in=initiatives)
    )
    shown = list(found[:SOURCES_SHOWN])
    for source in shown:
        source.kind_label = (
            kinds.KINDS[source.kind].label if source.kind in kinds.KINDS else source.kind
        )
    return render(request, "connectors/sources.html", {"sources": shown, "kinds": kind_rows()})


def _donors(workspace, kind: str):
    """Sources of the same kind whose credentials a new one may reuse."""
    return list(
        Source.objects.filter(workspace=workspace, kind=kind)
        .exclude(secret="")
        .select_related("kpi", "key_result", "initiative")
        .order_by("pk")[:50]
    )


@workspace_view(Role.EDITOR)
def source_new(request):
    target = _target(request)
    existing = Source.objects.filter(
        kpi=target.kpi, key_result=target.kr, initiative=target.initiative
    ).first()
    if existing is not None:
        return redirect("connectors:source", request.workspace.slug, existing.pk)
    params = request.POST if request.method == "POST" else request.GET
    key = params.get("kind", "")
    choices = [
        k for k in kind_rows() if bool(kinds.KINDS[k["key"]].item_whats) or not target.is_item
    ]
    if key not in {k["key"] for k in choices}:
        return render(request, "connectors/choose.html", {"kinds": choices, "target": target})
    kind = kinds.get(key)
    donors = _donors(request.workspace, key)
    form = SourceForm(request.POST or None, kind=kind, is_item=target.is_item, donors=donors)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_save(
                workspace=request.workspace,
                kind=key,
                values=form.values(),
                every_minutes=form.cleaned_data.get("every_minutes") or 60,
                kpi=target.kpi,
                key_result=target.kr,
                initiative=target.initiative,
                actor=request.user,
                credentials_from=form.donor(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if kind.fetch is None:
                token = services.new_hook_address(source=source, actor=request.user)
                request.session[f"hook-{source.pk}"] = token
                messages.success(
                    request, _("Catch hook made: copy its address now, it is shown once.")
                )
            else:
                with transaction.atomic():
                    queue.enqueue(
                        "sources.pull", {"source": source.pk}, workspace=request.workspace
                    )
                messages.success(
                    request, _("Data source saved; the worker pulls it now and on schedule.")
                )
            return redirect("connectors:source", request.workspace.slug, source.pk)
    return render(
        request,
        "connectors/new.html",
        {"form": form, "kind": kind, "target": target},
        status=422 if request.method == "POST" else 200,
    )


def _visible_source(request, pk) -> Source:
    """The source, if the reader may see what it feeds (the one visibility rule)."""
    from waypoint.okrs import selectors as okr_selectors

    source = scoped_get(
        Source.objects.select_related(
            "kpi", "key_result__objective", "initiative__key_result", "workspace"
        ),
        request.workspace,
        pk=pk,
    )
    ws, me = request.workspace, request.member
    if source.key_result_id and not (
        okr_selectors.visible_key_results(ws, me).filter(pk=source.key_result_id).exists()
    ):
        raise Http404
    if source.initiative_id and not (
        okr_selectors.visible_initiatives(ws, me).filter(pk=source.initiative_id).exists()
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
    app = services.oauth_app(kind)
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
            "back_name": target_name(source),
            "oauth_app": bool(app),
            "item_state": dict(Initiative.Status.choices).get(source.item_state, ""),
        },
        status=status,
    )


OAUTH_SALT = "waypoint.connectors.oauth"
OAUTH_MAX_AGE = 900  # seconds a person has to agree at the vendor's


def redirect_uri() -> str:
    return settings.PUBLIC_URL + reverse("oauth_callback")


@require_POST
@workspace_view(Role.EDITOR)
def oauth_start(request, pk):
    """ "Connect with …": off to the vendor's consent page, with a signed state that names
    the source and a nonce kept in this session."""
    source = _visible_source(request, pk)
    kind = kinds.get(source.kind)
    app = services.oauth_app(kind)
    if not app:
        messages.error(
            request,
            _("This server has no app registered with %(vendor)s.") % {"vendor": kind.label},
        )
        return redirect("connectors:source", request.workspace.slug, source.pk)
    nonce = secrets.token_urlsafe(16)
    request.session["oauth_nonce"] = nonce
    state = signing.dumps(
        {"s": source.pk, "w": request.workspace.slug, "n": nonce}, salt=OAUTH_SALT
    )
    params = {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri(),
        "response_type": "code",
        "scope": " ".join(kind.scopes),
        "state": state,
        **dict(kind.authorize_params),
    }
    return redirect((app.get("authorize_url") or kind.authorize_url) + "?" + urlencode(params))


def oauth_callback(request):
    """Where the vendor sends the person back: the state is checked (signed, recent, this
    session's, a source of a workspace where they edit), then the code is exchanged."""
    from waypoint.workspaces import permissions
    from waypoint.workspaces.models import Member

    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    try:
        state = signing.loads(request.GET.get("state", ""), salt=OAUTH_SALT, max_age=OAUTH_MAX_AGE)
    except signing.BadSignature:
        return render(
            request,
            "connectors/oauth_failed.html",
            {
                "reason": _(
                    "The answer from the vendor could not be trusted or came too late: "
                    "connect again."
                )
            },
            status=400,
        )
    nonce = request.session.pop("oauth_nonce", None)
    member = (
        Member.objects.select_related("workspace")
        .filter(workspace__slug=state.get("w"), user=request.user)
        .first()
    )
    if (
        nonce is None
        or not secrets.compare_digest(str(nonce), str(state.get("n")))
        or member is None
        or not permissions.at_least(member, Role.EDITOR)
    ):
        return render(
            request,
            "connectors/oauth_failed.html",
            {
                "reason": _(
                    "This connection was started by someone else or in another session: "
                    "connect again."
                )
            },
            status=400,
        )
    source = (
        Source.objects.filter(workspace=member.workspace, pk=state.get("s"))
        .select_related("workspace")
        .first()
    )
    if source is None:
        raise Http404
    back = redirect("connectors:source", member.workspace.slug, source.pk)
    if request.GET.get("error") or not request.GET.get("code"):
        said = request.GET.get("error_description") or request.GET.get("error") or ""
        messages.error(request, _("The connection was not made: %(said)s") % {"said": said[:200]})
        return back
    try:
        services.oauth_connect(
            source=source, code=request.GET["code"], redirect_uri=redirect_uri(), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    messages.success(request, _("Connected; the worker pulls the source now."))
    return back


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
