"""Data sources: where a KPI's or a key result's numbers come from, and each pull's record.

A source has a kind (``kinds``), settings anyone who may edit it can read, and credentials
(API keys, passwords, database URLs, OAuth tokens) kept encrypted in ``secret`` and never
shown again. It feeds one KPI or one key result.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from waypoint.workspaces.models import Workspace


class Source(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(_("kind"), max_length=40)
    kpi = models.OneToOneField(
        "kpis.Kpi", on_delete=models.CASCADE, null=True, blank=True, related_name="source"
    )
    key_result = models.OneToOneField(
        "okrs.KeyResult", on_delete=models.CASCADE, null=True, blank=True, related_name="source"
    )
    # An initiative linked to a work item (a Jira issue, a GitHub issue or pull request, an
    # Asana task): its status follows the item's.
    initiative = models.OneToOneField(
        "okrs.Initiative", on_delete=models.CASCADE, null=True, blank=True, related_name="source"
    )
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # The credentials, encrypted (lib.vault); never shown, never in the audit trail.
    secret = models.TextField(blank=True)
    # A catch hook's address is kept as its SHA-256 only: shown once, when it is made.
    hook_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    every_minutes = models.PositiveIntegerField(_("every (minutes)"), default=60)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(_("last pull"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_count = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    # The linked work item as last read: its title, address, state and when it moved.
    item_title = models.CharField(max_length=300, blank=True)
    item_url = models.CharField(max_length=500, blank=True)
    item_state = models.CharField(max_length=12, blank=True)
    item_moved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(kpi__isnull=False, key_result__isnull=True, initiative__isnull=True)
                | Q(kpi__isnull=True, key_result__isnull=False, initiative__isnull=True)
                | Q(kpi__isnull=True, key_result__isnull=True, initiative__isnull=False),
                name="source_feeds_one_target",
            )
        ]

    def __str__(self):
        return f"{self.kind} → {self.target}"

    @property
    def target(self):
        return (
            self.kpi if self.kpi_id else self.key_result if self.key_result_id else self.initiative
        )


class Pull(models.Model):
    """One pull of a source: when, how long, how many values, and the error if it failed."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="pulls")
    started_at = models.DateTimeField(_("when"))
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(_("values"), default=0)
    annotations = models.PositiveIntegerField(default=0)
    requests = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # "pull" (the schedule or "Pull now") or "hook" (a catch hook's post).
    via = models.CharField(max_length=10, default="pull")

    class Meta:
        verbose_name = _("pull")
        verbose_name_plural = _("pulls")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "-started_at"], name="pull_source_recent")]

    def __str__(self):
        return f"{self.source_id} {self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'failed'}"
