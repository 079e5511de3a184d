"""What the workspaces app lets go with time (see ``waypoint.jobs.retention``)."""

from django.contrib.sessions.models import Session

from waypoint.jobs import retention

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
