"""The scoring rules of the README's Scoring section, exactly, with the worked examples
and properties."""

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from waypoint.lib import scoring as s

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("kr_type", "start", "target", "current", "direction", "expected"),
    [
        ("increase", 55, 66, 60, "higher_is_better", 0.4545),
        ("decrease", 60, 50, 45, "higher_is_better", 1.0),
        ("decrease", 60, 45, 50, "higher_is_better", 0.6667),
        ("increase", 0, 400, 520, "higher_is_better", 1.0),
        ("decrease", 14, 3, 16, "higher_is_better", 0.0),
        ("maintain", None, 99.95, 99.9, "higher_is_better", 0.0),
        ("maintain", None, 99.95, 99.95, "higher_is_better", 1.0),
        ("maintain", None, 2, 1.5, "lower_is_better", 1.0),
        ("maintain", None, 2, 2.5, "lower_is_better", 0.0),
        ("milestone", None, None, 1, "higher_is_better", 1.0),
        ("milestone", None, None, 0, "higher_is_better", 0.0),
    ],
)
def test_progress_follows_the_worked_examples(kr_type, start, target, current, direction, expected):
    got = s.kr_progress(kr_type, start=start, target=target, current=current, direction=direction)
    assert got == pytest.approx(expected, abs=5e-5)


def test_a_key_result_without_check_in_has_no_progress():
    for kr_type in s.KR_TYPES:
        assert s.kr_progress(kr_type, start=0, target=10, current=None) == 0.0


def test_binary_mode_scores_the_same_increase_kr_at_60_as_zero():
    progress = s.kr_progress("increase", start=55, target=66, current=60)
    assert s.kr_score(progress, "binary") == 0.0
    assert s.kr_score(progress, "spectrum") == pytest.approx(0.4545, abs=5e-5)
    assert s.kr_score(1.0, "binary") == 1.0


def test_objective_score_is_the_weighted_mean_of_the_worked_example():
    assert s.weighted_mean([(0.4545, 1), (0.6667, 1), (1.0, 2)]) == pytest.approx(0.7803, abs=5e-5)


def test_objective_with_no_key_results_scores_zero():
    assert s.weighted_mean([]) == 0.0


def test_expected_progress_and_pace_over_a_quarter():
    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    assert s.expected_progress(start, end, dt.date(2025, 12, 1)) == 0.0
    assert s.expected_progress(start, end, start) == 0.0
    assert s.expected_progress(start, end, end) == 1.0
    assert s.expected_progress(start, end, dt.date(2026, 5, 1)) == 1.0
    mid = s.expected_progress(start, end, dt.date(2026, 2, 15))
    assert mid == pytest.approx(45 / 89)
    assert s.pace(0.7, mid) == pytest.approx(0.7 - 45 / 89)


def test_a_one_day_cycle_does_not_divide_by_zero():
    day = dt.date(2026, 1, 1)
    assert s.expected_progress(day, day, day) == 1.0
    assert s.expected_progress(day, day, day - dt.timedelta(1)) == 0.0


def test_a_kr_driven_by_children_takes_their_mean_score():
    objectives = {
        1: s.ObjectiveInput(
            id=1,
            key_results=[
                s.KeyResultInput(
                    id=10, type="increase", start=0, target=1, current=None, driven_by_children=True
                ),
                s.KeyResultInput(id=11, type="increase", start=0, target=10, current=10),
            ],
            children=[2, 3],
        ),
        2: s.ObjectiveInput(
            id=2,
            key_results=[s.KeyResultInput(id=20, type="increase", start=0, target=10, current=5)],
        ),
        3: s.ObjectiveInput(
            id=3,
            key_results=[
                s.KeyResultInput(id=30, type="milestone", start=None, target=None, current=1)
            ],
        ),
    }
    scores = s.score_objectives(objectives)
    assert scores.kr_progress[10] == pytest.approx(0.75)
    assert scores.objective[1] == pytest.approx((0.75 + 1.0) / 2)


def test_an_alignment_loop_does_not_recurse_forever():
    kr = s.KeyResultInput(
        id=1, type="increase", start=0, target=1, current=None, driven_by_children=True
    )
    kr2 = s.KeyResultInput(
        id=2, type="increase", start=0, target=1, current=None, driven_by_children=True
    )
    scores = s.score_objectives(
        {
            1: s.ObjectiveInput(id=1, key_results=[kr], children=[2]),
            2: s.ObjectiveInput(id=2, key_results=[kr2], children=[1]),
        }
    )
    assert scores.objective == {1: 0.0, 2: 0.0}


def test_binary_and_spectrum_objective_progress_differ_only_by_scoring():
    scores = s.score_objectives(
        {
            1: s.ObjectiveInput(
                id=1,
                key_results=[
                    s.KeyResultInput(
                        id=1, type="increase", start=0, target=10, current=5, scoring="binary"
                    )
                ],
            )
        }
    )
    assert scores.objective_progress[1] == 0.5
    assert scores.objective[1] == 0.0


# --- properties ---------------------------------------------------------------------------


@given(
    kr_type=st.sampled_from(s.KR_TYPES),
    start=finite,
    target=finite,
    current=finite,
    direction=st.sampled_from(s.DIRECTIONS),
)
def test_progress_is_always_between_zero_and_one(kr_type, start, target, current, direction):
    p = s.kr_progress(kr_type, start=start, target=target, current=current, direction=direction)
    assert 0.0 <= p <= 1.0


@given(start=finite, target=finite, a=finite, b=finite)
def test_increase_progress_never_falls_when_the_value_rises(start, target, a, b):
    assume(target > start)
    lo, hi = sorted((a, b))
    assert s.kr_progress("increase", start=start, target=target, current=lo) <= s.kr_progress(
        "increase", start=start, target=target, current=hi
    )


@given(start=finite, target=finite, a=finite, b=finite)
def test_decrease_progress_never_rises_when_the_value_rises(start, target, a, b):
    assume(target < start)
    lo, hi = sorted((a, b))
    assert s.kr_progress("decrease", start=start, target=target, current=lo) >= s.kr_progress(
        "decrease", start=start, target=target, current=hi
    )


@given(kr_type=st.sampled_from(s.KR_TYPES), start=finite, target=finite, current=finite)
def test_binary_scores_are_zero_or_one(kr_type, start, target, current):
    p = s.kr_progress(kr_type, start=start, target=target, current=current)
    assert s.kr_score(p, "binary") in (0.0, 1.0)


@given(kr_type=st.sampled_from(["increase", "decrease"]), value=finite, current=finite)
def test_a_zero_length_range_scores_without_crashing(kr_type, value, current):
    p = s.kr_progress(kr_type, start=value, target=value, current=current)
    assert p in (0.0, 1.0)


@given(pairs=st.lists(st.tuples(st.floats(0, 1), st.floats(0.01, 100)), min_size=1, max_size=8))
def test_the_objective_score_lies_between_its_worst_and_best_kr(pairs):
    m = s.weighted_mean(pairs)
    scores = [p for p, _ in pairs]
    assert min(scores) - 1e-9 <= m <= max(scores) + 1e-9


@given(start=st.dates(), length=st.integers(0, 800), offset=st.integers(-50, 900))
def test_expected_progress_is_a_fraction_that_grows_with_time(start, length, offset):
    assume(start.year < 9990)
    end = start + dt.timedelta(days=length)
    on = start + dt.timedelta(days=offset)
    e1 = s.expected_progress(start, end, on)
    e2 = s.expected_progress(start, end, on + dt.timedelta(days=1))
    assert 0.0 <= e1 <= e2 <= 1.0


def test_the_progress_chart_spec_draws_each_kr_against_the_expected_line():
    from waypoint.lib import charts

    spec = charts.progress_over_time(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        series={"NPS": [(dt.date(2026, 1, 12), 0.18), (dt.date(2026, 1, 26), 0.4545)]},
        expected_label="Expected",
        progress_label="Progress",
        date_label="Date",
    )
    expected, progress = spec["layer"]
    assert expected["data"]["values"][0]["progress"] == 0
    assert expected["data"]["values"][-1] == {
        "series": "Expected",
        "date": "2026-03-31",
        "progress": 1,
    }
    assert [v["progress"] for v in progress["data"]["values"]] == [0.18, 0.4545]
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    assert svg.startswith("<svg") and "Expected" in svg


def test_charts_speak_the_readers_language():
    from waypoint.lib import charts

    assert charts.vega_locale("ru")["timeFormatLocale"]["shortMonths"][0] == "янв"
    assert charts.vega_locale("pl")["formatLocale"]["decimal"] == ","


@given(st.one_of(finite, st.sampled_from([0.004999, 0.005, 0.045, -0.005, 0.125, 0.995, 1.005])))
def test_percent_shown_equals_floatformat_in_every_language(value):
    """The pages' percent filter rounds by hand (it is their hottest filter): it must show
    exactly what Django's ``floatformat`` would, half up, in all four languages. (Below a
    millionth, ``floatformat`` gives up and prints the float as it is; the filter says 0%.)"""
    assume(value == 0 or abs(value) > 1e-6)
    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from waypoint.okrs.templatetags.okrs import pct

    for lang in ("en", "ru", "zh-hans", "pl"):
        with translation.override(lang):
            assert pct(value) == f"{floatformat(value * 100, 0)}%"
