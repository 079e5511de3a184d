"""A key result's forecast: its check-ins' line extended to the cycle's end, with a band,
tested on synthetic series with a known trend; and the what-if on its target."""

import datetime as dt
import random

import pytest

from waypoint.lib.kpi import forecast_line
from waypoint.okrs import selectors
from waypoint.okrs import services as okr
from waypoint.okrs.templatetags.okrs import num

DAY0 = dt.date(2026, 1, 5)


def series(slope, intercept, noise, weeks=10, seed=7):
    rng = random.Random(seed)
    return [
        (DAY0 + dt.timedelta(weeks=w), intercept + slope * 7 * w + rng.gauss(0, noise))
        for w in range(weeks)
    ]


def test_a_known_trend_is_projected_to_the_end_and_the_band_holds_the_truth():
    end = DAY0 + dt.timedelta(days=90)
    truth = 10 + 0.5 * 90
    f = forecast_line(series(0.5, 10, 1.0), end)
    assert f.value == pytest.approx(truth, abs=2.5)
    assert f.low < truth < f.high
    assert f.high - f.low < 12  # ten points, little noise: a useful band


def test_an_exact_line_has_no_band_and_a_falling_one_falls():
    points = [(DAY0 + dt.timedelta(days=d), 100 - 2 * d) for d in (0, 7, 14, 21)]
    f = forecast_line(points, DAY0 + dt.timedelta(days=30))
    assert (f.value, f.low, f.high) == pytest.approx((40, 40, 40))


def test_the_band_widens_with_distance_and_noise():
    near, far = DAY0 + dt.timedelta(days=70), DAY0 + dt.timedelta(days=200)
    calm, noisy = series(0.3, 20, 0.5), series(0.3, 20, 4.0)
    width = lambda f: f.high - f.low  # noqa: E731
    assert width(forecast_line(calm, far)) > width(forecast_line(calm, near))
    assert width(forecast_line(noisy, near)) > width(forecast_line(calm, near))


def test_too_few_check_ins_give_no_forecast():
    assert forecast_line(series(1, 0, 0, weeks=2), DAY0 + dt.timedelta(days=30)) is None
    same_day = [(DAY0, 1.0), (DAY0, 2.0), (DAY0, 3.0)]
    assert forecast_line(same_day, DAY0 + dt.timedelta(days=30)) is None


@pytest.mark.parametrize("seed", range(20))
def test_over_many_series_the_band_holds_the_truth_about_as_often_as_it_says(seed):
    """The band is a 95 % prediction interval: over 50 noisy series with known trends, the
    true value at the end falls inside it in most of them."""
    rng = random.Random(seed)
    inside = 0
    for i in range(50):
        slope, intercept = rng.uniform(-1, 1), rng.uniform(0, 100)
        points = series(slope, intercept, 2.0, weeks=8, seed=seed * 100 + i)
        end = DAY0 + dt.timedelta(days=84)
        truth = intercept + slope * 84 + rng.gauss(0, 2.0)
        f = forecast_line(points, end)
        inside += f.low <= truth <= f.high
    assert inside >= 40  # 95 % of 50 is 47.5; the bound leaves room for chance


def test_the_objective_page_shows_the_forecast_and_a_what_if(
    client, owner_user, workspace, now_cycle, owner
):
    objective = okr.objective_create(
        workspace=workspace, cycle=now_cycle, title="Customers stay", owner=owner, actor=None
    )
    key_result = okr.key_result_create(
        objective=objective, title="NPS from 55 to 70", start=55, target=70, actor=None
    )
    start = now_cycle.start
    for week, value in enumerate([56, 58, 60, 62]):
        okr.checkin_create(
            key_result=key_result,
            date=start + dt.timedelta(weeks=week),
            value=value,
            actor=None,
        )
    key_result.refresh_from_db()
    end = key_result.objective.cycle.end
    with_checkins = type(key_result).objects.prefetch_related("checkins").get(pk=key_result.pk)
    f = selectors.kr_forecast(with_checkins, end)
    days = (end - start).days
    assert f.value == pytest.approx(56 + 2 * days / 7)
    what_if = selectors.kr_forecast(with_checkins, end, target=200)
    assert what_if.what_if and what_if.progress < f.progress
    client.force_login(owner_user)
    url = f"/w/acme/objectives/{key_result.objective_id}/"
    page = client.get(url).content.decode()
    assert f'data-forecast="{key_result.pk}"' in page and "What if the target were" in page
    # From 55 to 70 the estimate shows one decimal, not the fit's two: an estimate is no
    # more precise than the range it is read on.
    assert f.places == 1
    shown = num(f.value, 1)
    assert f"<strong>Forecast at the cycle's end:</strong>\n      {shown} " in page
    tried = client.get(f"{url}?kr={key_result.pk}&target=200").content.decode()
    assert "towards a target of 200" in tried
    assert client.get(f"{url}?kr={key_result.pk}&target=nan").status_code == 200


def test_a_day_of_many_check_ins_is_one_point_its_last(workspace, now_cycle, owner):
    """Corrections on the same day (or a burst of automatic ones) leave the day's last value,
    as the current value does: one point a day on the chart and in the fit."""
    objective = okr.objective_create(
        workspace=workspace, cycle=now_cycle, title="Customers stay", owner=owner, actor=None
    )
    kr = okr.key_result_create(
        objective=objective, title="NPS from 55 to 70", start=55, target=70, actor=None
    )
    start = now_cycle.start
    for day, value in [(0, 56), (0, 90), (0, 57), (7, 58), (14, 60), (14, 61)]:
        okr.checkin_create(
            key_result=kr, date=start + dt.timedelta(days=day), value=value, actor=None
        )
    with_checkins = type(kr).objects.prefetch_related("checkins").get(pk=kr.pk)
    assert selectors.day_values(with_checkins) == [
        (start, 57),
        (start + dt.timedelta(days=7), 58),
        (start + dt.timedelta(days=14), 61),
    ]
    f = selectors.kr_forecast(with_checkins, now_cycle.end)
    assert f.value == pytest.approx(
        forecast_line(selectors.day_values(with_checkins), now_cycle.end).value
    )
    everything = [(c.date, c.value) for c in with_checkins.checkins.all()]
    assert f.value != pytest.approx(forecast_line(everything, now_cycle.end).value)
