"""The queue's side of the jobs: one task that runs a job by id, and the periodic bells.

Huey carries only job ids. What to do, and whether it was done, is in the database
(``queue.py``), so the queue may lose a message without losing the work.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from waypoint.lib import planner

from . import queue, retention
from .models import Event, Job


@db_task()
def run_job(job_id: int) -> None:
    queue.run(job_id)


def periodic(kind: str, schedule, **options):
    """Declare a periodic job: ``schedule`` (a huey crontab) rings every worker's scheduler,
    each asks for the job of that minute, and the database keeps one: it runs once however
    many workers there are."""

    def register(fn):
        queue.handler(kind, **options)(fn)
        name = "periodic_" + kind.replace(".", "_")

        def trigger() -> None:
            queue.enqueue_periodic(kind)

        trigger.__name__ = trigger.__qualname__ = name
        db_periodic_task(schedule, name=name)(trigger)
        return fn

    return register


@periodic("housekeeping.prune", crontab(minute="17", hour="3"))
def prune() -> None:
    """Nightly: rows past the time the operator keeps them are deleted (``retention``), and
    the query planner's statistics are refreshed for the tables as they now are."""
    queue.log.info("pruned", extra={"deleted": retention.prune()})
    planner.refresh()


retention.keep(
    "finished jobs",
    "jobs",
    lambda cutoff: Job.objects.filter(
        status__in=[Job.Status.DONE, Job.Status.FAILED], created_at__lt=cutoff
    ),
)
retention.keep(
    "events",
    "jobs",
    lambda cutoff: Event.objects.filter(created_at__lt=cutoff).exclude(
        jobs__status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ),
)
