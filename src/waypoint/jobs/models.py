"""The outbox and the jobs: what happened, and the work it causes, kept in the database.

An ``Event`` is written in the same transaction as the change it describes; each listener
of its name gets a ``Job`` in that transaction too. The queue (Redis or SQLite) only rings
the bell: a job lives here until it is done or has failed, so a lost message, a worker
killed mid-job or a queue that is down delays a job but never loses it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waypoint.workspaces.models import Workspace


class Event(models.Model):
    """Something that happened in a workspace (a check-in, a breach, a grade...)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    name = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.name} #{self.pk}"


class Job(models.Model):
    """One piece of background work, with its lease, attempts and last error."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=60)
    args = models.JSONField(default=dict)
    # One job per key: a periodic job's time slot, an upload, a delivery.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, related_name="jobs", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    run_after = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=120, blank=True)
    rung_at = models.DateTimeField(null=True, blank=True)  # when the sweep last rang for it
    last_error = models.TextField(_("last error"), blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "run_after"], name="job_status_due")]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"
