from huey import crontab

from waypoint.jobs.tasks import periodic


@periodic("coach.maturity_monthly", crontab(minute="15"))
def maturity_monthly() -> None:
    """Hourly: the month's maturity diagnostic where it is 5 o'clock (``services``)."""
    from django.utils import timezone

    from .services import maturity_monthly_run

    maturity_monthly_run(timezone.now())
