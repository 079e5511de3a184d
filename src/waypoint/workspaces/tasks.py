"""What the workspaces app lets go with time (see ``waypoint.jobs.retention``)."""

from django.contrib.sessions.models import Session
from huey import crontab

from waypoint.jobs import retention
from waypoint.jobs.queue import log
from waypoint.jobs.tasks import periodic

from . import privacy
from .models import AuditEntry, IdempotencyKey

retention.keep(
    "sessions", "sessions", lambda cutoff: Session.objects.filter(expire_date__lt=cutoff)
)
retention.keep(
    "idempotency keys",
    "idempotency_keys",
    lambda cutoff: IdempotencyKey.objects.filter(created_at__lt=cutoff),
)
retention.keep("audit", "audit", lambda cutoff: AuditEntry.objects.filter(created_at__lt=cutoff))
retention.keep_by_owner("audit kept as its workspace says", privacy.audit_past_retention)


@periodic("workspaces.delete_due", crontab(minute="40", hour="3"))
def delete_due() -> None:
    """Nightly: workspaces whose owners asked for deletion and whose grace period is over."""
    gone = privacy.delete_due()
    if gone:
        log.info("workspaces deleted", extra={"workspaces": gone})
