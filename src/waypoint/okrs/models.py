import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from waypoint.lib import scoring
from waypoint.workspaces.models import Member, StoredRollups, Team, Workspace


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` in the active language; an unknown value as it is."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Cycle(models.Model):
    """A period OKRs are set for: a year, a quarter (possibly inside a year) or custom dates."""

    class Kind(models.TextChoices):
        YEAR = "year", _("Year")
        QUARTER = "quarter", _("Quarter")
        CUSTOM = "custom", _("Custom")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="cycles")
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CUSTOM)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("within"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    is_current = models.BooleanField(_("current"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["start", "-end", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="cycle_name_unique"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="cycle_end_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    GRADING_WINDOW = dt.timedelta(days=14)  # grading opens this long before the end

    @property
    def grading_opens_on(self) -> dt.date:
        return max(self.start, self.end - self.GRADING_WINDOW)

    def grading_open(self, today: dt.date) -> bool:
        """Grades are given in the last two weeks, after the end, or once it is closed."""
        return self.status == self.Status.CLOSED or today >= self.grading_opens_on


class Objective(StoredRollups):
    """A qualitative destination and its why, at the company, team or individual level."""

    class Level(models.TextChoices):
        COMPANY = "company", _("Company")
        TEAM = "team", _("Team")
        INDIVIDUAL = "individual", _("Individual")

    class Kind(models.TextChoices):
        COMMITTED = "committed", _("Committed")
        ASPIRATIONAL = "aspirational", _("Aspirational")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    class Review(models.TextChoices):
        """A draft proposed by its owner, reviewed by a lead (seed 000: the people who set
        goals take part in alignment)."""

        NONE = "", _("Not proposed")
        PROPOSED = "proposed", _("Proposed for review")
        CHANGES = "changes", _("Changes asked for")
        AGREED = "agreed", _("Agreed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="objectives")
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="objectives"
    )
    ref = models.CharField(
        _("reference"),
        max_length=80,
        blank=True,
        help_text=_("A stable id, unique in the cycle, used by OKR files."),
    )
    title = models.CharField(_("title"), max_length=300)
    why = models.TextField(_("why"), blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.TEAM)
    owner = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="objectives_owned",
    )
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), blank=True, related_name="objectives"
    )
    kind = models.CharField(
        _("kind"), max_length=14, choices=Kind.choices, default=Kind.ASPIRATIONAL
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("aligns to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    parent_weight = models.FloatField(
        _("weight in its parent"),
        default=1.0,
        help_text=_(
            "How much it counts in its parent's key results driven by the objectives below."
        ),
    )
    review = models.CharField(
        _("review"), max_length=10, choices=Review.choices, blank=True, default=""
    )
    private = models.BooleanField(_("private"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried over from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Roll-ups kept by okrs.rollups in the transaction of every write that moves them.
    progress = models.FloatField(_("progress"), default=0.0, editable=False)
    score = models.FloatField(_("score"), default=0.0, editable=False)

    DERIVED_FIELDS = ("progress", "score")

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["cycle", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "ref"], condition=~Q(ref=""), name="objective_ref_unique"
            )
        ]
        indexes = [
            # A cycle's objectives in the order pages list them: a page of them is the first
            # rows of this index, not a sort of the whole cycle.
            models.Index(
                fields=["workspace", "cycle", "level", "position", "id"],
                name="objective_cycle_order",
            ),
            # The few private objectives of a workspace: what a reader may not see is read
            # from here (``selectors.visible_q``), not by joining every row to its objective.
            models.Index(fields=["workspace"], condition=Q(private=True), name="objective_private"),
        ]

    def __str__(self):
        return self.title

    # Pages list objectives by the hundred: Django's own ``get_FOO_display`` builds a dict of
    # every choice on each call (26 µs; these read the enumeration, 5 µs).
    def get_level_display(self) -> str:
        return choice_label(self.Level, self.level)

    def get_kind_display(self) -> str:
        return choice_label(self.Kind, self.kind)


class Contribution(models.Model):
    """An objective that also counts towards another objective than the one it aligns to
    (its ``parent``), with a weight: a key result driven by the objectives below takes the
    weighted mean of their scores, contributors included (docs/concepts.md)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="contributions")
    parent = models.ForeignKey(
        Objective,
        verbose_name=_("also counts towards"),
        on_delete=models.CASCADE,
        related_name="contributors",
    )
    weight = models.FloatField(_("weight"), default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(fields=["objective", "parent"], name="contribution_once"),
            models.CheckConstraint(
                condition=~Q(objective=models.F("parent")), name="contribution_not_itself"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="contribution_weight_positive"),
        ]

    def __str__(self):
        return f"{self.objective} → {self.parent} ({self.weight})"


class Dependency(models.Model):
    """One objective waits for another, often another team's ("blocked by"): shown on both
    objectives' pages and on the alignment map, so a late blocker is seen by who waits."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="dependencies")
    blocked_by = models.ForeignKey(
        Objective, verbose_name=_("blocked by"), on_delete=models.CASCADE, related_name="blocking"
    )
    note = models.CharField(_("what it waits for"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(fields=["objective", "blocked_by"], name="dependency_once"),
            models.CheckConstraint(
                condition=~Q(objective=models.F("blocked_by")), name="dependency_not_itself"
            ),
        ]

    def __str__(self):
        return f"{self.objective} ← {self.blocked_by}"


class KeyResult(StoredRollups):
    """A measurable outcome of an objective, scored by the rules of the README's Scoring section."""

    class Type(models.TextChoices):
        INCREASE = scoring.INCREASE, _("Increase")
        DECREASE = scoring.DECREASE, _("Decrease")
        MAINTAIN = scoring.MAINTAIN, _("Maintain")
        MILESTONE = scoring.MILESTONE, _("Milestone")

    class Scoring(models.TextChoices):
        SPECTRUM = scoring.SPECTRUM, _("Spectrum (0.0 to 1.0)")
        BINARY = scoring.BINARY, _("Binary (0 or 1)")

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = scoring.HIGHER_IS_BETTER, _("Higher is better")
        LOWER_IS_BETTER = scoring.LOWER_IS_BETTER, _("Lower is better")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="key_results")
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="key_results"
    )
    title = models.CharField(_("title"), max_length=300)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.INCREASE)
    scoring = models.CharField(
        _("scoring"), max_length=10, choices=Scoring.choices, default=Scoring.SPECTRUM
    )
    direction = models.CharField(
        _("direction"),
        max_length=16,
        choices=Direction.choices,
        default=Direction.HIGHER_IS_BETTER,
    )
    start = models.FloatField(_("start"), null=True, blank=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    weight = models.FloatField(_("weight"), default=1.0)
    # A key result added during its cycle starts then: its expected progress counts from here.
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    owner = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="key_results_owned",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="key_results",
    )
    kpi = models.ForeignKey(
        "kpis.Kpi",
        verbose_name=_("tracks KPI"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tracking_key_results",
        help_text=_("The current value follows this KPI's value, as automatic check-ins."),
    )
    driven_by_children = models.BooleanField(
        _("driven by child objectives"),
        default=False,
        help_text=_("Progress is the mean score of the objectives aligned to this one."),
    )
    rolls_into = models.ForeignKey(
        "self",
        verbose_name=_("rolls into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feeders",
        help_text=_(
            "A key result of an objective this one counts towards: its progress becomes the "
            "weighted mean of the key results that roll into it."
        ),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The final grade at the end of the cycle (seed 003: each key result is graded 0.0-1.0,
    # the objective's grade is their weighted mean); empty until graded.
    grade = models.FloatField(_("grade"), null=True, blank=True, editable=False)
    # Roll-ups kept by okrs.rollups: the latest check-in, and the progress and score from it.
    current_value = models.FloatField(_("current value"), null=True, editable=False)
    current_date = models.DateField(_("last check-in"), null=True, editable=False)
    current_confidence = models.CharField(
        _("confidence"), max_length=10, blank=True, default="", editable=False
    )
    progress = models.FloatField(_("progress"), default=0.0, editable=False)
    score = models.FloatField(_("score"), default=0.0, editable=False)

    DERIVED_FIELDS = ("current_value", "current_date", "current_confidence", "progress", "score")

    class Meta:
        verbose_name = _("key result")
        verbose_name_plural = _("key results")
        ordering = ["objective", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="kr_weight_positive"),
        ]
        # The API's list walks it a page at a time, whatever the workspace's size.
        indexes = [
            models.Index(
                fields=["workspace", "objective", "position", "id"], name="kr_workspace_order"
            )
        ]

    def __str__(self):
        return self.title


class CheckIn(models.Model):
    """A dated update of a key result. Append-only: the latest by date is the current value."""

    class Confidence(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="checkins")
    key_result = models.ForeignKey(
        KeyResult, verbose_name=_("key result"), on_delete=models.CASCADE, related_name="checkins"
    )
    date = models.DateField(_("date"))
    value = models.FloatField(_("value"))
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.ON_TRACK
    )
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        Member,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        # Latest first: by the user's date, then by when it was recorded.
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["key_result", "-date", "-id"]),
            models.Index(fields=["workspace", "-date", "-id"], name="checkin_workspace_latest"),
            # The days a member checked in (the check-in page's streak asks a week at a time).
            models.Index(fields=["author", "date"], name="checkin_author_day"),
            # A key result's last comment (the check-in page shows it under each row) is the
            # first entry here, however many check-ins without a comment came after it.
            models.Index(
                fields=["key_result", "-date", "-id"],
                condition=~models.Q(comment=""),
                name="checkin_commented_latest",
            ),
        ]

    def __str__(self):
        return f"{self.key_result} @ {self.date}: {self.value}"

    def get_confidence_display(self) -> str:  # as Objective.get_level_display
        return choice_label(self.Confidence, self.confidence)


class Initiative(models.Model):
    """Work meant to move a key result or to mend a KPI's process (a task or project), with
    the person who answers for it and when it is due. Not a key result itself.

    A KPI's initiative may come from a deviation (seed 002's "analyse the causes and improve
    the process"); it then stays linked to the deviation it answers."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="initiatives")
    key_result = models.ForeignKey(
        KeyResult,
        verbose_name=_("key result"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="initiatives",
    )
    kpi = models.ForeignKey(
        "kpis.Kpi",
        verbose_name=_("KPI"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="initiatives",
    )
    deviation = models.ForeignKey(
        "kpis.Deviation",
        verbose_name=_("deviation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiatives",
    )
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    # Its steps, in order: [{"text": ..., "done": bool}], written whole by the services.
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    # The day it was marked done, kept by the services (cleared when it is reopened).
    done_on = models.DateField(_("done on"), null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiatives_owned",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["key_result", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(key_result__isnull=False) | Q(kpi__isnull=False),
                name="initiative_moves_a_key_result_or_a_kpi",
            )
        ]

    OPEN = (Status.PLANNED, Status.IN_PROGRESS)

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Comment(models.Model):
    """A message in an objective's conversation (manager-employee feedback, seed 001)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="comments")
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        Member,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:60]


class Retrospective(models.Model):
    """The end-of-cycle review of an objective: its grade and what the team learned (seed 003).

    The suggested grade is the score when graded; a grade that differs needs a reason.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="retrospectives"
    )
    objective = models.OneToOneField(
        Objective, on_delete=models.CASCADE, related_name="retrospective"
    )
    grade = models.FloatField(_("grade"), null=True, blank=True)
    suggested_grade = models.FloatField(_("suggested grade"), null=True, blank=True)
    override_reason = models.TextField(_("why the grade differs from the score"), blank=True)
    what_worked = models.TextField(_("what worked"), blank=True)
    what_did_not = models.TextField(_("what did not work"), blank=True)
    learned = models.TextField(_("what we learned"), blank=True)
    graded_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retrospective")
        verbose_name_plural = _("retrospectives")

    def __str__(self):
        return f"{self.objective}: {self.grade}"


class CycleReview(models.Model):
    """The team's retrospective of a whole cycle (seed 000, stage 3: a real OKR retro)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="review")
    held_on = models.DateField(_("held on"), null=True, blank=True)
    summary = models.TextField(_("what we take into the next cycle"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cycle retrospective")
        verbose_name_plural = _("cycle retrospectives")

    def __str__(self):
        return str(self.cycle)


class CheckInPulse(models.Model):
    """Two optional questions after a week's check-in (seed 000: is tracking useful, or a
    routine?): was it useful, and did it change what the person does this week. One answer
    a person a week; it feeds the maturity diagnostic."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pulses")
    week = models.DateField(_("week"))  # its Monday
    useful = models.BooleanField(_("the check-in was useful"))
    changed_plan = models.BooleanField(_("it changed what I do this week"), null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("check-in pulse")
        verbose_name_plural = _("check-in pulses")
        ordering = ["-week", "-id"]
        constraints = [models.UniqueConstraint(fields=["member", "week"], name="pulse_one_a_week")]
        indexes = [models.Index(fields=["workspace", "week"], name="pulse_workspace_week")]

    def __str__(self):
        return f"{self.member} {self.week}: {'useful' if self.useful else 'routine'}"
