"""Webhook settings and the delivery log; the notification feed, the deviations inbox and
where each kind of notification reaches a member."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import selectors, services
from .models import (
    CHANNELS_OF,
    EVENTS,
    Channel,
    Delivery,
    Kind,
    Notification,
    PushSubscription,
    SlackLink,
    SlackUser,
    Webhook,
)


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
    form.fields["teams_url"] = forms.URLField(
        label=gettext_lazy("Your Teams workflow address"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        initial=prefs.teams_url,
        help_text=gettext_lazy(
            "In Teams, add the workflow “Post to a chat when a webhook request is received” "
            "and paste its address here: what you choose for Teams arrives in that chat."
        ),
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
        try:
            services.prefs_save(
                prefs=prefs,
                channels=channels,
                teams_url=form.cleaned_data["teams_url"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
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
    from . import push

    me = request.member
    return render(
        request,
        "integrations/notifications.html",
        {
            "form": form,
            "rows": rows,
            "channels": list(Channel),
            "slack_team": SlackLink.objects.filter(workspace=request.workspace).first(),
            "slack_user": SlackUser.objects.filter(member=me).first(),
            "push_count": PushSubscription.objects.filter(member=me).count(),
            "vapid_key": push.public_key(),
            "weekday": WEEKDAYS[request.workspace.reminder_weekday],
        },
        status=422 if form.is_bound else 200,
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
        {
            "items": items,
            "deviations": deviations,
            "unread": selectors.unread_count(me),
            "invitations": list(selectors.invitations_for(request.user)),
        },
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


# --- Slack, push, replies by e-mail -----------------------------------------------------------


class SlackLinkForm(forms.Form):
    bot_token = forms.CharField(
        label=gettext_lazy("Bot token"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "From the Waypoint app installed in your Slack: OAuth & Permissions, Bot User OAuth "
            "Token (xoxb-…)."
        ),
    )


@workspace_view(Role.ADMIN)
def slack_settings(request):
    """Link the workspace's Slack team, or unlink it."""
    from django.conf import settings as conf

    from . import slack

    ws = request.workspace
    form = SlackLinkForm(request.POST or None)
    if request.method == "POST" and request.POST.get("unlink"):
        slack.unlink_team(workspace=ws, actor=request.user)
        messages.success(request, _("Slack unlinked."))
        return redirect("integrations:slack", ws.slug)
    if request.method == "POST" and form.is_valid():
        try:
            found = slack.link_team(
                workspace=ws, bot_token=form.cleaned_data["bot_token"], actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Slack team “%(team)s” linked.") % {"team": found})
            return redirect("integrations:slack", ws.slug)
    return render(
        request,
        "integrations/slack.html",
        {
            "form": form,
            "link": SlackLink.objects.filter(workspace=ws).first(),
            "people": SlackUser.objects.filter(workspace=ws).count(),
            "configured": bool(conf.SLACK_SIGNING_SECRET),
            "request_url": conf.PUBLIC_URL + reverse("slack_events"),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@require_POST
@workspace_view()
def push_subscribe(request):
    """This browser's push subscription (JSON from ``PushSubscription.toJSON()``)."""
    import json

    from django.http import JsonResponse

    from . import push

    if len(request.body) > 4096:
        return JsonResponse({"error": _("The request is too large.")}, status=413)
    try:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError
        push.subscribe(
            member=request.member, data=data, user_agent=request.headers.get("User-Agent", "")
        )
    except ValueError:
        return JsonResponse({"error": _("The browser's push keys are not readable.")}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"ok": True}, status=201)


@require_POST
@workspace_view()
def push_unsubscribe(request):
    """Push off: this browser's subscription (``endpoint``), or every one of the member's."""
    subscriptions = PushSubscription.objects.filter(member=request.member)
    if request.POST.get("endpoint"):
        subscriptions = subscriptions.filter(endpoint=request.POST["endpoint"])
    subscriptions.delete()
    if request.htmx or request.headers.get("Accept", "").startswith("application/json"):
        from django.http import JsonResponse

        return JsonResponse({"ok": True})
    messages.success(request, _("Push turned off."))
    return redirect("integrations:notifications", request.workspace.slug)


@csrf_exempt
@require_POST
def inbound_email(request):
    """Replies to reminders, from the mail provider's inbound webhook. The address given to
    the provider carries ``?key=`` (``WAYPOINT_INBOUND_EMAIL_KEY``); without it, nothing."""
    import hmac

    from django.conf import settings as conf
    from django.http import JsonResponse

    from . import mailin

    key = request.GET.get("key", "")
    if not conf.INBOUND_EMAIL_KEY or not hmac.compare_digest(key, conf.INBOUND_EMAIL_KEY):
        return JsonResponse({"error": _("Unknown inbound address.")}, status=404)
    if len(request.body) > mailin.MAX_MESSAGE_BYTES:
        return JsonResponse({"error": _("The request is too large.")}, status=413)
    content_type = request.content_type or ""
    form = request.POST if content_type.startswith(("multipart/", "application/x-www")) else None
    found = mailin.from_webhook(content_type, request.body, form)
    if found is None:
        return JsonResponse({"error": _("Not an e-mail this address understands.")}, status=400)
    return JsonResponse({"result": mailin.handle(**found)})
