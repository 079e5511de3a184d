"""Django's form renderer, with its commonest widgets drawn in Python.

Django draws each widget through a template (an ``<input>`` is input.html, which includes
attrs.html, which loops over the attributes): about 60 µs a field, so a page with a form or
two spent 1 to 2 ms on them. The inputs, text areas and plain selects are drawn here to the
same markup, character for character; every other widget keeps its template. A test renders
every kind both ways and holds them equal, so a template overridden one day shows there.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime

_WIDGETS = "django/forms/widgets/"


def _text(value) -> str:
    """``{{ value }}`` in a template: localised, in local time, escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: the plain string, escaped unless already safe."""
    return conditional_escape(value if hasattr(value, "__html__") else "%s" % (value,))  # noqa: UP031


def _attrs(attrs: dict) -> str:
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _text(name))
        if value is not True:
            out.append(f'="{_formatted(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget: dict) -> str | None:
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option["template_name"] != _WIDGETS + "select_option.html":
                return None  # an option of its own kind: the templates draw the whole
            out.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _option(option: dict) -> str:
    """radio_option.html and checkbox_option.html: input_option.html, which wraps the
    input in its label."""
    drawn = _input(option) + "\n"
    if option["wrap_label"]:
        label_for = f' for="{_text(option["attrs"]["id"])}"' if option["attrs"].get("id") else ""
        drawn = f"<label{label_for}>{drawn} {_text(option['label'])}</label>"
    return drawn + "\n\n"


def _multiple(widget: dict) -> str | None:
    """multiple_input.html: radio buttons and check boxes, each in a ``<div>``."""
    attrs = widget["attrs"]
    out = [
        "<div",
        f' id="{_text(attrs["id"])}"' if attrs.get("id") else "",
        f' class="{_text(attrs["class"])}"' if attrs.get("class") else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option["template_name"] not in _OPTIONS:
                return None
            out.append(f"<div>\n    {_option(option)}</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>")
    return "".join(out)


def _file(widget: dict) -> str | None:
    """clearable_file_input.html with no file yet (a form's upload): the input alone."""
    if widget.get("is_initial"):
        return None
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{_attrs(widget['attrs'])}>"
    )


_OPTIONS = {f"{_WIDGETS}radio_option.html", f"{_WIDGETS}checkbox_option.html"}

_DRAWN = {
    **{
        f"{_WIDGETS}{kind}.html": _input
        for kind in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "checkbox",
            "search",
            "tel",
            "color",
            "file",
        )
    },
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}select.html": _select,
    f"{_WIDGETS}radio.html": _multiple,
    f"{_WIDGETS}checkbox_select.html": _multiple,
    f"{_WIDGETS}multiple_input.html": _multiple,
    f"{_WIDGETS}clearable_file_input.html": _file,
}


class FormRenderer(DjangoTemplates):
    """``settings.FORM_RENDERER``: Django's templates, but for the widgets drawn above."""

    def render(self, template_name, context, request=None):
        draw = _DRAWN.get(template_name)
        if draw is not None and "widget" in context:
            drawn = draw(context["widget"])
            if drawn is not None:
                return drawn
        return super().render(template_name, context, request=request)
