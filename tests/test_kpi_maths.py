"""KPI maths: health at every threshold edge, periods, forecasts, and seed 002's derivations."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waypoint.kpis import importing
from waypoint.lib import kpi as k

UP = k.Thresholds(direction=k.HIGHER, warning=90, critical=80)
DOWN = k.Thresholds(direction=k.LOWER, warning=4, critical=8)
BAND = k.Thresholds(
    direction=k.BAND, warning=200, critical=100, warning_high=600, critical_high=800
)


@pytest.mark.parametrize(
    ("t", "value", "expected"),
    [
        (UP, 95, "healthy"),
        (UP, 90.0001, "healthy"),
        (UP, 90, "warning"),
        (UP, 85, "warning"),
        (UP, 80.0001, "warning"),
        (UP, 80, "critical"),
        (UP, 10, "critical"),
        (DOWN, 2, "healthy"),
        (DOWN, 3.9999, "healthy"),
        (DOWN, 4, "warning"),
        (DOWN, 7.99, "warning"),
        (DOWN, 8, "critical"),
        (DOWN, 20, "critical"),
        (BAND, 400, "healthy"),
        (BAND, 200.01, "healthy"),
        (BAND, 200, "warning"),
        (BAND, 100.5, "warning"),
        (BAND, 100, "critical"),
        (BAND, 599.99, "healthy"),
        (BAND, 600, "warning"),
        (BAND, 799, "warning"),
        (BAND, 800, "critical"),
        (BAND, 5000, "critical"),
    ],
)
def test_status_for_each_direction_and_threshold_edge(t, value, expected):
    """Reaching a threshold crosses it: exactly on the warning line is a warning."""
    assert k.status(value, t) == expected


def test_no_value_has_no_status_and_no_thresholds_is_always_healthy():
    assert k.status(None, UP) is None
    assert k.status(-5, k.Thresholds(direction=k.HIGHER)) == "healthy"


@pytest.mark.parametrize(
    "t",
    [
        k.Thresholds(direction=k.HIGHER, warning=80, critical=90),
        k.Thresholds(direction=k.LOWER, warning=8, critical=4),
        k.Thresholds(direction=k.BAND, warning=600, warning_high=200),
    ],
)
def test_contradictory_thresholds_are_named(t):
    assert k.threshold_errors(t)


@given(value=st.floats(-1e6, 1e6), w=st.floats(-1e5, 1e5), gap=st.floats(0, 1e5))
def test_a_higher_value_is_never_less_healthy(value, w, gap):
    t = k.Thresholds(direction=k.HIGHER, warning=w, critical=w - gap)
    a, b = k.status(value, t), k.status(value + 1, t)
    assert k.SEVERITY[b] <= k.SEVERITY[a]


def test_seed_002_plasterers_give_about_32_square_metres_a_day_each():
    rate = k.rate_per_executor(output=2000, executors=3, time_units=21)
    assert rate.exact == pytest.approx(31.746, abs=1e-3)
    assert rate.rounded == 32
    assert rate.every is None


def test_seed_002_experts_write_one_article_every_two_weeks_each():
    rate = k.rate_per_executor(output=1, executors=2, time_units=1)
    assert rate.exact == 0.5
    assert rate.every == 2


def test_the_funnel_is_back_calculated_from_the_final_target():
    stages = k.funnel_back(10, [("Blog visitors", 0.02), ("Leads", 0.10), ("Deals", None)])
    assert [(s.name, s.volume) for s in stages] == [
        ("Blog visitors", 5000),
        ("Leads", 100),
        ("Deals", 10),
    ]


def test_funnel_volumes_round_up_to_whole_people():
    stages = k.funnel_back(7, [("Leads", 0.3), ("Deals", None)])
    assert stages[0].volume == 24  # 23.33 leads would not be enough


@pytest.mark.parametrize(
    "bad",
    [
        dict(final_target=0, stages=[("A", 0.5), ("B", None)]),
        dict(final_target=5, stages=[("A", 0), ("B", None)]),
        dict(final_target=5, stages=[("A", 1.5), ("B", None)]),
        dict(final_target=5, stages=[("A", 0.5), ("B", 0.5)]),
    ],
)
def test_a_funnel_with_impossible_numbers_is_refused(bad):
    with pytest.raises(ValueError):
        k.funnel_back(**bad)


def test_periods_follow_the_calendar():
    day = dt.date(2026, 11, 22)  # a Sunday
    assert k.period_of(day, k.WEEKLY) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert k.period_of(day, k.MONTHLY) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert k.period_of(day, k.QUARTERLY) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert k.period_of(dt.date(2026, 2, 10), k.MONTHLY)[1] == dt.date(2026, 2, 28)
    assert k.working_days(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == 21


@pytest.mark.parametrize(
    ("method", "expected"), [("sum", 60), ("average", 20), ("last", 30), ("min", 10), ("max", 30)]
)
def test_aggregation_of_a_period(method, expected):
    points = [(dt.date(2026, 11, 2), 10), (dt.date(2026, 11, 3), 20), (dt.date(2026, 11, 4), 30)]
    (period,) = k.periods(points, frequency=k.WEEKLY, method=method, thresholds=UP)
    assert period.value == expected and period.count == 3


def test_a_summed_kpi_forecasts_its_run_rate_to_the_end_of_the_period():
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    points = [(start + dt.timedelta(days=i), 10.0) for i in range(10)]
    f = k.forecast_period(points, start=start, end=end, method=k.SUM)
    assert f.value == pytest.approx(300)
    assert f.low <= f.value <= f.high


def test_a_trend_is_extended_with_an_uncertainty_band():
    start, end = dt.date(2026, 11, 2), dt.date(2026, 11, 8)
    points = [
        (start, 10.0),
        (start + dt.timedelta(1), 12.2),
        (start + dt.timedelta(2), 13.9),
        (start + dt.timedelta(3), 16.1),
    ]
    f = k.forecast_period(points, start=start, end=end, method=k.LAST)
    assert f.value == pytest.approx(22, abs=0.6)
    assert f.low < f.value < f.high


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("12", 12),
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("1 234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("45%", 45),
        (7, 7),
        ("abc", None),
        ("", None),
    ],
)
def test_numbers_are_read_the_way_people_write_them(cell, value):
    assert importing.parse_number(cell) == value


def test_a_table_names_each_bad_row_and_keeps_none():
    parsed = importing.parse_text(
        "date;value\n2026-11-02;10\n2026-11-03;ten\n31.11.2026;4\n2026-11-02;12\n"
    )
    assert not parsed.ok and parsed.skipped_header
    assert any("Row 3, column 2" in e and "ten" in e for e in parsed.errors)
    assert any("Row 4, column 1" in e for e in parsed.errors)
    assert any("Row 5" in e and "row 2" in e for e in parsed.errors)


TICKETS = k.Thresholds(
    direction=k.BAND, warning=200, critical=100, warning_high=600, critical_high=800
)


def test_a_running_monthly_total_is_judged_on_its_pace_not_its_first_day():
    """11 tickets on 1 December is on pace for 341 a month: healthy, not critical."""
    first = dt.date(2026, 12, 1)
    (period,) = k.periods(
        [(first, 11.0)], frequency=k.MONTHLY, method=k.SUM, thresholds=TICKETS, today=first
    )
    assert period.value == 11 and period.pace == pytest.approx(341)
    assert period.status == k.HEALTHY
    # Without a today (or once the month is over) the total is judged as it stands.
    (done,) = k.periods([(first, 11.0)], frequency=k.MONTHLY, method=k.SUM, thresholds=TICKETS)
    assert done.status == k.CRITICAL and done.pace is None
    (after,) = k.periods(
        [(first, 11.0)],
        frequency=k.MONTHLY,
        method=k.SUM,
        thresholds=TICKETS,
        today=dt.date(2027, 1, 2),
    )
    assert after.status == k.CRITICAL and after.pace is None


def test_a_running_total_behind_its_pace_is_caught_before_the_period_ends():
    """45 tickets by 15 November is on pace for 90: critical now, not at the month's end."""
    points = [(dt.date(2026, 11, d), 3.0) for d in range(1, 16)]
    *_, period = k.periods(
        points, frequency=k.MONTHLY, method=k.SUM, thresholds=TICKETS, today=dt.date(2026, 11, 15)
    )
    assert period.pace == pytest.approx(90) and period.status == k.CRITICAL


def test_only_a_summed_period_is_paced():
    first = dt.date(2026, 12, 1)
    (period,) = k.periods(
        [(first, 95.0)], frequency=k.MONTHLY, method=k.AVERAGE, thresholds=UP, today=first
    )
    assert period.pace is None and period.status == k.HEALTHY


def test_the_pace_runs_through_yesterday_or_the_last_data_day():
    """Today is not over: on 2 December, with the 1st's 11 tickets in, the pace holds at 341.
    A week with no new data lowers it: through the 7th, 11 tickets is on pace for 49."""
    points = [(dt.date(2026, 12, 1), 11.0)]

    def judged(today):
        (period,) = k.periods(
            points, frequency=k.MONTHLY, method=k.SUM, thresholds=TICKETS, today=today
        )
        return period

    assert judged(dt.date(2026, 12, 2)).pace == pytest.approx(341)
    assert judged(dt.date(2026, 12, 2)).status == k.HEALTHY
    assert judged(dt.date(2026, 12, 8)).pace == pytest.approx(11 * 31 / 7)
    assert judged(dt.date(2026, 12, 8)).status == k.CRITICAL
    # The forecast counts the days the same way, so the KPI page agrees with its status.
    forecast = k.forecast_period(
        points,
        start=dt.date(2026, 12, 1),
        end=dt.date(2026, 12, 31),
        method=k.SUM,
        today=dt.date(2026, 12, 8),
    )
    assert forecast.value == pytest.approx(judged(dt.date(2026, 12, 8)).pace)
    # On the period's last day the pace runs through the day before it.
    assert judged(dt.date(2026, 12, 31)).pace == pytest.approx(11 * 31 / 30)
