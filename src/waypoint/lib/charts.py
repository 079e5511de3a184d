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
) -> dict:
    """Each key result's progress at every check-in, against the straight expected line."""
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
        ],
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
    }
