"""Webhook settings and the delivery log; the notification feed, the deviations inbox and
where each kind of notification reaches a member."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from waypoint.workspaces import audit
from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import selectors, services
from .models import CHANNELS_OF, EVENTS, Channel, Delivery, Kind, Notification, Webhook


class WebhookForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Receiver URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=EVENTS.items(), widget=forms.CheckboxSelectMultiple
    )


@workspace_view(Role.ADMIN)
def webhooks(request):
    ws = request.workspace
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_create(workspace=ws, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Webhook added."))
            return redirect("integrations:webhooks", ws.slug)
    hooks = Webhook.objects.filter(workspace=ws)
    deliveries = Delivery.objects.filter(webhook__workspace=ws).select_related("webhook")[:50]
    return render(
        request,
        "integrations/webhooks.html",
        {
            "form": form,
            "hooks": hooks,
            "deliveries": deliveries,
            "events": EVENTS,
            "signature_header": services.SIGNATURE_HEADER,
        },
    )


@require_POST
@workspace_view(Role.ADMIN)
def webhook_delete(request, pk):
    hook = scoped_get(Webhook, request.workspace, pk=pk)
    services.webhook_delete(webhook=hook, actor=request.user)
    messages.success(request, _("Webhook deleted."))
    return redirect("integrations:webhooks", request.workspace.slug)


def _prefs_form(prefs, data=None) -> forms.Form:
    """A box per kind and channel, where that kind may go."""
    form = forms.Form(data)
    for kind in Kind:
        for channel in CHANNELS_OF[kind]:
            form.fields[f"{kind}-{channel}"] = forms.BooleanField(
                required=False, initial=prefs.wants(kind, channel), label=channel.label
            )
    return form


@workspace_view()
def notification_prefs(request):
    from .notifications import prefs as prefs_of

    prefs = prefs_of(request.member)  # the defaults until saved: reading writes nothing
    form = _prefs_form(prefs, request.POST or None)
    if request.method == "POST" and form.is_valid():
        channels = {
            kind.value: [c.value for c in CHANNELS_OF[kind] if form.cleaned_data[f"{kind}-{c}"]]
            for kind in Kind
        }
        audit.save_changes(
            prefs,
            actor=request.user,
            action="notifications.prefs",
            workspace=request.workspace,
            fields={"channels": channels},
        )
        messages.success(request, _("Notification preferences saved."))
        return redirect("integrations:notifications", request.workspace.slug)
    rows = [
        (
            kind,
            [
                (channel, form[f"{kind}-{channel}"] if channel in CHANNELS_OF[kind] else None)
                for channel in Channel
            ],
        )
        for kind in Kind
    ]
    return render(
        request,
        "integrations/notifications.html",
        {"form": form, "rows": rows, "channels": list(Channel)},
    )


@workspace_view()
def inbox(request):
    """The member's notifications, and the deviations waiting for their answer."""
    me = request.member
    items = list(selectors.feed(me)[: selectors.FEED_SIZE])
    deviations = list(selectors.deviations_to_answer(me, request.workspace.today())[:50])
    return render(
        request,
        "integrations/inbox.html",
        {"items": items, "deviations": deviations, "unread": selectors.unread_count(me)},
    )


@workspace_view()
def alerts_moved(request):
    """KPI alerts are notifications now: their old address leads to the feed."""
    return redirect("integrations:inbox", request.workspace.slug)


@workspace_view()
def notification_open(request, pk):
    """Follow a notification: it is read, and the reader goes where it points."""
    found = scoped_get(
        Notification.objects.filter(recipient=request.member), request.workspace, pk=pk
    )
    services.notifications_read(member=request.member, ids=[found.pk])
    return redirect(found.url or reverse("integrations:inbox", args=[request.workspace.slug]))


@require_POST
@workspace_view()
def notifications_read_all(request):
    services.notifications_read(member=request.member)
    return redirect("integrations:inbox", request.workspace.slug)


class SourceForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Database URL"),
        max_length=500,
        help_text=gettext_lazy(
            "postgresql://user@host/db on an address this server may reach, or "
            "sqlite:///path/to/file.db in a directory the operator allows"
        ),
    )
    query = forms.CharField(
        label=gettext_lazy("Query"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Returns one number (today's value) or rows of date and value. "
            "It runs read-only, for at most 10 seconds."
        ),
    )
    every_minutes = forms.IntegerField(
        label=gettext_lazy("Every (minutes)"), min_value=5, initial=60
    )


@require_POST
@workspace_view(Role.EDITOR)
def kpi_source(request, pk):
    from django.urls import reverse

    from waypoint.kpis.models import Kpi

    from . import sources

    kpi = scoped_get(Kpi, request.workspace, pk=pk)
    url = reverse("kpis:detail", args=[request.workspace.slug, kpi.pk]) + "#source"
    if request.POST.get("action") == "pull" and hasattr(kpi, "source"):
        from waypoint.jobs import queue

        # The query runs on the worker, never in a web request: the page shows its result.
        with transaction.atomic():
            queue.enqueue("sources.pull", {"source": kpi.source.pk}, workspace=request.workspace)
        messages.success(
            request, _("The pull is queued: its result shows here once the worker has run it.")
        )
        return redirect(url)
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            sources.source_save(kpi=kpi, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Data source saved; the worker pulls it on schedule."))
            return redirect(url)
    # The refusal next to the field, with what was typed kept.
    from waypoint.kpis.views import _detail_context

    return render(
        request, "kpis/kpi.html", _detail_context(request, kpi, source_form=form), status=422
    )
