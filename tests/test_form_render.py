"""Widgets drawn in Python (lib/formrender.py) give Django's templates' markup exactly."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from waypoint.lib import formrender
from waypoint.lib.widgets import DateInput

HOSTILE = "\"><script>alert(1)</script> & 'x'"
ATTRS = [
    {},
    {"placeholder": HOSTILE, "autofocus": True, "disabled": False, "maxlength": 80},
    {"class": mark_safe("a&amp;b"), "data-x": 1.5, "aria-label": gettext_lazy("Date")},
]


def _choices():
    return [
        ("", "---------"),
        ("a", HOSTILE),
        (2, gettext_lazy("Date")),
        (3000, 3000),
        ("Group <g>", [("g1", "One"), ("g2", mark_safe("<b>Two</b>"))]),
    ]


WIDGETS = [
    (forms.TextInput, ["", "plain", HOSTILE, None, 0, mark_safe("<i>safe</i>")]),
    (forms.NumberInput, [None, 0, 12.5, 1234567, "1,5"]),
    (forms.EmailInput, ["a@b.test", None]),
    (forms.URLInput, ["https://x.test/?a=1&b=2", None]),
    (forms.PasswordInput, ["secret", None]),
    (forms.HiddenInput, [7, "x", None]),
    (forms.DateInput, [dt.date(2026, 12, 4), "2026-12-04", None]),
    (DateInput, [dt.date(2026, 12, 4), None]),
    (forms.DateTimeInput, [dt.datetime(2026, 12, 4, 9, 30), None]),
    (forms.TimeInput, [dt.time(9, 30), None]),
    (forms.CheckboxInput, [True, False, None, "on"]),
    (forms.Textarea, ["", "two\nlines & <b>", None, HOSTILE, 3000]),
    (forms.Select, ["", "a", 2, "g2", None, ["a"]]),
    (forms.SelectMultiple, [["a", "g1"], [], None]),
    (forms.RadioSelect, ["", "a", 2, "g2", None]),
    (forms.CheckboxSelectMultiple, [["a", "g1"], [], None]),
    (forms.ClearableFileInput, [None, ""]),
    (forms.FileInput, [None]),
]
if hasattr(forms, "SearchInput"):
    WIDGETS += [
        (forms.SearchInput, ["q", None]),
        (forms.TelInput, ["+48 1", None]),
        (forms.ColorInput, ["#ffffff", None]),
    ]


@pytest.mark.parametrize("language", ["en", "ru", "pl", "zh-hans"])
@pytest.mark.parametrize(
    ("widget_class", "values"), WIDGETS, ids=lambda w: getattr(w, "__name__", "")
)
def test_a_widget_drawn_in_python_is_the_markup_of_its_django_template(
    widget_class, values, language
):
    django_templates, ours = DjangoTemplates(), formrender.FormRenderer()
    drawn = 0
    with translation.override(language):
        for attrs, value in itertools.product(ATTRS, values):
            choosing = issubclass(widget_class, (forms.Select, forms.RadioSelect))
            kwargs = {"choices": _choices()} if choosing else {}
            widget = widget_class(attrs=dict(attrs), **kwargs)
            name = 'field"<x>'
            expected = widget.render(name, value, renderer=django_templates)
            assert widget.render(name, value, renderer=ours) == expected, (attrs, value)
            drawn += widget.template_name in formrender._DRAWN
    assert drawn == len(ATTRS) * len(values)  # each was drawn in Python, not by its template


def test_other_widgets_keep_their_templates():
    """A widget not drawn here (two inputs in one, a file already there) is Django's."""
    django_templates, ours = DjangoTemplates(), formrender.FormRenderer()
    for widget in (forms.SplitDateTimeWidget(), forms.MultipleHiddenInput()):
        assert widget.template_name not in formrender._DRAWN
        assert widget.render("f", None, renderer=ours) == widget.render(
            "f", None, renderer=django_templates
        )

    class Stored:  # a file already uploaded: its link and the box that clears it
        url = "/media/a&b.pdf"

        def __str__(self):
            return "a&b.pdf"

    widget = forms.ClearableFileInput()
    assert widget.render("f", Stored(), renderer=ours) == widget.render(
        "f", Stored(), renderer=django_templates
    )
    assert 'name="f-clear"' in widget.render("f", Stored(), renderer=ours)


def test_the_site_renders_forms_with_it():
    from django.conf import settings

    assert settings.FORM_RENDERER == "waypoint.lib.formrender.FormRenderer"
    assert isinstance(forms.Form().renderer, formrender.FormRenderer)


# The layout every form field had as a template of its own (templates/_field.html), before
# {% form_field %} drew it in Python: the reference the tag is held to.
FIELD_TEMPLATE = (Path(__file__).parent / "form_field_reference.html").read_text()


class Everything(forms.Form):
    title = forms.CharField(label=HOSTILE, help_text="Say <what> & why", max_length=80)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea)
    agree = forms.BooleanField(label="I agree", required=False)
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B & C")])
    mood = forms.ChoiceField(
        label="Mood", choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect
    )
    days = forms.MultipleChoiceField(
        label="Days", choices=[("1", "Mon"), ("2", "Tue")], widget=forms.CheckboxSelectMultiple
    )
    many = forms.MultipleChoiceField(label="Many", choices=[("1", "One")], required=False)
    when = forms.DateField(label=gettext_lazy("Date"), widget=DateInput)
    file = forms.FileField(label="File", required=False)


def _squeezed(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("bound", [False, True])
def test_a_form_field_is_laid_out_as_its_template_did(language, bound):
    """Label, the optional mark, help, errors, check boxes beside their label and groups of
    choices in a fieldset: the same markup as the template, bar the whitespace between tags,
    the field's text escaped."""
    from django.template import Context, Template

    form = Everything({"title": "", "kind": "zz", "mood": "y"} if bound else None)
    reference = Template(FIELD_TEMPLATE)
    tag = Template("{% form_field field %}")
    with translation.override(language):
        for field in form:
            expected = _squeezed(reference.render(Context({"field": field})))
            drawn = tag.render(Context({"field": field}))
            assert _squeezed(drawn) == expected, field.name
            assert "<script>" not in drawn
    if bound:
        assert "has-error" in str(tag.render(Context({"field": form["title"]})))


def test_a_member_picker_lists_each_person_by_name_or_address_as_before(workspace, owner, teammate):
    """``MemberChoiceField`` reads its options as three columns a person, not as a member
    and a user each: the same select as Django's own iterator gives, the chosen one marked."""
    from waypoint.workspaces.forms import MemberChoiceField
    from waypoint.workspaces.models import Member

    teammate.user.full_name = ""
    teammate.user.save()
    queryset = Member.objects.filter(workspace=workspace).order_by("user__email")

    class Django(forms.ModelChoiceField):
        def label_from_instance(self, obj):
            return obj.user.full_name or obj.user.email

    class Picked(forms.Form):
        person = MemberChoiceField(queryset=queryset, required=False)

    class Reference(forms.Form):
        person = Django(queryset=queryset.exclude(role="client"), required=False)

    for data in (None, {"person": str(teammate.pk)}):
        ours, theirs = str(Picked(data)["person"]), str(Reference(data)["person"])
        assert ours == theirs
    assert f'<option value="{teammate.pk}" selected>{teammate.user.email}</option>' in ours
    form = Picked({"person": str(teammate.pk)})
    assert form.is_valid() and form.cleaned_data["person"] == teammate
