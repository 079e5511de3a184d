from huey import crontab

from waypoint.jobs.tasks import periodic


@periodic("kpis.judge_daily", crontab(minute="0"))
def judge_kpis() -> None:
    """Hourly: at 6 in each workspace's time zone, its summed KPIs are judged on today's pace."""
    from django.utils import timezone

    from .services import kpis_judge_daily

    kpis_judge_daily(timezone.now())
