from django.db import models
from django.utils.translation import gettext_lazy as _

from waypoint.kpis.models import Kpi
from waypoint.okrs.models import Cycle
from waypoint.workspaces.models import Member, Workspace


class Upload(models.Model):
    """A spreadsheet on its way in: uploaded, mapped, previewed, then imported in one go.

    The file's bytes are kept until the import is done (then dropped), so the mapping and
    the preview can be revisited without uploading again.
    """

    class Kind(models.TextChoices):
        OKRS = "okrs", _("OKRs")
        DATA_POINTS = "data_points", _("KPI data points")

    class Status(models.TextChoices):
        NEW = "new", _("Waiting for the mapping")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    filename = models.CharField(_("file"), max_length=200)
    data = models.BinaryField(default=b"", editable=False)
    cycle = models.ForeignKey(
        Cycle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kpi = models.ForeignKey(Kpi, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    # Chunks of the import already committed: a worker that takes over a killed import goes
    # on from here. Written in the same transaction as each chunk.
    written = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.filename}"
