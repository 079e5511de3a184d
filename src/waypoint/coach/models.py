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


class MaturityDiagnosis(models.Model):
    """The maturity diagnostic as it stood on a day (seed 000: only the change matters):
    stored each month and on demand. It keeps the facts it read, so that its signals and
    evidence are shown again in any language and compared with the diagnosis before."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="maturity_diagnoses"
    )
    taken_on = models.DateField(_("taken on"))
    stage = models.PositiveSmallIntegerField(_("stage"))
    facts = models.JSONField(_("facts"))
    by = models.ForeignKey(
        "workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("maturity diagnosis")
        verbose_name_plural = _("maturity diagnoses")
        ordering = ["-taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "taken_on"], name="maturity_diagnosis_one_a_day"
            )
        ]

    def __str__(self):
        return f"{self.workspace} {self.taken_on}: stage {self.stage}"


class MaturityStep(models.Model):
    """A next step of the maturity diagnostic, tracked as a checklist: it appears when a
    stored diagnosis names it, is ticked by an admin when done, and is met when a later
    stored diagnosis no longer needs it. ``text`` is the step in English, shown translated."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="maturity_steps"
    )
    text = models.CharField(_("step"), max_length=300)
    first_seen = models.DateField(_("first seen"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    met_on = models.DateField(_("met on"), null=True, blank=True)

    class Meta:
        verbose_name = _("maturity step")
        verbose_name_plural = _("maturity steps")
        ordering = ["first_seen", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "text"], name="maturity_step_once")
        ]

    def __str__(self):
        return self.text[:60]
