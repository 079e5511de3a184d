"""Worker jobs for data sources: thin, they load by id and call the services."""

from huey import crontab

from waypoint.jobs import queue, retention
from waypoint.jobs.tasks import periodic

from .models import Pull, Source


@queue.handler("sources.pull", lease=300)
def pull_source(source: int) -> None:
    """A source's pull, queued by the schedule or by "Pull now": never in a web request."""
    from .services import pull

    found = (
        Source.objects.select_related("workspace", "kpi", "key_result", "initiative")
        .filter(pk=source)
        .first()
    )
    if found is not None:
        pull(found)


@periodic("sources.claim_due", crontab(minute="*/5"))
def claim_due_sources() -> None:
    """Every five minutes (a source pulls at most that often): a pull job for each source
    that is due. "Pull now" queues its own at once."""
    from .services import claim_due

    claim_due()


retention.keep(
    "source pulls", "source_pulls", lambda cutoff: Pull.objects.filter(started_at__lt=cutoff)
)
