"""KPI maths as pure functions: periods, aggregation, health, forecast and derivation (seed 002).

A KPI is the gauge of an ongoing process (seeds 001, 002). Its data points are grouped into
periods by its frequency and aggregated; the aggregate's health comes from its direction and
thresholds. Reaching a threshold puts the KPI in that threshold's zone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HIGHER = "higher_is_better"
LOWER = "lower_is_better"
BAND = "within_band"
DIRECTIONS = (HIGHER, LOWER, BAND)

DAILY, WEEKLY, MONTHLY, QUARTERLY = "daily", "weekly", "monthly", "quarterly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY, QUARTERLY)

SUM, AVERAGE, LAST, MIN, MAX = "sum", "average", "last", "min", "max"
AGGREGATIONS = (SUM, AVERAGE, LAST, MIN, MAX)

HEALTHY, WARNING, CRITICAL = "healthy", "warning", "critical"
SEVERITY = {HEALTHY: 0, WARNING: 1, CRITICAL: 2}


# --- Periods --------------------------------------------------------------------------------


def period_of(day: dt.date, frequency: str) -> tuple[dt.date, dt.date]:
    """The period (first and last day) of a frequency that contains a day; weeks start Monday."""
    if frequency == DAILY:
        return day, day
    if frequency == WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if frequency == MONTHLY:
        start = day.replace(day=1)
        return start, _next_month(start) - dt.timedelta(days=1)
    if frequency == QUARTERLY:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        end = _next_month(_next_month(_next_month(start))) - dt.timedelta(days=1)
        return start, end
    raise ValueError(f"unknown frequency {frequency!r}")


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def previous_period(start: dt.date, frequency: str) -> tuple[dt.date, dt.date]:
    return period_of(start - dt.timedelta(days=1), frequency)


def working_days(start: dt.date, end: dt.date) -> int:
    """Monday to Friday days from start to end, both included."""
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for i in range(rest):
        if (start + dt.timedelta(days=full_weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


# --- Aggregation and health ------------------------------------------------------------------


def aggregate(values: Sequence[float], method: str) -> float | None:
    """One number for a period; values are in date order (``last`` takes the latest)."""
    if not values:
        return None
    if method == SUM:
        return float(sum(values))
    if method == AVERAGE:
        return float(sum(values)) / len(values)
    if method == LAST:
        return float(values[-1])
    if method == MIN:
        return float(min(values))
    if method == MAX:
        return float(max(values))
    raise ValueError(f"unknown aggregation {method!r}")


@dataclass(frozen=True)
class Thresholds:
    """Where a KPI's zones begin.

    Higher is better: ``warning`` and ``critical`` are floors (critical <= warning).
    Lower is better: they are ceilings (critical >= warning).
    Within a band: ``warning``/``critical`` are the low side, ``warning_high``/
    ``critical_high`` the high side; healthy is strictly between the two warnings.
    """

    direction: str
    warning: float | None = None
    critical: float | None = None
    warning_high: float | None = None
    critical_high: float | None = None

    def at(self, day: dt.date) -> Thresholds:
        return self


@dataclass(frozen=True)
class Schedule:
    """Thresholds that changed over time (seed 002: a plan corrected from a date on): each
    earlier plan applies up to its last day (``earlier``: (last day, thresholds), in date
    order), the current one after the last of them."""

    earlier: tuple[tuple[dt.date, Thresholds], ...]
    current: Thresholds

    def at(self, day: dt.date) -> Thresholds:
        for until, thresholds in self.earlier:
            if day <= until:
                return thresholds
        return self.current


def status(value: float | None, t: Thresholds) -> str | None:
    """healthy, warning or critical; None without a value. Reaching a threshold crosses it."""
    if value is None:
        return None
    if t.direction == HIGHER:
        if t.critical is not None and value <= t.critical:
            return CRITICAL
        if t.warning is not None and value <= t.warning:
            return WARNING
        return HEALTHY
    if t.direction == LOWER:
        if t.critical is not None and value >= t.critical:
            return CRITICAL
        if t.warning is not None and value >= t.warning:
            return WARNING
        return HEALTHY
    if t.direction == BAND:
        if (t.critical is not None and value <= t.critical) or (
            t.critical_high is not None and value >= t.critical_high
        ):
            return CRITICAL
        if (t.warning is not None and value <= t.warning) or (
            t.warning_high is not None and value >= t.warning_high
        ):
            return WARNING
        return HEALTHY
    raise ValueError(f"unknown direction {t.direction!r}")


def threshold_errors(t: Thresholds) -> dict[str, str]:
    """Field -> problem for thresholds that contradict their direction (English, for services)."""
    errors = {}
    if t.direction == HIGHER and None not in (t.warning, t.critical) and t.critical > t.warning:
        errors["critical"] = "critical must not be above warning when higher is better"
    if t.direction == LOWER and None not in (t.warning, t.critical) and t.critical < t.warning:
        errors["critical"] = "critical must not be below warning when lower is better"
    if t.direction == BAND:
        if None in (t.warning, t.warning_high):
            errors["warning_high"] = "a band needs a low and a high warning threshold"
        elif t.warning >= t.warning_high:
            errors["warning_high"] = "the high warning threshold must be above the low one"
        if t.critical is not None and t.warning is not None and t.critical > t.warning:
            errors["critical"] = "the low critical threshold must not be above the low warning"
        if (
            t.critical_high is not None
            and t.warning_high is not None
            and t.critical_high < t.warning_high
        ):
            errors["critical_high"] = "the high critical threshold must not be below the warning"
    return errors


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    value: float | None
    count: int
    status: str | None
    # A summed period still running: its value so far scaled to the whole period, which is
    # what its status judges (on the 1st of a month a monthly total has barely begun).
    pace: float | None = None


def stored(periods: list[Period], keep: int) -> list[dict]:
    """The last ``keep`` periods as a KPI stores them (JSON), oldest first."""
    return [
        {
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "value": p.value,
            "count": p.count,
            "status": p.status,
            "pace": p.pace,
        }
        for p in periods[-keep:]
    ]


def from_stored(rows: list[dict]) -> list[Period]:
    """Periods back from what ``stored`` wrote."""
    return [
        Period(
            start=dt.date.fromisoformat(r["start"]),
            end=dt.date.fromisoformat(r["end"]),
            value=r["value"],
            count=r["count"],
            status=r["status"],
            pace=r.get("pace"),
        )
        for r in rows or []
    ]


def pace(value: float, start: dt.date, end: dt.date, today: dt.date) -> float:
    """A running total's value at the end of its period if it keeps its rate so far."""
    return value * ((end - start).days + 1) / ((today - start).days + 1)


def periods(
    points: Iterable[tuple[dt.date, float]],
    *,
    frequency: str,
    method: str,
    thresholds: Thresholds | Schedule,
    today: dt.date | None = None,
) -> list[Period]:
    """Data points grouped into periods (oldest first), aggregated and judged (each by the
    thresholds in force on its first day).

    Given ``today``, a summed period that is not over yet is judged on its pace through the
    later of its last data day and yesterday (today is not over either): data that stops
    arriving lowers the pace. An average, a last value, a minimum or a maximum of part of a
    period is judged as it stands.
    """
    grouped: dict[tuple[dt.date, dt.date], list[tuple[dt.date, float]]] = {}
    for day, value in points:
        grouped.setdefault(period_of(day, frequency), []).append((day, value))
    out = []
    for (start, end), rows in sorted(grouped.items()):
        rows.sort(key=lambda r: r[0])
        value = aggregate([v for _, v in rows], method)
        paced = None
        if method == SUM and today is not None and start <= today <= end:
            through = max(rows[-1][0], today - dt.timedelta(days=1))
            paced = pace(value, start, end, min(through, end))
        judged = value if paced is None else paced
        out.append(
            Period(start, end, value, len(rows), status(judged, thresholds.at(start)), paced)
        )
    return out


# --- Forecast -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """The period's expected final value with an uncertainty band (about 95 %)."""

    value: float
    low: float
    high: float


def forecast_period(
    points: Sequence[tuple[dt.date, float]],
    *,
    start: dt.date,
    end: dt.date,
    method: str,
    today: dt.date | None = None,
) -> Forecast | None:
    """Project the current period's aggregate to its last day.

    A summed KPI projects its daily run rate (its pace: given ``today``, the days count
    through yesterday when no data came since, as in ``periods``); the others extend a
    least-squares line through the period's points (and the few before, when the period has
    fewer than three). The band widens with the scatter of the points around the line.
    """
    inside = [(d, v) for d, v in points if start <= d <= end]
    if not inside:
        return None
    total_days = (end - start).days + 1
    if method == SUM:
        last = max(d for d, _ in inside)
        if today is not None:
            last = min(max(last, today - dt.timedelta(days=1)), end)
        elapsed = (last - start).days + 1
        so_far = sum(v for _, v in inside)
        daily = [sum(v for d, v in inside if d == day) for day in sorted({d for d, _ in inside})]
        value = pace(so_far, start, end, last)
        spread = _stdev(daily) * math.sqrt(max(total_days - elapsed, 0)) * 1.96
        return Forecast(value, max(so_far, value - spread), value + spread)
    fit_points = inside if len(inside) >= 3 else [p for p in points if p[0] <= end][-3:]
    xs = [(d - start).days for d, _ in fit_points]
    ys = [v for _, v in fit_points]
    if len(set(xs)) < 2:
        return Forecast(ys[-1], ys[-1], ys[-1])
    slope, intercept = _least_squares(xs, ys)
    at_end = slope * (total_days - 1) + intercept
    residuals = [y - (slope * x + intercept) for x, y in zip(xs, ys, strict=True)]
    spread = 1.96 * (_stdev(residuals) or abs(at_end) * 0.02)
    value = at_end
    if method == AVERAGE:
        # The period's mean: what is measured so far, plus the line's values for the days left.
        projected = [slope * x + intercept for x in range(max(xs) + 1, total_days)]
        observed = [v for _, v in inside]
        value = (sum(observed) + sum(projected)) / (len(observed) + len(projected))
    return Forecast(value, value - spread, value + spread)


def forecast_line(
    points: Sequence[tuple[dt.date, float]], at: dt.date, *, min_points: int = 3
) -> Forecast | None:
    """A key result's value on ``at`` (its cycle's end) from its check-ins: the least-squares
    line through them, extended, with the 95 % prediction band of that line (wider the
    fewer and the more scattered the points, and the farther ``at`` lies). None with fewer
    than ``min_points`` check-ins or all on one day."""
    if len(points) < min_points:
        return None
    origin = min(d for d, _ in points)
    xs = [(d - origin).days for d, _ in points]
    ys = [v for _, v in points]
    if len(set(xs)) < 2:
        return None
    slope, intercept = _least_squares(xs, ys)
    x0 = (at - origin).days
    value = slope * x0 + intercept
    n = len(xs)
    residuals = [y - (slope * x + intercept) for x, y in zip(xs, ys, strict=True)]
    s = math.sqrt(sum(r * r for r in residuals) / (n - 2)) if n > 2 else 0.0
    mean_x = sum(xs) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    spread = _t95(n - 2) * s * math.sqrt(1 + 1 / n + (x0 - mean_x) ** 2 / sxx)
    return Forecast(value, value - spread, value + spread)


# Student's t at 97.5 % for 1 to 30 degrees of freedom: a line through few check-ins is
# less certain than the normal distribution's 1.96 says.
_T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def _t95(df: int) -> float:
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96


def _least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, my - slope * mx


def _stdev(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    m = sum(values) / len(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


# --- Derivation (seed 002) --------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """Output each executor must deliver per time unit, exact and rounded for people."""

    exact: float
    rounded: float
    every: float | None  # when below one: one unit every N time units

    @property
    def label_value(self) -> float:
        return self.rounded


def sensible_round(x: float) -> float:
    """Two significant figures, never rounding a real need down to zero (31.75 -> 32)."""
    if x == 0:
        return 0.0
    digits = 2 - math.floor(math.log10(abs(x))) - 1
    rounded = round(x, digits)
    return rounded if rounded != 0 else x


def rate_per_executor(*, output: float, executors: int, time_units: float) -> Rate:
    """2,000 m² a month, 3 plasterers, 21 working days -> about 32 m² a day each.

    1 article a week, 2 experts, 1 week -> 0.5 a week each: one every 2 weeks each.
    """
    if output <= 0 or executors <= 0 or time_units <= 0:
        raise ValueError("output, executors and time units must all be above zero")
    exact = output / (executors * time_units)
    every = sensible_round(1 / exact) if exact < 1 else None
    return Rate(exact=exact, rounded=sensible_round(exact), every=every)


@dataclass(frozen=True)
class FunnelStage:
    name: str
    volume: float
    conversion_to_next: float | None  # as a fraction; None for the final stage


def funnel_back(
    final_target: float, stages: Sequence[tuple[str, float | None]]
) -> list[FunnelStage]:
    """Volumes each stage needs so the last one meets its target.

    ``stages`` lists (name, conversion to the next stage as a fraction) from the top of the
    funnel down; the last stage's conversion is None. Volumes are rounded up: half a lead
    is still a lead to find.
    """
    if final_target <= 0:
        raise ValueError("the final target must be above zero")
    if not stages or stages[-1][1] is not None:
        raise ValueError("the last stage has no conversion; every other stage needs one")
    volumes = [float(final_target)]
    for _name, conversion in reversed(stages[:-1]):
        if conversion is None or not 0 < conversion <= 1:
            raise ValueError("each conversion must be above 0 and at most 100%")
        volumes.append(math.ceil(volumes[-1] / conversion - 1e-9))
    volumes.reverse()
    return [
        FunnelStage(name, volume, conversion)
        for (name, conversion), volume in zip(stages, volumes, strict=True)
    ]
