from django.db import models
from django.utils.translation import gettext_lazy as _

from waypoint.workspaces.models import Workspace


class CoachSettings(models.Model):
    """A workspace's limits for the coach and the rules it has switched off."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="coach_settings"
    )
    min_krs = models.PositiveSmallIntegerField(_("fewest key results"), default=2)
    max_krs = models.PositiveSmallIntegerField(_("most key results"), default=5)
    max_objectives = models.PositiveSmallIntegerField(_("most objectives"), default=5)
    disabled_rules = models.JSONField(_("rules switched off"), default=list, blank=True)

    class Meta:
        verbose_name = _("coach settings")
        verbose_name_plural = _("coach settings")

    def __str__(self):
        return str(self.workspace)
