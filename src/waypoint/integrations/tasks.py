"""Worker jobs for integrations: thin, they load by id and call the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from waypoint.outbound import post_json

from .models import Delivery
from .services import BACKOFF, attempt


@db_task()
def deliver(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return
    delivery = attempt(delivery, post_json)
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


@db_task()
def pull_source(source_id: int) -> None:
    """ "Pull now" from the KPI page: the query runs here, never in a web request."""
    from .models import KpiSource
    from .sources import pull

    source = KpiSource.objects.select_related("kpi__workspace").filter(pk=source_id).first()
    if source is not None:
        pull(source)


@db_periodic_task(crontab(minute="*/5"))
def pull_kpi_sources() -> None:
    """Every five minutes: the KPI data sources that are due run their queries."""
    from .sources import pull_due

    pull_due()
