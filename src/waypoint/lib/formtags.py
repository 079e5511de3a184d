"""``{% form_field field %}``: a form field with its label, help and errors, as every form of
the app lays it out (a built-in tag: settings.TEMPLATES lists this library).

It was a template included once a field, about 100 µs each: a page with a form or two spent
a millisecond or two on the layout alone. Every text goes through ``format_html``, which
escapes it; a test holds the markup to the template it replaced."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def form_field(field) -> str:
    widget = field.field.widget
    kind = getattr(widget, "input_type", None)
    many = getattr(widget, "allow_multiple_selected", False)
    checkbox = kind == "checkbox" and not many
    classes = "field" + (" has-error" if field.errors else "") + f" field-{field.name}"
    if checkbox:
        classes += " checkbox"
    if (many and kind == "checkbox") or kind == "radio":
        body = format_html("<fieldset><legend>{}</legend>{}</fieldset>", field.label, field)
    elif kind == "checkbox":
        body = format_html('{} <label for="{}">{}</label>', field, field.id_for_label, field.label)
    else:
        optional = (
            ""
            if field.field.required
            else format_html(' <small class="muted">({})</small>', _("optional"))
        )
        body = format_html(
            '<label for="{}">{}{}</label>\n{}', field.id_for_label, field.label, optional, field
        )
    help_text = (
        format_html(
            '<small class="help" id="{}_helptext">{}</small>', field.auto_id, field.help_text
        )
        if field.help_text
        else ""
    )
    errors = format_html_join(
        "", '<p class="error" id="{}_error">{}</p>', ((field.auto_id, e) for e in field.errors)
    )
    return format_html('<div class="{}">\n{}\n{}\n{}\n</div>', classes, body, help_text, errors)
