from django.db import models
from django.utils.translation import gettext_lazy as _

from waypoint.lib import kpi as maths
from waypoint.okrs.models import KeyResult
from waypoint.workspaces.models import Member, StoredRollups, Team, Workspace


class Process(models.Model):
    """An ongoing process a company runs (sales funnel, construction); KPIs measure its stages."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="processes")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="process_name_unique")
        ]

    def __str__(self):
        return self.name


class Kpi(StoredRollups):
    """A health metric of an ongoing process, judged per period against its thresholds."""

    class Direction(models.TextChoices):
        HIGHER = maths.HIGHER, _("Higher is better")
        LOWER = maths.LOWER, _("Lower is better")
        BAND = maths.BAND, _("Within a band")

    class Frequency(models.TextChoices):
        DAILY = maths.DAILY, _("Daily")
        WEEKLY = maths.WEEKLY, _("Weekly")
        MONTHLY = maths.MONTHLY, _("Monthly")
        QUARTERLY = maths.QUARTERLY, _("Quarterly")

    class Aggregation(models.TextChoices):
        SUM = maths.SUM, _("Sum")
        AVERAGE = maths.AVERAGE, _("Average")
        LAST = maths.LAST, _("Last value")
        MIN = maths.MIN, _("Minimum")
        MAX = maths.MAX, _("Maximum")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, default=Direction.HIGHER
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    target = models.FloatField(_("target"), null=True, blank=True)
    warning = models.FloatField(_("warning threshold"), null=True, blank=True)
    critical = models.FloatField(_("critical threshold"), null=True, blank=True)
    warning_high = models.FloatField(_("upper warning threshold"), null=True, blank=True)
    critical_high = models.FloatField(_("upper critical threshold"), null=True, blank=True)
    owner = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpis_owned",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpis",
    )
    process = models.ForeignKey(
        Process,
        verbose_name=_("process"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpis",
    )
    stage = models.CharField(_("funnel stage"), max_length=120, blank=True)
    stage_position = models.PositiveIntegerField(_("stage order"), default=0)
    serves = models.ForeignKey(
        KeyResult,
        verbose_name=_("serves key result"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="serving_kpis",
        help_text=_("The key result this process measure exists for."),
    )
    template = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The status of the latest period, kept by kpis.services.kpi_evaluate: the board filters
    # and counts by it without reading any data point.
    status = models.CharField(_("status"), max_length=10, blank=True, default="", editable=False)
    # Its latest periods as the board, the processes page and reports show them (value,
    # status, pace, oldest first; ``lib.kpi.stored``), kept with the status: those pages
    # read no data point.
    recent = models.JSONField(_("recent periods"), default=list, blank=True, editable=False)

    DERIVED_FIELDS = ("status", "recent")

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["name", "id"]
        # The board, reports and dashboards list a workspace's KPIs by name, and a report
        # past ALL_KPIS_UP_TO takes the first few: walked in order, not sorted each time.
        indexes = [models.Index(fields=["workspace", "name", "id"], name="kpi_workspace_name")]

    def __str__(self):
        return self.name

    @property
    def thresholds(self) -> maths.Thresholds:
        return maths.Thresholds(
            direction=self.direction,
            warning=self.warning,
            critical=self.critical,
            warning_high=self.warning_high,
            critical_high=self.critical_high,
        )

    @property
    def schedule(self) -> maths.Schedule:
        """The plans its periods are judged by: the earlier ones (``plans``, prefetched where
        many KPIs are read) up to their last day, then the current one."""
        return maths.Schedule(
            earlier=tuple((p.until, p.thresholds_for(self.direction)) for p in self.plans.all()),
            current=self.thresholds,
        )


class KpiPlan(models.Model):
    """A plan (target and thresholds) a KPI followed until a correction replaced it from the
    next day on (seed 002: "correct the plan"). The periods it covered stay judged by it,
    and the chart draws it where it applied."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="plans")
    until = models.DateField(_("in force until"))
    target = models.FloatField(_("target"), null=True, blank=True)
    warning = models.FloatField(_("warning threshold"), null=True, blank=True)
    critical = models.FloatField(_("critical threshold"), null=True, blank=True)
    warning_high = models.FloatField(_("upper warning threshold"), null=True, blank=True)
    critical_high = models.FloatField(_("upper critical threshold"), null=True, blank=True)
    reason = models.TextField(_("reason for the change"))
    replaced_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaced_at = models.DateTimeField(_("replaced at"), auto_now_add=True)

    PLAN_FIELDS = ("target", "warning", "critical", "warning_high", "critical_high")

    class Meta:
        verbose_name = _("earlier plan")
        verbose_name_plural = _("earlier plans")
        ordering = ["kpi", "until"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "until"], name="kpi_plan_one_per_day")
        ]

    def __str__(self):
        return f"{self.kpi} until {self.until}"

    def thresholds_for(self, direction: str) -> maths.Thresholds:
        return maths.Thresholds(
            direction=direction,
            warning=self.warning,
            critical=self.critical,
            warning_high=self.warning_high,
            critical_high=self.critical_high,
        )


class DataPoint(models.Model):
    """A KPI's value on a date. One per date: a later value replaces the earlier (audited)."""

    # Millions of rows, written 100,000 at a time: each index and each key the database
    # checks costs every one of them. The KPI's key is checked (it proves the row's KPI and
    # so its workspace) and leads the one-per-date index, which serves every read by KPI.
    # The workspace is the KPI's, copied for scoping, and the author is the same person for
    # a whole push: neither is checked a second time per row; deleting a workspace or a
    # person still removes or unlinks their points (Django's on_delete, tested).
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="data_points", db_constraint=False
    )
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="data_points", db_index=False
    )
    date = models.DateField(_("date"))
    value = models.FloatField(_("value"))
    author = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("data point")
        verbose_name_plural = _("data points")
        ordering = ["kpi", "date"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "date"], name="data_point_one_per_date")
        ]
        indexes = [
            # Only the points someone entered by hand or through a token: a person's
            # deletion finds theirs without an index entry for every imported point.
            models.Index(
                fields=["author"],
                condition=models.Q(author__isnull=False),
                name="data_point_author",
            )
        ]

    def __str__(self):
        return f"{self.kpi} @ {self.date}: {self.value}"


class Annotation(models.Model):
    """A dated note on a KPI's or a key result's timeline (seed 003: external factors)."""

    class Kind(models.TextChoices):
        EXTERNAL = "external", _("External factor")
        CAMPAIGN = "campaign", _("Campaign")
        METHOD = "method", _("Change of method")
        OTHER = "other", _("Other")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="annotations")
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    key_result = models.ForeignKey(
        KeyResult, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EXTERNAL)
    text = models.CharField(_("note"), max_length=500)
    author = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["date", "id"]
        # A report reads its period's notes: the days of one workspace, not all of them.
        indexes = [models.Index(fields=["workspace", "date"], name="annotation_workspace_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kpi__isnull=False) | models.Q(key_result__isnull=False),
                name="annotation_has_a_timeline",
            )
        ]

    def __str__(self):
        return self.text[:60]


class Deviation(models.Model):
    """A KPI outside its thresholds, and what is done about it (seed 002's three responses)."""

    class Response(models.TextChoices):
        CHANGE_EXECUTOR = "change_executor", _("Change the executor")
        CORRECT_PLAN = "correct_plan", _("Correct the plan")
        IMPROVE_PROCESS = "improve_process", _("Analyse the causes and improve the process")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="deviations")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="deviations")
    level = models.CharField(_("level"), max_length=10)  # warning or critical, the worst seen
    period_start = models.DateField(_("period"))
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    response = models.CharField(_("response"), max_length=20, choices=Response.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    owner = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deviations_owned",
    )

    class Meta:
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi"],
                condition=models.Q(closed_on__isnull=True),
                name="one_open_deviation_per_kpi",
            )
        ]

    def __str__(self):
        return f"{self.kpi}: {self.level} since {self.opened_on}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class DeviationResponse(models.Model):
    """One response chosen for a deviation, what it did, and whether it worked.

    A deviation keeps every response it was given: when one does not bring the KPI back
    into its band, its owner is asked to choose again. ``Deviation.response`` is the one in
    force (empty while a new choice is awaited)."""

    class Verdict(models.TextChoices):
        PENDING = "", _("Not judged yet")
        WORKED = "worked", _("Worked")
        FAILED = "failed", _("Did not work")
        REPLACED = "replaced", _("Replaced by another response")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(_("response"), max_length=20, choices=Deviation.Response.choices)
    note = models.TextField(_("note"), blank=True)
    chosen_on = models.DateField(_("chosen on"))
    chosen_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Change the executor: who answered for the KPI before, and who does now.
    executor_before = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    executor = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Correct the plan: the plan it replaced, and the first day of the new one.
    plan_before = models.ForeignKey(
        KpiPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan_from = models.DateField(_("new plan from"), null=True, blank=True)
    # Improve the process: the initiative it opened.
    initiative = models.ForeignKey(
        "okrs.Initiative", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verdict = models.CharField(
        _("verdict"), max_length=10, choices=Verdict.choices, blank=True, default=""
    )
    judged_on = models.DateField(_("judged on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("response to a deviation")
        verbose_name_plural = _("responses to deviations")
        ordering = ["deviation", "created_at", "id"]
        indexes = [
            models.Index(
                fields=["workspace"],
                condition=models.Q(verdict=""),
                name="deviation_response_pending",
            )
        ]

    def __str__(self):
        return f"{self.deviation}: {self.kind}"
