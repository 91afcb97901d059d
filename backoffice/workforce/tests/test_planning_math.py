"""The staffing arithmetic and the forecast, worked by hand (no database)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backoffice.workforce.planning import forecast as fc
from backoffice.workforce.planning.erlang import (
    agents_for_service,
    backlog_load,
    backlog_people,
    erlang_c,
    service_level,
    with_shrinkage,
)
from backoffice.workforce.planning.staffing import Assumptions, Demand, Work, grid, plan


def test_backlog_requirement_worked_by_hand():
    """10,000 items x 6 minutes = 60,000 minutes = 1,000 hours of work.
    One person over 48 business hours with 30 % shrinkage and 85 % occupancy is productive
    48 x 0.70 x 0.85 = 28.56 hours. 1,000 / 28.56 = 35.01 -> 36 people (a person is not
    divisible: 35 would leave 0.4 hours undone)."""
    load = backlog_load(items=10_000, handle_minutes=6, hours=48, shrinkage=0.3, occupancy=0.85)
    assert load == pytest.approx(1000 / 28.56)
    assert (
        backlog_people(items=10_000, handle_minutes=6, hours=48, shrinkage=0.3, occupancy=0.85)
        == 36
    )
    # Exactly divisible: 28.56 hours of work is one person, not two.
    assert (
        backlog_people(items=285.6, handle_minutes=6, hours=48, shrinkage=0.3, occupancy=0.85) == 1
    )
    assert backlog_people(items=0, handle_minutes=6, hours=48, shrinkage=0.3, occupancy=0.85) == 0
    assert backlog_people(items=5, handle_minutes=6, hours=0, shrinkage=0.3, occupancy=0.85) is None


def test_erlang_c_against_the_published_worked_example():
    """Call Centre Helper, "The Erlang C Formula - Made Simple With an Easy Worked Example":
    100 calls in 30 minutes, AHT 180 s -> 10 Erlangs; with 11 agents the probability a call
    waits is 0.6821; the 80 % in 20 s target needs 14 agents; with 30 % shrinkage
    14 / 0.7 = 20 people to schedule. (Service levels by our formula, by hand:
    11 agents 1 - 0.6821 x e^(-1 x 20/180) = 38.96 %; 13 agents 79.56 %, just short;
    14 agents 88.84 %.)"""
    assert erlang_c(10, 11) == pytest.approx(0.6821, abs=5e-5)
    assert service_level(10, 11, 180, 20) == pytest.approx(0.3896, abs=1e-4)
    assert service_level(10, 13, 180, 20) < 0.80 < service_level(10, 14, 180, 20)
    assert service_level(10, 14, 180, 20) == pytest.approx(0.888, abs=1e-3)
    n = agents_for_service(
        arrivals=100, interval_seconds=1800, handle_seconds=180, target_seconds=20,
        service_target=0.80,
    )  # fmt: skip
    assert n == 14
    assert with_shrinkage(n, 0.30) == 20


def test_erlang_c_edges_and_the_occupancy_cap():
    assert erlang_c(0, 3) == 0
    assert erlang_c(5, 5) == 1.0  # cannot keep up
    assert agents_for_service(
        arrivals=0, interval_seconds=1800, handle_seconds=180, target_seconds=20, service_target=0.8
    ) == 0  # fmt: skip
    # 10 Erlangs at 60 % occupancy at most: 10 / 0.6 = 16.7 -> 17 agents, above the 14 of 80/20.
    assert agents_for_service(
        arrivals=100, interval_seconds=1800, handle_seconds=180, target_seconds=20,
        service_target=0.8, max_occupancy=0.6,
    ) == 17  # fmt: skip


def _weekly(last: date, weeks: int, noise: float = 6.0) -> dict[date, int]:
    rng = random.Random(7)
    pattern = [100, 110, 105, 120, 90, 20, 10]
    out = {}
    for n in range(weeks * 7):
        d = last - timedelta(days=n)
        out[d] = max(0, round(pattern[d.weekday()] + rng.gauss(0, noise)))
    return out


def test_forecast_beats_the_seasonal_naive_baseline_on_held_out_history():
    """A weekly pattern with noise: Holt-Winters averages the noise away, the seasonal-naive
    baseline repeats last week's noise, so the model's error on the held-out week is lower."""
    last = date(2026, 11, 29)
    f = fc.forecast(
        fc.History(_weekly(last, 8), {}, last), label="Claims", first_day=date(2026, 11, 30), days=7
    )
    a = f.accuracy
    assert a.first_day == date(2026, 11, 23) and len(a.actual) == 7
    assert a.model_mae < a.baseline_mae and a.beats_baseline
    assert f.method.startswith("Holt-Winters")
    # The forecast keeps the weekly shape: Thursday the busiest, Sunday the quietest.
    by_day = dict(zip(f.days, f.daily, strict=True))
    assert max(by_day, key=by_day.__getitem__).weekday() == 3
    assert min(by_day, key=by_day.__getitem__).weekday() == 6


def test_errors_worked_by_hand():
    """actual 10, 0, 5 against 8, 0, 10: MAE (2 + 0 + 5) / 3 = 2.33; sMAPE terms 2x2/18 = 0.2222,
    0 (both zero), 2x5/15 = 0.6667 -> 100 x 0.8889 / 3 = 29.63 %."""
    assert fc.mae([10, 0, 5], [8, 0, 10]) == pytest.approx(7 / 3)
    assert fc.smape([10, 0, 5], [8, 0, 10]) == pytest.approx(29.63, abs=0.01)


def test_a_holiday_is_kept_apart_and_forecast_with_its_factor():
    """History with one holiday that brought a quarter of its weekday: the factor is 0.25
    and a coming holiday is forecast at a quarter of a normal day."""
    last = date(2026, 11, 29)
    daily = _weekly(last, 8, noise=0)
    past, coming = date(2026, 11, 12), date(2026, 12, 3)  # both Thursdays
    daily[past] = 30  # a normal Thursday brings 120
    f = fc.forecast(
        fc.History(daily, {}, last), label="Claims", first_day=date(2026, 11, 30), days=7,
        holidays=frozenset({past, coming}),
    )  # fmt: skip
    assert f.holiday_factor == pytest.approx(0.25)
    assert f.on(coming) == pytest.approx(0.25 * 120, rel=0.05)  # a normal Thursday: 120


def test_too_little_history_is_a_sentence():
    last = date(2026, 11, 29)
    with pytest.raises(fc.TooLittleHistory) as err:
        fc.forecast(fc.History(_weekly(last, 2), {}, last), label="Claims", first_day=last, days=7)
    assert str(err.value) == (
        "A forecast for Claims needs at least three weeks of arrivals (21 days: two to learn "
        "the weekly pattern and one to check it); it has 14 days."
    )
    with pytest.raises(fc.TooLittleHistory, match="it has no arrivals yet"):
        fc.forecast(fc.History({}, {}, last), label="Claims", first_day=last, days=7)


def _flat_forecast(per_day: float, first: date) -> fc.Forecast:
    acc = fc.Accuracy(first, [0], [0.0], [0.0], 0, 0, 0, 0)
    return fc.Forecast(
        label="x", days=[first + timedelta(n) for n in range(3)], daily=[per_day] * 3,
        accuracy=acc, method="test", holiday_factor=0, history_days=21,
        profile={wd: [1 / 48] * 48 for wd in range(7)},
    )  # fmt: skip


def test_deferred_staffing_and_the_gap_worked_by_hand():
    """Deferred work: 120 items a day x 6 min = 12 hours of work on a day open 09:00-17:00
    (16 half hours). Each half hour one person is productive 0.5 x 0.7 x 0.85 = 0.2975 h, so
    12 / (16 x 0.2975) = 2.521 people in each open half hour, none outside.
    Scheduled: one agent 09:00-17:00 with a break 12:00-12:30, another 09:00-13:00.
    At 09:00 two are scheduled (gap -0.52, short); at 12:00 one (the other is on break);
    at 13:00 one. What-if two people on leave: never below zero."""
    zone = ZoneInfo("UTC")
    day = date(2026, 12, 7)  # a Monday

    def working(at: datetime) -> bool:
        return 9 <= at.astimezone(zone).hour < 17

    demand = Demand(1, "Claims", _flat_forecast(120, day - timedelta(1)), zone, working, 360)
    starts = grid(datetime(2026, 12, 7, tzinfo=UTC), 1)
    at = lambda h, m=0: datetime(2026, 12, 7, h, m, tzinfo=UTC)  # noqa: E731
    work = [Work(at(9), at(12)), Work(at(12, 30), at(17)), Work(at(9), at(13))]
    rows = plan([demand], work, starts, Assumptions())
    each = 12 / (16 * 0.2975)
    assert rows[18].required == pytest.approx(each)  # 09:00
    assert rows[17].required == 0  # 08:30, closed
    assert rows[18].scheduled == 2 and rows[18].short
    assert rows[24].scheduled == 1 and rows[26].scheduled == 1  # 12:00 and 13:00
    assert sum(r.required for r in rows) * 0.2975 == pytest.approx(12)
    # +20 % volume and -10 % handle time: 12 x 1.2 x 0.9 = 12.96 hours of work.
    what = plan([demand], work, starts, Assumptions(volume=1.2, handle=0.9, on_leave=2))
    assert what[18].required == pytest.approx(12.96 / (16 * 0.2975))
    assert what[18].scheduled == 0 and what[24].scheduled == 0


def test_immediate_staffing_uses_erlang_c_per_half_hour():
    """An engagement answered within 20 s: 100 arrivals in the 10:00 half hour (all of the
    day's arrivals there), AHT 180 s, 80/20 -> 14 on work, 20 scheduled with 30 % shrinkage."""
    zone = ZoneInfo("UTC")
    first = date(2026, 12, 7)
    f = _flat_forecast(100, first - timedelta(1))
    f.profile = {wd: [1.0 if s == 20 else 0.0 for s in range(48)] for wd in range(7)}
    d = Demand(1, "Calls", f, zone, lambda _: True, 180, immediate=True, target_seconds=20)
    rows = plan([d], [], grid(datetime(2026, 12, 7, tzinfo=UTC), 1), Assumptions())
    assert rows[20].required == 20
    assert sum(r.required for r in rows) == 20


def test_a_horizon_that_starts_in_the_past_shows_what_arrived_then_the_forecast():
    """The staffing page asks from yesterday (zones ahead of UTC): a past day is what arrived,
    not a crash."""
    last = date(2026, 11, 29)
    daily = _weekly(last, 4)
    f = fc.forecast(fc.History(daily, {}, last), label="Claims", first_day=last, days=3)
    assert f.days == [last, last + timedelta(1), last + timedelta(2)]
    assert f.daily[0] == daily[last]
    assert f.daily[1] > 50  # a Monday, forecast
