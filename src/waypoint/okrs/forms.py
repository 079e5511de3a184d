"""Forms validate input and name the field; the views hand the cleaned data to services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from waypoint.lib.widgets import DateInput
from waypoint.workspaces.forms import MemberChoiceField, NamedChoicesField
from waypoint.workspaces.models import Member, Team

from . import selectors
from .models import CheckIn, Cycle, Initiative, KeyResult, Objective


def member_choices(workspace):
    return Member.objects.filter(workspace=workspace).select_related("user")


class ObjectiveForm(forms.Form):
    title = forms.CharField(
        label=_("Objective"), max_length=300, widget=forms.TextInput(attrs={"autofocus": True})
    )
    why = forms.CharField(
        label=_("Why does it matter?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('The answer to "so what?": what gets better for the business.'),
    )
    level = forms.ChoiceField(label=_("Level"), choices=Objective.Level.choices)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Objective.Kind.choices,
        help_text=_("Committed: 1.0 is expected. Aspirational: 0.6-0.7 is success."),
    )
    owner = MemberChoiceField(label=_("Owner"), queryset=Member.objects.none(), required=False)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    parent = forms.ModelChoiceField(
        label=_("Aligns to"),
        queryset=Objective.objects.none(),
        required=False,
        empty_label=_("(not aligned)"),
    )
    private = forms.BooleanField(
        label=_("Private"),
        required=False,
        help_text=_("Only the owner, the members of its teams and admins see it."),
    )

    def __init__(self, *args, workspace, member, cycle, exclude_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(workspace)
        self.fields["teams"].queryset = Team.objects.filter(workspace=workspace)
        parents = (
            selectors.visible_objectives(workspace, member)
            .filter(cycle__start__lte=cycle.end, cycle__end__gte=cycle.start)
            .exclude(status=Objective.Status.ARCHIVED)
            .select_related("cycle")
        )
        if exclude_pk:
            parents = parents.exclude(pk=exclude_pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda o: f"{o.title} ({o.cycle.name})"


class KeyResultForm(forms.Form):
    title = forms.CharField(label=_("Key result"), max_length=300)
    type = forms.ChoiceField(label=_("Type"), choices=KeyResult.Type.choices)
    start = forms.FloatField(label=_("Start"), required=False)
    target = forms.FloatField(label=_("Target"), required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=KeyResult.Direction.choices, required=False
    )
    scoring = forms.ChoiceField(label=_("Scoring"), choices=KeyResult.Scoring.choices)
    weight = forms.FloatField(label=_("Weight"), min_value=0.01, initial=1)
    starts_on = forms.DateField(
        label=_("Starts on"),
        required=False,
        widget=DateInput(),
        help_text=_("Added during the cycle? Its expected progress counts from this day."),
    )
    owner = MemberChoiceField(label=_("Owner"), queryset=Member.objects.none(), required=False)
    driven_by_children = forms.BooleanField(
        label=_("Driven by child objectives"),
        required=False,
        help_text=_("Progress is the mean score of the objectives aligned to this one."),
    )

    kpi = forms.ModelChoiceField(
        label=_("Tracks KPI"),
        queryset=None,
        required=False,
        empty_label=_("(none)"),
        help_text=_("The current value then follows the KPI's data as automatic check-ins."),
    )

    rolls_into = forms.ModelChoiceField(
        label=_("Rolls into"),
        queryset=KeyResult.objects.none(),
        required=False,
        empty_label=_("(none)"),
        help_text=_(
            "A key result of an objective above: its progress becomes the weighted mean of "
            "the key results that roll into it."
        ),
    )

    def __init__(self, *args, workspace, objective=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(workspace)
        # Roll-ups go to the key results of the objectives this one counts towards: a
        # handful, whatever the workspace's size.
        above = (
            [objective.parent_id, *objective.contributions.values_list("parent_id", flat=True)]
            if objective is not None
            else []
        )
        self.rolls = any(above)
        self.fields["rolls_into"].queryset = (
            KeyResult.objects.filter(objective_id__in=[a for a in above if a])
            .exclude(driven_by_children=True)
            .select_related("objective")
            .order_by("objective__title", "position", "id")
        )
        self.fields["rolls_into"].label_from_instance = lambda k: f"{k.title} · {k.objective.title}"
        from waypoint.kpis.models import Kpi

        self.fields["kpi"].queryset = Kpi.objects.filter(workspace=workspace)
        kind = (self.data.get(self.add_prefix("type")) if self.is_bound else None) or (
            self.initial.get("type") or KeyResult.Type.INCREASE
        )
        # Every type but a milestone needs a target: say so on the label, refuse it empty.
        self.fields["target"].required = kind != KeyResult.Type.MILESTONE and not (
            self.is_bound and self.data.get(self.add_prefix("driven_by_children"))
        )

    def clean(self):
        data = super().clean()
        if not data.get("direction"):
            data["direction"] = KeyResult.Direction.HIGHER_IS_BETTER
        if data.get("type") == KeyResult.Type.MILESTONE:
            data["start"] = data["target"] = None
        elif data.get("type") == KeyResult.Type.MAINTAIN:
            data["start"] = None
        return data


class CheckInForm(forms.Form):
    value = forms.FloatField(label=_("New value"))
    confidence = forms.ChoiceField(
        label=_("Confidence"),
        choices=CheckIn.Confidence.choices,
        widget=forms.RadioSelect,
        initial=CheckIn.Confidence.ON_TRACK,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class MoveForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("Move to cycle"), queryset=Cycle.objects.none())

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = Cycle.objects.filter(workspace=workspace)


class CopyForm(forms.Form):
    """Where a copy of an objective goes: a cycle, an owner and teams (the original's unless
    changed)."""

    cycle = forms.ModelChoiceField(label=_("To cycle"), queryset=Cycle.objects.none())
    owner = MemberChoiceField(
        label=_("Owner"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("Left empty: the same owner."),
    )
    teams = NamedChoicesField(label=_("Teams"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, workspace, may_choose_owner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = Cycle.objects.filter(
            workspace=workspace, status=Cycle.Status.OPEN
        ).order_by("-start")
        self.fields["owner"].queryset = member_choices(workspace)
        self.fields["teams"].queryset = Team.objects.filter(workspace=workspace).order_by("name")
        if not may_choose_owner:
            del self.fields["owner"]


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Initiative"), max_length=300)
    status = forms.ChoiceField(label=_("Status"), choices=Initiative.Status.choices)
    owner = MemberChoiceField(label=_("Owner"), queryset=Member.objects.none(), required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(workspace)


class InitiativeEditForm(forms.Form):
    """An initiative edited where it is listed: its title, status, owner, due date and
    checklist (each step ticked or renamed; a cleared step goes, a new one is added)."""

    title = forms.CharField(label=_("Initiative"), max_length=300)
    status = forms.ChoiceField(label=_("Status"), choices=Initiative.Status.choices)
    owner = MemberChoiceField(label=_("Owner"), queryset=Member.objects.none(), required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    new_step = forms.CharField(label=_("New step"), max_length=200, required=False)

    def __init__(self, *args, initiative, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": initiative.title,
                "status": initiative.status,
                "owner": initiative.owner,
                "due_on": initiative.due_on,
            },
        )
        super().__init__(*args, **kwargs)
        self.initiative = initiative
        self.fields["owner"].queryset = member_choices(initiative.workspace)

    def steps(self) -> list[dict]:
        """The checklist's steps with their field names, as posted or as stored."""
        source = self.data if self.is_bound else None
        out = []
        for i, step in enumerate(self.initiative.checklist):
            text, done = step["text"], step["done"]
            if source is not None:
                text = source.get(self.add_prefix(f"step-{i}-text"), text)
                done = bool(source.get(self.add_prefix(f"step-{i}-done")))
            out.append({"i": i, "text": text, "done": done})
        return out

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        checklist = [{"text": s["text"], "done": s["done"]} for s in self.steps()]
        new = data.pop("new_step", "").strip()
        if new:
            checklist.append({"text": new, "done": False})
        data["checklist"] = checklist
        return data


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarters = forms.BooleanField(label=_("With its four quarters"), required=False, initial=True)


class CycleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    start = forms.DateField(label=_("Start"), widget=DateInput())
    end = forms.DateField(label=_("End"), widget=DateInput())
    parent = forms.ModelChoiceField(
        label=_("Within"),
        queryset=Cycle.objects.none(),
        required=False,
        empty_label=_("(stands alone)"),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Cycle.objects.filter(workspace=workspace)


class OverviewFilterForm(forms.Form):
    """The cycle overview's filters; every one optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, person or team")}),
    )
    # A team's or a person's page links here with its id; there is no list to pick from
    # (a large company has thousands): the search box finds them by name.
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.HiddenInput
    )
    owner = forms.ModelChoiceField(
        queryset=Member.objects.none(), required=False, widget=forms.HiddenInput
    )
    parent = forms.ModelChoiceField(
        queryset=Objective.objects.none(), required=False, widget=forms.HiddenInput
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Objective.Level.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Not archived")), *Objective.Status.choices],
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"),
        required=False,
        choices=[("", _("Any confidence")), *CheckIn.Confidence.choices],
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(workspace=workspace)
        self.fields["owner"].queryset = Member.objects.filter(workspace=workspace).select_related(
            "user"
        )
        self.fields["parent"].queryset = Objective.objects.filter(workspace=workspace)
