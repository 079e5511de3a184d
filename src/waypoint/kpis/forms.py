from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from waypoint.lib.widgets import DateInput
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.forms import MemberChoiceField, member_choices
from waypoint.okrs.models import Cycle, KeyResult, Objective
from waypoint.workspaces.models import Team

from .models import Annotation, Deviation, Kpi, Process


def serves_choices(workspace, member):
    """Key results a KPI may serve: those of open cycles that the member may see."""
    return okr_selectors.visible_key_results(workspace, member).filter(
        objective__cycle__status=Cycle.Status.OPEN
    )


class KpiForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Kpi.Direction.choices)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Kpi.Frequency.choices)
    aggregation = forms.ChoiceField(
        label=_("Aggregation"),
        choices=Kpi.Aggregation.choices,
        help_text=_("How the data points of one period make its value."),
    )
    target = forms.FloatField(label=_("Target"), required=False)
    warning = forms.FloatField(
        label=_("Warning threshold"),
        required=False,
        help_text=_("Reaching it turns the KPI amber. For a band: the lower edge."),
    )
    critical = forms.FloatField(
        label=_("Critical threshold"),
        required=False,
        help_text=_("Reaching it turns the KPI red. For a band: the lower edge."),
    )
    warning_high = forms.FloatField(label=_("Upper warning threshold"), required=False)
    critical_high = forms.FloatField(label=_("Upper critical threshold"), required=False)
    owner = MemberChoiceField(label=_("Owner"), queryset=None, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    process = forms.CharField(
        label=_("Process"),
        max_length=120,
        required=False,
        help_text=_("The ongoing process it measures: no process, no KPI."),
    )
    stage = forms.CharField(label=_("Funnel stage"), max_length=120, required=False)
    stage_position = forms.IntegerField(
        label=_("Stage order"), min_value=0, initial=0, required=False
    )
    serves = forms.ModelChoiceField(
        label=_("Serves key result"), queryset=KeyResult.objects.none(), required=False
    )
    template = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, workspace, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(workspace)
        self.fields["team"].queryset = Team.objects.filter(workspace=workspace)
        self.fields["serves"].queryset = serves_choices(workspace, member).select_related(
            "objective"
        )
        self.workspace = workspace

    def clean_stage_position(self):
        return self.cleaned_data.get("stage_position") or 0


class DataPointForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    value = forms.FloatField(label=_("Value"))


class PasteForm(forms.Form):
    text = forms.CharField(
        label=_("Paste rows"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One row a line: a date and a value, separated by a tab, a semicolon or a "
            "comma (copied from a spreadsheet works)."
        ),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Two columns: date and value; a header row is allowed."),
    )


class AnnotationForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=Annotation.Kind.choices)
    text = forms.CharField(label=_("Note"), max_length=500)


class DeviationResponseForm(forms.Form):
    """Seed 002's three responses, each with what it needs: the new executor, the corrected
    plan and from when, or the improvement to make (who and by when). The page shows only the
    fields of the chosen response."""

    response = forms.ChoiceField(
        label=_("Response"), choices=Deviation.Response.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a corrected plan, the reason for the change."),
    )
    executor = MemberChoiceField(label=_("New executor"), queryset=None, required=False)
    plan_from = forms.DateField(
        label=_("New plan from"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "From the start of the period that holds this day; earlier periods keep the old plan."
        ),
    )
    target = forms.FloatField(label=_("Target"), required=False)
    warning = forms.FloatField(label=_("Warning threshold"), required=False)
    critical = forms.FloatField(label=_("Critical threshold"), required=False)
    warning_high = forms.FloatField(label=_("Upper warning threshold"), required=False)
    critical_high = forms.FloatField(label=_("Upper critical threshold"), required=False)
    initiative_title = forms.CharField(
        label=_("Improvement to make"),
        max_length=300,
        required=False,
        help_text=_("Left empty, the note names it."),
    )
    initiative_owner = MemberChoiceField(label=_("Who makes it"), queryset=None, required=False)
    initiative_due = forms.DateField(label=_("Due"), required=False, widget=DateInput())

    PLAN = ("target", "warning", "critical", "warning_high", "critical_high")

    def __init__(self, *args, kpi, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            **{f: getattr(kpi, f) for f in self.PLAN},
            "initiative_owner": kpi.owner,
            "initiative_due": kpi.workspace.today() + dt.timedelta(days=14),
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        for name in ("executor", "initiative_owner"):
            self.fields[name].queryset = member_choices(kpi.workspace)
        if kpi.direction != Kpi.Direction.BAND:
            del self.fields["warning_high"], self.fields["critical_high"]

    def plan_fields(self):
        return [self[f] for f in self.PLAN if f in self.fields]

    def service_arguments(self) -> dict:
        """The arguments of ``services.deviation_respond`` for the chosen response."""
        from .services import Improvement

        d = self.cleaned_data
        response = d["response"]
        args = {"response": response, "note": d["note"]}
        if response == Deviation.Response.CHANGE_EXECUTOR:
            args["executor"] = d["executor"]
        elif response == Deviation.Response.CORRECT_PLAN:
            args["plan"] = {f: d[f] for f in self.PLAN if f in self.fields}
            args["plan_from"] = d["plan_from"]
        else:
            args["improvement"] = Improvement(
                title=d["initiative_title"],
                owner=d["initiative_owner"],
                due_on=d["initiative_due"],
            )
        return args


class OutcomesForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start comes after the end."))
        return data


class PromoteForm(forms.Form):
    objective = forms.ModelChoiceField(
        label=_("Add to objective"),
        queryset=Objective.objects.none(),
        required=False,
        empty_label=_("(draft a new objective)"),
    )

    def __init__(self, *args, workspace, member, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = (
            okr_selectors.visible_objectives(workspace, member)
            .filter(cycle=cycle)
            .exclude(status=Objective.Status.ARCHIVED)
        )


class BoardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("KPI, team or process")}),
    )
    # A team's page links here with its id; the search box finds a team by name.
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.HiddenInput
    )
    process = forms.ModelChoiceField(
        label=_("Process"),
        queryset=Process.objects.none(),
        required=False,
        empty_label=_("All processes"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("healthy", _("Healthy")),
            ("warning", _("Warning")),
            ("critical", _("Critical")),
            ("none", _("No data yet")),
        ],
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(workspace=workspace)
        self.fields["process"].queryset = Process.objects.filter(workspace=workspace)


class CapacityForm(forms.Form):
    """Seed 002: from a target outcome and the capacity that delivers it, a KPI rate."""

    output = forms.FloatField(
        label=_("Output needed"), min_value=0.0001, help_text=_("e.g. 2,000 m² of plaster")
    )
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    per = forms.ChoiceField(
        label=_("per"),
        choices=[("week", _("week")), ("month", _("month")), ("quarter", _("quarter"))],
    )
    executors = forms.IntegerField(label=_("People who deliver it"), min_value=1)
    time_unit = forms.ChoiceField(
        label=_("Rate per"), choices=[("day", _("working day")), ("week", _("week"))]
    )
    time_units = forms.FloatField(
        label=_("Working days or weeks in the period"),
        min_value=0.01,
        help_text=_("e.g. 21 working days in a month, 1 week in a week"),
    )
    name = forms.CharField(label=_("KPI name"), max_length=200, required=False)
    process = forms.CharField(label=_("Process"), max_length=120, required=False)
    serves = forms.ModelChoiceField(
        label=_("Serves key result"), queryset=KeyResult.objects.none(), required=False
    )

    def __init__(self, *args, workspace, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["serves"].queryset = serves_choices(workspace, member)


class FunnelForm(forms.Form):
    """Back-calculation: stage names and conversion rates, from the top of the funnel down."""

    stages = forms.CharField(
        label=_("Stages, top to bottom"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One stage a line, with its conversion to the next in %: "
            "“Blog visitors; 2”, “Leads; 10”, “Deals”."
        ),
    )
    target = forms.FloatField(label=_("Target for the last stage"), min_value=0.0001)
    per = forms.ChoiceField(
        label=_("per"),
        choices=[("week", _("week")), ("month", _("month")), ("quarter", _("quarter"))],
    )
    process = forms.CharField(label=_("Process"), max_length=120, required=False)
    serves = forms.ModelChoiceField(
        label=_("Serves key result"), queryset=KeyResult.objects.none(), required=False
    )

    def __init__(self, *args, workspace, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["serves"].queryset = serves_choices(workspace, member)

    def clean_stages(self):
        from waypoint.kpis.importing import parse_number

        stages = []
        lines = [ln.strip() for ln in self.cleaned_data["stages"].splitlines() if ln.strip()]
        if len(lines) < 2:
            raise forms.ValidationError(_("Give at least two stages."))
        for n, line in enumerate(lines, start=1):
            name, _sep, rate = line.partition(";")
            name = name.strip()
            last = n == len(lines)
            if last:
                stages.append((name, None))
                continue
            value = parse_number(rate)
            if not name or value is None or not 0 < value <= 100:
                raise forms.ValidationError(
                    _(
                        "Line %(n)s: write the stage and its conversion to the next in %%, "
                        "e.g. “Leads; 10”."
                    )
                    % {"n": n}
                )
            stages.append((name, value / 100))
        return stages
