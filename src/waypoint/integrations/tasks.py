"""Worker jobs for integrations: thin, they load by id and call the services."""

import urllib.request

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Delivery
from .services import BACKOFF, attempt


def http_post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@db_task()
def deliver(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return
    delivery = attempt(delivery, http_post)
    if delivery.status == Delivery.Status.PENDING:
        deliver.schedule((delivery_id,), delay=BACKOFF[delivery.attempts - 1])


@db_periodic_task(crontab(minute="0"))
def weekly_notifications() -> None:
    """Hourly: reminders and digests go out at 9 on Monday in each workspace's time zone."""
    from django.utils import timezone

    from .notifications import run_weekly

    run_weekly(timezone.now())


@db_task()
def kpi_alert(kpi_id: int, text: str) -> None:
    from waypoint.kpis.models import Kpi

    from .notifications import kpi_alert as send

    kpi = Kpi.objects.select_related("owner__user", "workspace").filter(pk=kpi_id).first()
    if kpi is not None:
        send(kpi, text)


@db_periodic_task(crontab(minute="*/5"))
def pull_kpi_sources() -> None:
    """Every five minutes: the KPI data sources that are due run their queries."""
    from .sources import pull_due

    pull_due()
