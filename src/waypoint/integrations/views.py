"""Webhook settings: subscriptions, their signing secret and the delivery log."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from waypoint.workspaces import audit
from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import services
from .models import EVENTS, Delivery, Webhook


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


class PrefsForm(forms.Form):
    reminders = forms.BooleanField(label=gettext_lazy("Weekly check-in reminders"), required=False)
    digest = forms.BooleanField(label=gettext_lazy("Weekly digest (team leads)"), required=False)
    kpi_alerts = forms.BooleanField(label=gettext_lazy("KPI breach alerts"), required=False)
    email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    slack = forms.BooleanField(label=gettext_lazy("In the workspace's Slack"), required=False)


@workspace_view()
def notification_prefs(request):
    from .notifications import prefs as prefs_of

    prefs = prefs_of(request.member)  # the defaults until saved: reading writes nothing
    fields = ["reminders", "digest", "kpi_alerts", "email", "slack"]
    form = PrefsForm(request.POST or None, initial={f: getattr(prefs, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        audit.save_changes(
            prefs,
            actor=request.user,
            action="notifications.prefs",
            workspace=request.workspace,
            fields={f: form.cleaned_data[f] for f in fields},
        )
        messages.success(request, _("Notification preferences saved."))
        return redirect("integrations:notifications", request.workspace.slug)
    return render(request, "integrations/notifications.html", {"form": form})


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
