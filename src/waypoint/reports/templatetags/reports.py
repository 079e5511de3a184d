"""The report's long lists, built in Python (``format_html`` escapes every text)."""

from django import template
from django.utils.html import conditional_escape, format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from waypoint.okrs.templatetags.okrs import num

register = template.Library()


@register.simple_tag(takes_context=True)
def report_kpis(context, items):
    """Each KPI of the report (``selectors.report_content``): its name, last period, target
    and pace, then its chart: Vega-Lite's spec for the browser, or its SVG in the PDF.

    Built here rather than by the template: a report holds up to 24 KPIs, and the template
    engine spent about 80 µs on each."""
    pdf = bool(context.get("pdf"))
    words = {
        "target": conditional_escape(_("target")),
        "pace_title": _(
            "The period is not over: its total so far, kept at the same rate to the period’s "
            "end, is what its health judges."
        ),
    }
    return mark_safe("".join(_kpi(item, pdf, words) for item in items))  # noqa: S308


def _kpi(item, pdf: bool, words: dict) -> str:
    kpi, latest = item["kpi"], item["latest"]
    # As {% blocktranslate %} does it: the translation as it is, the values escaped.
    said = _("last period %(value)s %(unit)s") % {
        "value": conditional_escape(num(latest.value)),
        "unit": conditional_escape(kpi.unit),
    }
    if kpi.target is not None:
        said += f" · {words['target']} {conditional_escape(num(kpi.target))}"
    pace = ""
    if latest.pace is not None:
        pace = format_html(
            '<small class="muted kpi-pace" title="{}">{}</small>',
            words["pace_title"],
            mark_safe(  # noqa: S308 - the translation, with its value escaped
                _("so far; on pace for %(value)s") % {"value": conditional_escape(num(latest.pace))}
            ),
        )
    if pdf:
        chart = format_html('<div class="svg-chart">{}</div>', mark_safe(item["svg"]))  # noqa: S308
    else:
        chart = format_html(
            '<div class="chart" data-vega-spec="{}" data-vega-locale="chart-locale"></div>{}',
            item["sid"],
            json_script(item["spec"], item["sid"]),
        )
    return format_html(
        '<div class="report-kpi"><h3>{} <small class="muted">{} {}</small></h3>{}</div>',
        kpi.name,
        mark_safe(said),  # noqa: S308 - built above, each value escaped
        pace,
        chart,
    )
