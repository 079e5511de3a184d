"""Display helpers: numbers stay unrounded in the data and are rounded only here."""

import math
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waypoint.lib import scoring
from waypoint.lib.urls import IdUrl
from waypoint.okrs.models import CheckIn

register = template.Library()
NO_VALUE = "\u2013"  # an en dash where there is no number yet


_ONE = Decimal(1)


@register.filter
def pct(value):
    """0.4545 -> "45%": a whole percent, rounded half up as ``floatformat`` rounds it.

    The hottest filter of the big pages (a tree shows hundreds of them), so the rounding is
    done here rather than through ``floatformat``'s locale machinery, which adds nothing to
    a whole number without grouping: a test holds the two equal in every language."""
    if value is None:
        return NO_VALUE
    x = float(value) * 100
    if not math.isfinite(x):
        return f"{floatformat(x, 0)}%"
    return f"{int(Decimal(repr(x)).quantize(_ONE, rounding=ROUND_HALF_UP))}%"


@register.filter
def score(value):
    """A score with one decimal, as the README shows it: 0.7 (0,7 in Polish and Russian)."""
    if value is None:
        return NO_VALUE
    return floatformat(value, 1)


@register.filter
def num(value, places=2):
    """A measured value: no needless decimals, at most ``places`` (two unless told),
    thousands grouped."""
    if value is None:
        return NO_VALUE
    value = round(float(value), int(places))
    # Grouped by the reader's locale: 22,369 in English, 22 369 in Russian and Polish.
    return number_format(
        int(value) if value.is_integer() else value, use_l10n=True, force_grouping=True
    )


@register.filter
def input_number(value):
    """A value as a number field takes it back: "45", "12.5", never "45.0" or "1,234"."""
    if value in (None, ""):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value  # what was typed, kept as typed next to its error
    return str(int(number)) if number.is_integer() else repr(number)


@register.filter
def is_done(value) -> bool:
    """A milestone's value (1 = done) from a stored float or a posted "0"/"1"."""
    try:
        return float(value) >= 1
    except (TypeError, ValueError):
        return False


@register.filter
def pace_class(value):
    if value is None:
        return ""
    return scoring.pace_band(value)


@register.filter
def pace_label(value):
    points = round(abs(value) * 100)
    if value >= -0.05 and points <= 5:
        return _("on pace")
    if value > 0:
        return _("%(points)s%% ahead") % {"points": points}
    return _("%(points)s%% behind") % {"points": points}


@register.filter
def confidence_label(value):
    return dict(CheckIn.Confidence.choices).get(value, _("no check-in yet"))


@register.simple_tag
def progress_bar(progress, expected=None, label=""):
    """A bar with the expected position marked, coloured by pace; readable by screen
    readers."""
    width = max(0.0, min(1.0, progress or 0.0)) * 100
    marker = ""
    if expected is not None:
        marker = format_html(
            '<i class="bar-expected" style="left:{}%" title="{}"></i>',
            f"{expected * 100:.1f}",
            _("expected today"),
        )
    # Coloured by pace (ahead, a little behind, far behind); the pace is written beside it.
    pace = pace_class(progress - expected) if expected is not None and progress is not None else ""
    return format_html(
        '<div class="bar {}" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        'aria-valuenow="{}" aria-label="{}"><span style="width:{}%"></span>{}</div>',
        pace,
        round(width),
        label or _("progress"),
        f"{width:.1f}",
        marker,
    )


@register.filter
def steps_done(checklist) -> int:
    """How many steps of an initiative's checklist are done."""
    return sum(1 for step in checklist or () if step.get("done"))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def listify(value):
    return [value]


@register.simple_tag
def grade(value):
    """A grade with its colour band (seed 003: red 0.0-0.3, yellow 0.4-0.6, green 0.7-1.0),
    the band also said in words for whoever cannot see the colour."""
    if value is None:
        return NO_VALUE
    band = scoring.grade_band(value)
    label = {
        "green": _("green: delivered"),
        "yellow": _("yellow: progress, short of the goal"),
        "red": _("red: no real progress"),
    }[band]
    return format_html(
        '<span class="grade band-{}" data-band="{}" title="{}">{}'
        '<span class="visually-hidden"> ({})</span></span>',
        band,
        band,
        label,
        floatformat(value, 1),
        label,
    )


@register.simple_tag(takes_context=True)
def tree_nodes(context, nodes):
    """The alignment tree's nodes, each with its key results and the nodes opened below it;
    a folded node loads its own when opened (``okrs:tree_branch``).

    Built here rather than by a template included once a node: a first screen holds thirty
    objectives and ninety key results, and the template engine spent a quarter of the tree
    page's time on them (10 ms at 10,000 people; this takes about 3). Every text goes through
    ``format_html``, which escapes it."""
    slug, cycle = context["workspace"].slug, context["cycle"]
    urls = {
        "overview": reverse("okrs:overview", args=[slug, cycle.pk]),
        "objective": IdUrl("okrs:objective", slug),
        "branch": IdUrl("okrs:tree_branch", slug, cycle.pk),
    }
    return mark_safe("".join(_tree_node(node, cycle, urls) for node in nodes))  # noqa: S308


def _tree_node(node, cycle, urls) -> str:
    row, folded = node["row"], node["folded"]
    o = row.objective
    other = o.cycle_id != cycle.pk
    about = [o.get_level_display()]
    if other:
        about.append(o.cycle.name)
    if o.owner:
        about.append(o.owner.user.get_full_name())
    if folded:
        about.append(
            ngettext("%(n)s aligned objective", "%(n)s aligned objectives", folded) % {"n": folded}
        )
    krs = format_html_join(
        "",
        '<li class="{}"><span>{}{}</span><span class="muted">{}</span></li>',
        (
            (
                "driven" if k.kr.driven_by_children else "",
                "↳ " if k.kr.driven_by_children else "",
                k.kr.title,
                pct(k.progress),
            )
            for k in row.krs
        ),
    )
    if node["children"]:
        below = format_html(
            '<ul role="group">{}</ul>',
            mark_safe("".join(_tree_node(n, cycle, urls) for n in node["children"])),  # noqa: S308
        )
    elif folded:
        below = format_html(
            '<div class="tree-branch" hx-get="{}" hx-trigger="toggle from:closest details '
            'once" hx-swap="innerHTML"><p class="muted small"><a href="{}?parent={}">{}</a></p>'
            "</div>",
            urls["branch"](o.pk),
            urls["overview"],
            o.pk,
            _("Loading…"),
        )
    else:
        below = ""
    return format_html(
        '<li role="treeitem" aria-expanded="{}" class="tree-item level-{}{}"><details{}>'
        '<summary><span class="tree-title"><a href="{}">{}</a> <small class="muted">{}'
        '</small></span><span class="tree-stats">{}<b>{}</b></span></summary>'
        '<ul class="tree-krs">{}</ul>{}</details></li>',
        "false" if folded else "true",
        o.level,
        " other-cycle" if other else "",
        "" if folded else mark_safe(" open"),
        urls["objective"](o.pk),
        o.title,
        " · ".join(about),
        progress_bar(row.progress, row.expected, o.title),
        pct(row.progress),
        krs,
        below,
    )


@register.simple_tag(takes_context=True)
def objective_rows(context, rows):
    """Objectives as rows (``selectors.ObjectiveRow``): title, owner, kind, tags, the coach's
    quality when the page has it (``quality``: objective id -> 0..1), key results counted,
    then progress, score, pace and confidence.

    Built here rather than by a template included once a row: the overview, home and the
    objective page list up to thirty, and the template engine spent about 100 µs a row on
    them. Every text goes through ``format_html``, which escapes it."""
    if not rows:
        return ""
    url = IdUrl("okrs:objective", context["workspace"].slug)
    quality = context.get("quality")
    words = {
        "cross": _("cross-team"),
        "private": _("private"),
        "quality_title": _("OKR quality by the coach"),
        "score": _("Score"),
    }
    return mark_safe(  # noqa: S308 - each row is built by format_html
        "".join(_objective_row(row, url, quality, words) for row in rows)
    )


def _objective_row(row, url, quality, words) -> str:
    o = row.objective
    meta = []
    if o.owner:
        meta.append(format_html("<span>{}</span>", o.owner.user.get_full_name()))
    meta.append(format_html('<span class="tag">{}</span>', o.get_kind_display()))
    teams = o.teams.all()
    if len(teams) > 1:
        meta.append(
            format_html(
                '<span class="tag cross" title="{}">{}</span>',
                ", ".join(t.name for t in teams),
                words["cross"],
            )
        )
    if o.private:
        meta.append(format_html('<span class="tag">{}</span>', words["private"]))
    if o.status != "active":
        meta.append(format_html('<span class="tag">{}</span>', o.get_status_display()))
    q = quality.get(o.pk) if quality else None
    if q is not None and q < 1:
        meta.append(
            format_html(
                '<a class="quality-badge" href="{}#coach" title="{}">{}</a>',
                url(o.pk),
                words["quality_title"],
                _("quality %(q)s") % {"q": pct(q)},
            )
        )
    n = len(row.krs)
    meta.append(
        format_html(
            "<span>{}</span>",
            ngettext("%(n)s key result", "%(n)s key results", n) % {"n": n},
        )
    )
    return format_html(
        '<article class="okr-row"><div class="okr-main"><a class="okr-title" href="{}">{}</a>'
        '<div class="okr-meta">{}</div></div><div class="okr-stats">{}'
        '<div class="okr-numbers"><span class="score" title="{}">{}</span>'
        '<span class="pace {}">{}</span><span class="conf {}">{}</span></div></div></article>',
        url(o.pk),
        o.title,
        mark_safe("".join(meta)),  # noqa: S308 - each part built by format_html
        progress_bar(row.progress, row.expected, o.title),
        words["score"],
        score(row.score),
        pace_class(row.pace),
        pace_label(row.pace),
        row.confidence or "none",
        confidence_label(row.confidence),
    )


@register.simple_tag(takes_context=True)
def checkin_rows(context, items):
    """The weekly check-in's rows (``views.checkin``): each key result with its figures, its
    progress bar, and its inputs (value or milestone switch, confidence, comment) with their
    errors when ``item["wrong"]``, and its own Save and No change buttons.

    Built here rather than by a template included once a row: a person's sheet holds their
    key results (18 at the bench), and the template engine spent about 300 µs on each.
    Every text goes through ``format_html``, which escapes it."""
    slug = context["workspace"].slug
    urls = {
        "objective": IdUrl("okrs:objective", slug),
        "row": IdUrl("okrs:checkin_create", slug),
    }
    words = {
        "current": _("Current"),
        "done": _("done"),
        "not_done": _("not done"),
        "target": _("Target"),
        "progress": _("Progress"),
        "saved": _("Saved"),
        "milestone": _("Milestone"),
        "switch_done": _("Done"),
        "switch_not_done": _("Not done yet"),
        "new_value": _("New value"),
        "confidence": _("Confidence"),
        "comment": _("Comment"),
        "optional": _("optional"),
        "save": _("Save"),
        "same_title": _("Record the same value and confidence for this week"),
        "no_change": _("No change"),
    }
    focus = bool(context.get("autofocus"))
    return mark_safe(  # noqa: S308 - each row is built by format_html
        "".join(_checkin_row(item, urls, words, focus and n == 0) for n, item in enumerate(items))
    )


def _errors(errors, element_id: str = "") -> str:
    ident = format_html(' id="{}"', element_id) if element_id else ""
    return format_html_join("", '<p class="error"{}>{}</p>', ((ident, e) for e in errors))


def _unit(kr, tag: str = "small") -> str:
    return format_html(' <{} class="unit">{}</{}>', tag, kr.unit, tag) if kr.unit else ""


def _checkin_row(item, urls, words, autofocus: bool) -> str:
    row, form = item["row"], item["form"]
    kr, wrong = row.kr, bool(item.get("wrong"))
    milestone = kr.type == "milestone"
    if milestone:
        current = words["done"] if is_done(row.current) else words["not_done"]
    else:
        current = format_html("{}{}", num(row.current), _unit(kr))
    stats = [
        format_html(
            '<span class="figure"><small>{}</small><b data-current>{}</b></span>',
            words["current"],
            current,
        )
    ]
    if not milestone:
        stats.append(
            format_html(
                '<span class="figure"><small>{}</small><span>{}{}</span></span>',
                words["target"],
                num(kr.target),
                _unit(kr),
            )
        )
    stats.append(
        format_html(
            '<span class="figure"><small>{}</small><b data-progress>{}</b></span>'
            '<span class="pace {}" data-pace>{}</span>',
            words["progress"],
            pct(row.progress),
            pace_class(row.pace),
            pace_label(row.pace),
        )
    )
    if item.get("saved"):
        stats.append(
            format_html(
                '<span class="saved" role="status" data-saved>✓ {} · '
                "<span data-saved-confidence>{}</span></span>",
                words["saved"],
                confidence_label(row.confidence),
            )
        )
    value = form["value"]
    value_id = value.id_for_label
    focus = mark_safe(" autofocus") if autofocus else ""
    if milestone:
        entry = format_html(
            '<div class="field value toggle{}"><span class="label">{}</span>'
            '<input type="hidden" name="{}" value="0"><label class="switch">'
            '<input type="checkbox" role="switch" name="{}" id="{}" value="1"{}{} '
            'aria-describedby="kr-{}-title"><span class="switch-track" aria-hidden="true"></span>'
            '<span class="switch-on">{}</span><span class="switch-off">{}</span></label></div>',
            " has-error" if value.errors and wrong else "",
            words["milestone"],
            value.html_name,
            value.html_name,
            value_id,
            mark_safe(" checked") if is_done(value.value()) else "",
            focus,
            kr.pk,
            words["switch_done"],
            words["switch_not_done"],
        )
    else:
        failed = wrong and value.errors
        entry = format_html(
            '<div class="field value{}"><label for="{}">{}{}</label>'
            '<input type="number" step="any" inputmode="decimal" name="{}" id="{}" value="{}"{} '
            'aria-describedby="kr-{}-title{}">{}</div>',
            " has-error" if failed else "",
            value_id,
            words["new_value"],
            format_html(' <span class="unit">({})</span>', kr.unit) if kr.unit else "",
            value.html_name,
            value_id,
            input_number(value.value()),
            focus,
            kr.pk,
            format_html(" {}-error", value_id) if failed else "",
            _errors(value.errors, f"{value_id}-error") if wrong else "",
        )
    choices = format_html_join(
        "",
        '<label class="seg {}"><input type="radio" name="{}" value="{}" id="{}" required{}>'
        "<span>{}</span></label>",
        (
            (
                c["value"],
                c["name"],
                c["value"],
                c["attrs"].get("id", ""),
                mark_safe(" checked") if c["selected"] else "",
                c["label"],
            )
            for c in (choice.data for choice in form["confidence"])
        ),
    )
    comment = form["comment"]
    said = comment.value()
    url = urls["row"](kr.pk)
    same = ""
    if row.current is not None:
        same = format_html(
            '<button type="submit" class="ghost" formaction="{}?same=1" hx-post="{}?same=1" '
            'hx-target="#checkin-{}" hx-select="#checkin-{}" hx-swap="outerHTML" data-no-change '
            'title="{}">{}</button>',
            url,
            url,
            kr.pk,
            kr.pk,
            words["same_title"],
            words["no_change"],
        )
    last = ""
    if kr.last_comment:
        by = format_html(" · {}", kr.last_comment_by) if kr.last_comment_by else ""
        day = date_format(template_localtime(kr.last_comment_date), "DATE_FORMAT")
        last = format_html(
            '<p class="last-comment small"><span class="muted">{}{}:</span> '
            "<q data-last-comment>{}</q></p>",
            _("Last comment, %(date)s") % {"date": day},
            by,
            kr.last_comment,
        )
    return format_html(
        '<section class="card checkin{}{}" id="checkin-{}" aria-labelledby="kr-{}-title">'
        '<div class="checkin-head"><div><h2 class="h3" id="kr-{}-title">{}</h2>'
        '<p class="muted small"><a href="{}" tabindex="-1">{}</a></p></div>'
        '<div class="checkin-stats" aria-live="polite">{}</div></div>{}'
        '<div class="checkin-form">{}<fieldset class="segmented"><legend>{}</legend>{}{}'
        '</fieldset><div class="field comment"><label for="{}">{} <small class="muted">({})'
        '</small></label><input type="text" name="{}" id="{}" value="{}" maxlength="2000" '
        'autocomplete="off">{}</div><div class="row-actions"><button type="submit" '
        'class="secondary" formaction="{}" hx-post="{}" hx-target="#checkin-{}" '
        'hx-select="#checkin-{}" hx-swap="outerHTML" data-row-save>{}</button>{}</div></div>'
        "{}</section>",
        " is-saved" if item.get("saved") else "",
        " has-errors" if item.get("wrong") else "",
        kr.pk,
        kr.pk,
        kr.pk,
        kr.title,
        urls["objective"](kr.objective_id),
        kr.objective.title,
        mark_safe("".join(stats)),  # noqa: S308 - each built by format_html
        progress_bar(row.progress, row.expected, kr.title),
        entry,
        words["confidence"],
        choices,
        _errors(form["confidence"].errors) if wrong else "",
        comment.id_for_label,
        words["comment"],
        words["optional"],
        comment.html_name,
        comment.id_for_label,
        "" if said is None else said,
        _errors(comment.errors) if wrong else "",
        url,
        url,
        kr.pk,
        kr.pk,
        words["save"],
        same,
        last,
    )
