from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """The words one record is found by, folded by ``text.words``: derived data, rebuilt by
    ``index.reindex`` whenever it is missing (it is not part of a workspace's backup)."""

    class Kind(models.TextChoices):
        OBJECTIVE = "objective", _("Objective")
        KEY_RESULT = "key_result", _("Key result")
        KPI = "kpi", _("KPI")
        PERSON = "person", _("Person")
        TEAM = "team", _("Team")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.BigIntegerField()
    text = models.TextField()

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")
        ]
        indexes = [models.Index(fields=["workspace", "kind"], name="search_entry_ws_kind")]

    def __str__(self):
        return f"{self.kind} {self.object_id}: {self.text[:40]}"
