from django.db import models
from django.utils.translation import gettext_lazy as _

from waypoint.workspaces.models import Member, Workspace

# What a report can hold, in the order it shows them (a template chooses some).
SECTIONS = (
    ("summary", _("Summary")),
    ("okrs", _("OKR progress")),
    ("kpis", _("KPIs")),
    ("funnel", _("Funnel")),
    ("deviations", _("Deviations")),
    ("annotations", _("Annotations")),
)
SECTION_KEYS = tuple(key for key, _label in SECTIONS)


class ReportTemplate(models.Model):
    """A saved shape of report (seed 003's ready-made templates): its sections, and the teams
    and KPIs it covers; reports and the monthly schedule are made from it."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="report_templates"
    )
    name = models.CharField(_("name"), max_length=120)
    sections = models.JSONField(_("sections"), default=list)
    teams = models.ManyToManyField(
        "workspaces.Team", verbose_name=_("teams"), blank=True, related_name="+"
    )
    kpis = models.ManyToManyField("kpis.Kpi", verbose_name=_("KPIs"), blank=True, related_name="+")
    # The same blocks as a dashboard (its funnel, charts, notes): drawn in each report made
    # from the template, after its summary.
    dashboard = models.ForeignKey(
        "Dashboard",
        verbose_name=_("dashboard blocks"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="report_template_name")
        ]

    def __str__(self):
        return self.name


class Report(models.Model):
    """A period's picture of a workspace for its client (seed 003): OKR progress, KPI charts
    with thresholds and annotations, deviations, and a written summary edited before sending."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("External factors, what changed, what comes next: in your own words."),
    )
    created_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What a report of a large workspace covers: the company's objectives and these teams';
    # these KPIs. Empty means everything while that stays small (see selectors.report_scope).
    teams = models.ManyToManyField(
        "workspaces.Team", verbose_name=_("teams"), blank=True, related_name="+"
    )
    kpis = models.ManyToManyField("kpis.Kpi", verbose_name=_("KPIs"), blank=True, related_name="+")
    # The sections it shows (``SECTION_KEYS``, in their order); empty: all of them.
    sections = models.JSONField(_("sections"), default=list, blank=True)
    # A dashboard whose blocks the report draws too (from its template).
    dashboard = models.ForeignKey(
        "Dashboard",
        verbose_name=_("dashboard blocks"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When it was e-mailed to the schedule's recipients; a scheduled report that waits for
    # its summary to be reviewed has none yet.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_end", "-id"]

    def __str__(self):
        return self.title

    @property
    def shown_sections(self) -> tuple[str, ...]:
        return tuple(k for k in SECTION_KEYS if k in self.sections) or SECTION_KEYS


class ShareLink(models.Model):
    """A read-only link for people without an account, expiring and revocable: to a report,
    or to the workspace's live dashboard (the current cycle and the KPIs, as they are now)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        DASHBOARD = "dashboard", _("Live dashboard")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    # A dashboard a workspace built; none: the live dashboard (the current cycle and KPIs).
    dashboard = models.ForeignKey(
        "Dashboard", on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="report", report__isnull=False)
                | models.Q(kind="dashboard", report__isnull=True),
                name="share_link_report_matches_kind",
            )
        ]

    def __str__(self):
        target = self.report if self.kind == self.Kind.REPORT else self.get_kind_display()
        return f"{target} ({self.token[:6]}…)"


class ReportSchedule(models.Model):
    """A monthly report e-mailed as a PDF on the first Monday of each month (seed 003)."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="report_schedule"
    )
    recipients = models.TextField(
        _("recipients"), help_text=_("E-mail addresses, one a line; clients included.")
    )
    active = models.BooleanField(_("active"), default=True)
    last_sent_on = models.DateField(_("last sent"), null=True, blank=True)
    template = models.ForeignKey(
        ReportTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Off (the default): the report is made with a drafted summary and waits for someone to
    # edit and send it. On: it goes out at once with the draft as its summary.
    send_as_drafted = models.BooleanField(_("send the drafted summary as it is"), default=False)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")

    def __str__(self):
        return f"{self.workspace}: monthly report"

    @property
    def addresses(self) -> list[str]:
        return [a.strip() for a in self.recipients.replace(",", "\n").splitlines() if a.strip()]


class Dashboard(models.Model):
    """A page of blocks a workspace saves (seed 003's dashboards): KPI charts, a funnel of a
    process's stages, OKR progress, open deviations, annotations and text. Members read it;
    a signed link shows it read-only to anyone (a client, a wallboard, an iframe), until the
    link is renewed (``share_key`` changes, every older link stops working)."""

    BLOCKS = ("kpi", "funnel", "okrs", "deviations", "annotations", "text")
    MAX_BLOCKS = 24

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="dashboards")
    name = models.CharField(_("name"), max_length=120)
    # [{"type": "kpi", "kpi": id} | {"type": "funnel", "process": id} | {"type": "okrs"} |
    #  {"type": "deviations"} | {"type": "annotations"} | {"type": "text", "text": "..."}]
    blocks = models.JSONField(_("blocks"), default=list, blank=True)
    share_key = models.CharField(max_length=32, blank=True)
    refresh_seconds = models.PositiveIntegerField(_("wallboard refresh (seconds)"), default=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="dashboard_name")]

    def __str__(self):
        return self.name
