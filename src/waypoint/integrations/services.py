"""Webhooks: events become signed deliveries, sent by the worker with retries and backoff."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint import outbound
from waypoint.jobs import queue
from waypoint.jobs.models import Event
from waypoint.outbound import OutboundRefused
from waypoint.workspaces import audit
from waypoint.workspaces.models import User, Workspace

from .models import EVENTS, Delivery, Webhook


def check_url(url: str) -> None:
    """A webhook URL the outbound policy allows, else a ValidationError on ``url``.
    Checked again at every delivery: DNS may answer differently later."""
    try:
        outbound.check_url(url)
    except OutboundRefused as exc:
        raise ValidationError({"url": str(exc)}) from exc


MAX_ATTEMPTS = 6
BACKOFF = [60, 300, 1800, 7200, 21600]  # seconds after attempts 1..5
SIGNATURE_HEADER = "X-Waypoint-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: sha256=HEX(HMAC-SHA256(secret, body))."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(
        {"event": delivery.event, "delivery": delivery.pk, "data": delivery.payload}, sort_keys=True
    ).encode()


@transaction.atomic
def webhook_create(
    *, workspace: Workspace, url: str, events: list[str], actor: User | None
) -> Webhook:
    unknown = set(events) - set(EVENTS)
    if unknown or not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    check_url(url)
    hook = Webhook.objects.create(
        workspace=workspace, url=url, events=sorted(events), secret=secrets.token_hex(24)
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="webhook.create",
        obj=hook,
        after={"url": url, "events": hook.events},
    )
    return hook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor: User | None) -> None:
    audit.record(
        workspace=webhook.workspace,
        actor=actor,
        action="webhook.delete",
        obj=webhook,
        before={"url": webhook.url, "events": webhook.events},
    )
    webhook.delete()


def fan_out(event: Event) -> list[Delivery]:
    """A delivery of ``event`` to every active webhook that asked for it, each with its job.
    Runs in the job's transaction; a delivery per (event, webhook) is unique, so running
    it twice makes no second delivery."""
    out = []
    for hook in Webhook.objects.filter(workspace_id=event.workspace_id, active=True):
        if event.name not in hook.events:
            continue
        delivery, _new = Delivery.objects.get_or_create(
            webhook=hook,
            source=event,
            defaults={"event": event.name, "payload": event.payload},
        )
        queue.enqueue(
            "webhooks.deliver",
            {"delivery": delivery.pk},
            workspace_id=event.workspace_id,
            key=f"delivery:{delivery.pk}",
        )
        out.append(delivery)
    return out


def attempt(delivery: Delivery, post) -> Delivery:
    """One attempt: POST the signed body; on failure, schedule the next try (backoff).

    ``post(url, body, headers)`` returns the status code or raises OSError or
    OutboundRefused (the policy is applied again at every attempt). Safe to call
    twice: a delivered event is not sent again.
    """
    if delivery.status != Delivery.Status.PENDING:
        return delivery
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "X-Waypoint-Event": delivery.event,
        "X-Waypoint-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(delivery.webhook.secret, body),
        "User-Agent": "Waypoint-Webhooks/1",
    }
    delivery.attempts += 1
    try:
        code = post(delivery.webhook.url, body, headers)
        delivery.status_code, delivery.error = code, ""
        ok = 200 <= code < 300
    except (OSError, OutboundRefused) as exc:
        delivery.status_code, delivery.error, ok = None, str(exc)[:300], False
    now = timezone.now()
    if ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Delivery.Status.SUCCEEDED,
            now,
            None,
        )
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
    else:
        delivery.next_attempt_at = now + dt.timedelta(seconds=BACKOFF[delivery.attempts - 1])
    delivery.save()
    return delivery


def notifications_read(*, member, ids: list[int] | None = None) -> int:
    """Mark the member's notifications read: these, or all of them."""
    from .models import Notification

    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def prefs_save(*, prefs, channels: dict, teams_url: str, actor: User | None):
    """A member's channels per kind, and their own Teams workflow address."""
    if teams_url:
        try:
            outbound.check_url(teams_url)
        except OutboundRefused as exc:
            raise ValidationError({"teams_url": str(exc)}) from exc
    return audit.save_changes(
        prefs,
        actor=actor,
        action="notifications.prefs",
        workspace=prefs.member.workspace,
        fields={"channels": channels, "teams_url": teams_url},
    )
