"""Worker jobs for integrations: thin, they load by id and call the services.

Integrations sit above the domain and listen: the domain records events (``jobs.queue``),
and the jobs declared here turn them into webhook deliveries, e-mail and Slack messages.
"""

from django.conf import settings
from huey import crontab

from waypoint.jobs import queue, retention
from waypoint.jobs.models import Event
from waypoint.jobs.tasks import periodic
from waypoint.outbound import post_json
from waypoint.workspaces.models import Member

from .models import EVENTS, Delivery, Webhook
from .services import BACKOFF, MAX_ATTEMPTS, attempt, fan_out


@queue.handler("webhooks.fan_out", atomic=True)
def webhooks_fan_out(event: int) -> None:
    source = Event.objects.filter(pk=event).first()
    if source is not None:
        fan_out(source)


def _has_webhook_for(workspace_id: int | None, name: str, data: dict) -> bool:
    hooks = Webhook.objects.filter(workspace_id=workspace_id, active=True)
    return any(name in events for events in hooks.values_list("events", flat=True))


for _name in EVENTS:
    queue.listen(_name, "webhooks.fan_out", wants=_has_webhook_for)


# A delivery's own attempts and backoff are the receiver's contract (MAX_ATTEMPTS); the job
# may be taken over a few more times when a worker dies in the middle of a POST.
@queue.handler("webhooks.deliver", lease=60, max_attempts=MAX_ATTEMPTS + 4)
def deliver(delivery: int) -> None:
    found = Delivery.objects.select_related("webhook").filter(pk=delivery).first()
    if found is None:
        return
    found = attempt(found, post_json)
    if found.status == Delivery.Status.PENDING:
        raise queue.Retry(BACKOFF[found.attempts - 1], found.error or f"HTTP {found.status_code}")


@queue.handler("notifications.kpi_alert", lease=120)
def kpi_alert(event: int) -> None:
    """A KPI alert in the feed, by e-mail and Slack, once the change that raised it has
    committed. Run again, it tells no one twice (the notification's key)."""
    from waypoint.kpis.models import Deviation, Kpi

    from .notifications import kpi_alert as send

    source = Event.objects.filter(pk=event).first()
    if source is None:
        return
    kpi = (
        Kpi.objects.select_related("owner__user", "workspace", "team__lead__user")
        .filter(pk=source.payload.get("kpi"), workspace_id=source.workspace_id)
        .first()
    )
    if kpi is None:
        return
    deviation = (
        Deviation.objects.select_related("owner__user")
        .filter(pk=source.payload.get("deviation"), kpi=kpi)
        .first()
    )
    also = list(
        Member.objects.select_related("user").filter(
            pk__in=source.payload.get("tell") or [], workspace_id=source.workspace_id
        )
    )
    send(kpi, source.payload.get("text", ""), event=source.pk, deviation=deviation, also=also)


queue.listen("kpi.alert", "notifications.kpi_alert")


@queue.handler("notifications.comment", lease=120)
def comment(event: int) -> None:
    """A comment: its mentions and the objective's owner are told."""
    from waypoint.okrs.models import Comment

    from .notifications import comment_notifications

    source = Event.objects.filter(pk=event).first()
    if source is None:
        return
    found = (
        Comment.objects.select_related("objective__workspace", "objective__owner", "author__user")
        .filter(pk=source.payload.get("comment"), workspace_id=source.workspace_id)
        .first()
    )
    if found is not None:
        comment_notifications(found, event=source.pk)


queue.listen("comment.created", "notifications.comment")


@queue.handler("notifications.report_review", lease=120)
def report_review(event: int) -> None:
    """A scheduled report waits for its summary to be reviewed: its editors hear."""
    from waypoint.reports.models import Report

    from .notifications import report_review as send

    source = Event.objects.filter(pk=event).first()
    if source is None:
        return
    report = (
        Report.objects.select_related("workspace")
        .filter(pk=source.payload.get("report"), workspace_id=source.workspace_id)
        .first()
    )
    if report is not None:
        send(report, event=source.pk)


queue.listen("report.review", "notifications.report_review")


@queue.handler("notifications.objective_proposed", lease=120)
def objective_proposed(event: int) -> None:
    """A draft proposed for review: its reviewers hear."""
    from waypoint.okrs.models import Objective

    from .notifications import objective_proposed as send

    source = Event.objects.filter(pk=event).first()
    if source is None:
        return
    objective = (
        Objective.objects.select_related("workspace", "owner__user")
        .filter(pk=source.payload.get("objective"), workspace_id=source.workspace_id)
        .first()
    )
    if objective is not None:
        send(objective, event=source.pk)


queue.listen("objective.proposed", "notifications.objective_proposed")


@queue.handler("notifications.commitment", lease=120)
def commitment(event: int) -> None:
    """A check-in on a committed objective: if it turned red, its owner's lead hears now."""
    from waypoint.okrs.models import Objective

    from .notifications import commitment_at_risk

    source = Event.objects.filter(pk=event).first()
    if source is None:
        return
    objective = (
        Objective.objects.select_related("cycle", "workspace", "owner__user")
        .prefetch_related("key_results")
        .filter(pk=source.payload.get("objective"), workspace_id=source.workspace_id)
        .first()
    )
    if objective is not None:
        commitment_at_risk(objective, objective.workspace.today())


queue.listen(
    "checkin.created",
    "notifications.commitment",
    wants=lambda _workspace, _name, data: bool(data.get("committed")),
)


@periodic("notifications.weekly", crontab(minute="0"))
def weekly_notifications() -> None:
    """Hourly: reminders and digests go out at 9 on Monday in each workspace's time zone,
    grades due at 9 every day."""
    from django.utils import timezone

    from .notifications import run_daily, run_weekly

    now = timezone.now()
    run_weekly(now)
    run_daily(now)


def poll_replies() -> None:
    """Every minute, when an IMAP mailbox is set: replies to reminders become check-ins."""
    from .mailin import poll_imap

    poll_imap()


if settings.INBOUND_IMAP_URL:  # no job a minute for a mailbox nobody set up
    periodic("mail.poll_replies", crontab(minute="*"))(poll_replies)


retention.keep(
    "webhook deliveries",
    "deliveries",
    lambda cutoff: Delivery.objects.filter(created_at__lt=cutoff).exclude(
        status=Delivery.Status.PENDING
    ),
)
