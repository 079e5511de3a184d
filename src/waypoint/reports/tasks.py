from huey import crontab

from waypoint.jobs.tasks import periodic


@periodic("reports.monthly", crontab(minute="0"))
def monthly_reports() -> None:
    """Hourly: at 8 in each workspace's time zone on the first Monday, the monthly report."""
    from django.utils import timezone

    from waypoint.integrations.notifications import local_now

    from .models import ReportSchedule
    from .services import send_scheduled

    now = timezone.now()
    for schedule in ReportSchedule.objects.filter(active=True).select_related("workspace"):
        local = local_now(schedule.workspace, now)
        if local.hour == 8:
            send_scheduled(schedule, local.date())
