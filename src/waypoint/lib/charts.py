"""Vega-Lite specs built from plain data: one spec, drawn the same on screen, in PDF and mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

# Vega's locale names for the interface languages (d3-format and d3-time-format locales).
VEGA_LOCALES = {"en": "en-US", "ru": "ru-RU", "zh-hans": "zh-CN", "pl": "pl-PL"}


def vega_locale(language: str) -> dict:
    """Number and date formats for charts in the reader's language, from vl-convert's tables."""
    import vl_convert

    name = VEGA_LOCALES.get(language, "en-US")
    return {
        "formatLocale": vl_convert.get_format_locale(name),
        "timeFormatLocale": vl_convert.get_time_format_locale(name),
    }


PALETTE = ["#2563eb", "#0d9488", "#d97706", "#7c3aed", "#db2777", "#4b5563"]


def progress_over_time(
    *,
    start: dt.date,
    end: dt.date,
    series: Mapping[str, Sequence[tuple[dt.date, float]]],
    expected_label: str,
    progress_label: str,
    date_label: str,
    annotations: Sequence[dict] = (),
) -> dict:
    """Each key result's progress at every check-in, against the straight expected line.

    ``annotations`` ({"date", "text"}) are drawn as vertical rules with their note.
    """
    values = [
        {"series": name, "date": day.isoformat(), "progress": round(p, 4)}
        for name, points in series.items()
        for day, p in points
    ]
    expected = [
        {"series": expected_label, "date": start.isoformat(), "progress": 0},
        {"series": expected_label, "date": end.isoformat(), "progress": 1},
    ]
    x = {
        "field": "date",
        "type": "temporal",
        "title": date_label,
        "scale": {"domain": [start.isoformat(), end.isoformat()]},
        "axis": {"tickCount": 8, "labelOverlap": True, "format": "%d %b", "grid": False},
    }
    y = {
        "field": "progress",
        "type": "quantitative",
        "title": progress_label,
        "scale": {"domain": [0, 1]},
        "axis": {"format": ".0%"},
    }
    names = [*series.keys(), expected_label]
    colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": names, "range": [*PALETTE[: len(series)], "#9ca3af"]},
        "legend": {"orient": "bottom", "columns": 1, "labelLimit": 320},
    }
    notes = []
    if annotations:
        notes = [
            {
                "data": {"values": list(annotations)},
                "mark": {"type": "rule", "color": "#7c3aed", "strokeWidth": 2},
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "tooltip": [
                        {"field": "date", "type": "temporal"},
                        {"field": "text", "title": " "},
                    ],
                },
            }
        ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": 220,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": [
            {
                "data": {"values": expected},
                "mark": {"type": "line", "strokeDash": [6, 4]},
                "encoding": {"x": x, "y": y, "color": colour},
            },
            {
                "data": {"values": values},
                "mark": {"type": "line", "point": True, "interpolate": "step-after"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": colour,
                    "tooltip": [
                        {"field": "series", "title": " "},
                        {"field": "date", "type": "temporal", "title": date_label},
                        {"field": "progress", "format": ".0%", "title": progress_label},
                    ],
                },
            },
            *notes,
        ],
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
    }


def sparkline_points(values: list[float | None], *, width: int = 100, height: int = 24) -> str:
    """The ``points`` of an SVG polyline for a few values (gaps skipped); "" with fewer than 2."""
    data = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(data) < 2:
        return ""
    lo = min(v for _, v in data)
    hi = max(v for _, v in data)
    span = (hi - lo) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in data
    )


ZONE_COLOURS = {"healthy": "#d1fae5", "warning": "#fef3c7", "critical": "#fee2e2"}
STATUS_COLOURS = {"healthy": "#047857", "warning": "#b45309", "critical": "#b91c1c"}


def kpi_zones(
    direction: str,
    lo: float,
    hi: float,
    *,
    warning=None,
    critical=None,
    warning_high=None,
    critical_high=None,
) -> list[dict]:
    """The coloured bands between the thresholds, clipped to the chart's [lo, hi]."""
    cuts: list[tuple[float, float, str]] = []
    if direction == "higher_is_better":
        edges = [
            (lo, critical, "critical"),
            (critical, warning, "warning"),
            (warning, hi, "healthy"),
        ]
    elif direction == "lower_is_better":
        edges = [
            (lo, warning, "healthy"),
            (warning, critical, "warning"),
            (critical, hi, "critical"),
        ]
    else:
        edges = [
            (lo, critical, "critical"),
            (critical, warning, "warning"),
            (warning, warning_high, "healthy"),
            (warning_high, critical_high, "warning"),
            (critical_high, hi, "critical"),
        ]
    floor = lo
    for start, end, zone in edges:
        start = floor if start is None else max(start, lo)
        end = hi if end is None else min(end, hi)
        if end > start:
            cuts.append((start, end, zone))
            floor = end
    return [{"y": a, "y2": b, "zone": z} for a, b, z in cuts]


def _plan_segments(periods, forecast, target, thresholds, earlier) -> list[dict]:
    """Each plan with the dates it covers on the chart ({"from", "to", "target", ...}):
    the current one alone spans it all; earlier ones end on their last day."""
    current = {"target": target, **thresholds}
    dates = [p["date"] for p in periods] + ([forecast["to"]] if forecast else [])
    if not earlier or not dates:
        return [{"from": None, "to": None, **current}]
    first, last = min(dates), max(dates)
    out, start = [], first
    for plan in earlier:
        until = plan["until"]
        if until >= start:
            out.append({**{k: plan.get(k) for k in current}, "from": start, "to": min(until, last)})
        start = max(start, _next_day(until))
    if start <= last:
        out.append({**current, "from": start, "to": last})
    return out


def _next_day(iso: str) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(iso) + dt.timedelta(days=1)).isoformat()


def kpi_chart(
    *,
    periods: list[dict],
    direction: str,
    target: float | None,
    thresholds: dict,
    annotations: list[dict],
    forecast: dict | None,
    labels: dict,
    earlier: list[dict] | None = None,
) -> dict:
    """A KPI over its periods: threshold bands, target line, annotations and the forecast.

    ``earlier``: the plans it followed before its current one, each {"until", "target",
    "warning", ...} in date order: each draws its own bands and target up to its last day,
    so a corrected plan leaves the old one on the chart where it applied.

    ``periods`` rows: {"date", "value", "status"}, and "pace" for a running summed period
    (drawn as a hollow point joined to its value so far); ``annotations``: {"date", "text"};
    ``forecast``: {"from", "to", "from_value", "value", "low", "high"}.
    """
    paced = [p for p in periods if p.get("pace") is not None]
    numbers = [p["value"] for p in periods if p["value"] is not None]
    numbers += [p["pace"] for p in paced]
    plans = _plan_segments(periods, forecast, target, thresholds, earlier or [])
    for plan in plans:
        numbers += [v for k, v in plan.items() if k not in ("from", "to") and v is not None]
    if forecast:
        numbers += [forecast["low"], forecast["high"]]
    lo, hi = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    pad = (hi - lo) * 0.12 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    y_scale = {"domain": [lo, hi], "nice": False, "zero": False}
    x = {
        "field": "date",
        "type": "temporal",
        "title": labels["date"],
        "axis": {"labelOverlap": True, "grid": False},
    }
    zones = [
        {**zone, "from": plan["from"], "to": plan["to"]}
        for plan in plans
        for zone in kpi_zones(
            direction, lo, hi, **{k: plan[k] for k in thresholds if plan.get(k) is not None}
        )
    ]
    # One plan spans the chart; several each cover their own dates.
    spans = (
        {
            "x": {"field": "from", "type": "temporal"},
            "x2": {"field": "to"},
        }
        if len(plans) > 1
        else {}
    )
    layers: list[dict] = [
        {
            "data": {"values": zones},
            "mark": {"type": "rect", "opacity": 0.7},
            "encoding": {
                **spans,
                "y": {
                    "field": "y",
                    "type": "quantitative",
                    "scale": y_scale,
                    "title": labels["value"],
                },
                "y2": {"field": "y2"},
                "color": {
                    "field": "zone",
                    "type": "nominal",
                    "legend": None,
                    "scale": {"domain": list(ZONE_COLOURS), "range": list(ZONE_COLOURS.values())},
                },
            },
        },
    ]
    targets = [
        {"target": p["target"], "label": labels["target"], "from": p["from"], "to": p["to"]}
        for p in plans
        if p["target"] is not None
    ]
    if targets:
        layers.append(
            {
                "data": {"values": targets},
                "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#1d4ed8"},
                "encoding": {
                    **spans,
                    "y": {"field": "target", "type": "quantitative", "scale": y_scale},
                    "tooltip": [{"field": "label"}, {"field": "target"}],
                },
            }
        )
    if forecast:
        band = [
            {
                "date": forecast["from"],
                "low": forecast["from_value"],
                "high": forecast["from_value"],
                "mid": forecast["from_value"],
            },
            {
                "date": forecast["to"],
                "low": forecast["low"],
                "high": forecast["high"],
                "mid": forecast["value"],
            },
        ]
        layers += [
            {
                "data": {"values": band},
                "mark": {"type": "area", "opacity": 0.25, "color": "#6366f1"},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative", "scale": y_scale},
                    "y2": {"field": "high"},
                },
            },
            {
                "data": {"values": band},
                "mark": {"type": "line", "strokeDash": [3, 3], "color": "#4338ca"},
                "encoding": {
                    "x": x,
                    "y": {"field": "mid", "type": "quantitative", "scale": y_scale},
                    "tooltip": [{"field": "mid", "title": labels["forecast"], "format": ".4~r"}],
                },
            },
        ]
    layers.append(
        {
            "data": {"values": periods},
            "mark": {"type": "line", "point": {"filled": True, "size": 50}, "color": "#0f172a"},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "scale": y_scale},
                "tooltip": [
                    {"field": "date", "type": "temporal", "title": labels["date"]},
                    {"field": "value", "title": labels["value"], "format": ".4~r"},
                    {"field": "status_label", "title": labels["status"]},
                ],
            },
        }
    )
    if paced:
        layers += [
            {
                "data": {"values": paced},
                "mark": {"type": "rule", "strokeDash": [3, 3], "color": "#4338ca"},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "scale": y_scale},
                    "y2": {"field": "pace"},
                },
            },
            {
                "data": {"values": paced},
                "mark": {"type": "point", "filled": False, "size": 70, "color": "#4338ca"},
                "encoding": {
                    "x": x,
                    "y": {"field": "pace", "type": "quantitative", "scale": y_scale},
                    "tooltip": [{"field": "pace", "title": labels["pace"], "format": ".4~r"}],
                },
            },
        ]
    if annotations:
        layers.append(
            {
                "data": {"values": annotations},
                "mark": {"type": "rule", "color": "#7c3aed", "strokeWidth": 2},
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "tooltip": [
                        {"field": "date", "type": "temporal"},
                        {"field": "text", "title": labels["annotation"]},
                    ],
                },
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": 260,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": layers,
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
    }
