"""Arrivals forecast per engagement: per day with statsmodels' Holt-Winters (additive weekly
seasonality), per half hour by each weekday's intraday profile; the client's holidays kept
apart; the error measured on the last week of history against a seasonal-naive baseline.

Why this model and library: docs/decisions/0011-forecasting.md. The steps:

1. The series is the arrivals of each local day (the engagement's calendar zone) from the
   first day with an arrival to yesterday. A holiday or closure of the client's calendar is
   not a normal weekday: in the series it is replaced by the same weekday a week before (or
   after), and the ratio of what arrived on past holidays to that replacement becomes the
   holiday factor (0 when history holds no holiday: the client is closed).
2. Held-out check: the model is fitted on all but the last 7 days and forecasts them; the
   seasonal-naive baseline forecasts each of them as the same weekday a week earlier. Both
   are scored against what arrived (MAE and sMAPE). If the baseline wins, the forecast uses
   the baseline and says so.
3. The forecast proper is fitted on the whole series. A day is split into 48 half hours by
   the share each half hour of that weekday held in history (the whole week's profile when a
   weekday has too little).

Pure: the caller passes the counts (see `selectors`); nothing here reads the database.
statsmodels is imported on first use (it takes seconds to import).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

SEASON = 7
HOLDOUT = 7
MIN_DAYS = 3 * SEASON  # two weeks to fit the weekly pattern, one to check it
SLOTS = 48  # half hours in a day
MIN_PROFILE = SLOTS  # arrivals a weekday needs before it gets its own intraday profile


class TooLittleHistory(ValueError):
    """Not enough days of arrivals to fit and check a weekly model."""

    def __init__(self, label: str, days: int) -> None:
        have = "no arrivals yet" if days == 0 else f"{days} day{'s' if days != 1 else ''}"
        super().__init__(
            f"A forecast for {label} needs at least three weeks of arrivals ({MIN_DAYS} days: "
            f"two to learn the weekly pattern and one to check it); it has {have}."
        )
        self.days = days


@dataclass(frozen=True)
class History:
    """Arrivals by local day, and by (weekday 0=Mon, half-hour 0..47) over the same days."""

    daily: Mapping[date, int]
    slots: Mapping[tuple[int, int], int]
    last_day: date  # the last complete day (yesterday)


@dataclass(frozen=True)
class Accuracy:
    first_day: date
    actual: list[int]
    model: list[float]
    baseline: list[float]
    model_mae: float
    model_smape: float
    baseline_mae: float
    baseline_smape: float

    @property
    def beats_baseline(self) -> bool:
        return self.model_mae < self.baseline_mae


@dataclass
class Forecast:
    label: str
    days: list[date]
    daily: list[float]
    accuracy: Accuracy
    method: str
    holiday_factor: float
    history_days: int
    profile: dict[int, list[float]] = field(default_factory=dict)

    def on(self, day: date) -> float:
        i = (day - self.days[0]).days
        return self.daily[i] if 0 <= i < len(self.daily) else 0.0

    def in_slot(self, day: date, slot: int) -> float:
        return self.on(day) * self.profile[day.weekday()][slot]


def mae(actual: list[int], predicted: list[float]) -> float:
    return sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual)


def smape(actual: list[int], predicted: list[float]) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200); days where both are
    zero count as perfect."""
    terms = [
        0.0 if a + p == 0 else 2 * abs(a - p) / (abs(a) + abs(p))
        for a, p in zip(actual, predicted, strict=True)
    ]
    return 100 * sum(terms) / len(terms)


def _series(history: History, holidays: frozenset[date]) -> tuple[list[date], list[int]]:
    firsts = [d for d, n in history.daily.items() if n > 0 and d <= history.last_day]
    if not firsts:
        return [], []
    start = min(firsts)
    days = [start + timedelta(n) for n in range((history.last_day - start).days + 1)]
    return days, [int(history.daily.get(d, 0)) for d in days]


def _unholiday(
    days: list[date], values: list[int], holidays: frozenset[date]
) -> tuple[list[float], float]:
    """The series with holidays replaced by the same weekday a week away, and the holiday
    factor (what arrived on holidays ÷ what a normal day would have brought)."""
    out = [float(v) for v in values]
    got = normal = 0.0
    for i, d in enumerate(days):
        if d not in holidays:
            continue
        twins = [j for j in (i - SEASON, i + SEASON) if 0 <= j < len(days)]
        twins = [j for j in twins if days[j] not in holidays]
        if not twins:
            continue
        out[i] = float(values[twins[0]])
        got += values[i]
        normal += out[i]
    return out, (got / normal if normal else 0.0)


def _holt_winters(values: list[float], steps: int) -> list[float]:
    if not any(values):
        return [0.0] * steps
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(
            values,
            trend=None,
            seasonal="add",
            seasonal_periods=SEASON,
            initialization_method="estimated",
        ).fit()
        predicted = [float(x) for x in fit.forecast(steps)]
    return [max(0.0, x) if math.isfinite(x) else 0.0 for x in predicted]


def _naive(values: list[float], steps: int) -> list[float]:
    last_week = values[-SEASON:]
    return [last_week[i % SEASON] for i in range(steps)]


def _profile(history: History) -> dict[int, list[float]]:
    week = [sum(history.slots.get((wd, s), 0) for wd in range(7)) for s in range(SLOTS)]
    week_total = sum(week)
    flat = [1 / SLOTS] * SLOTS if not week_total else [x / week_total for x in week]
    out = {}
    for wd in range(7):
        counts = [history.slots.get((wd, s), 0) for s in range(SLOTS)]
        total = sum(counts)
        out[wd] = [c / total for c in counts] if total >= MIN_PROFILE else flat
    return out


def forecast(
    history: History,
    *,
    label: str,
    first_day: date,
    days: int,
    holidays: frozenset[date] = frozenset(),
) -> Forecast:
    """Daily arrivals from `first_day` for `days` days (see the module's steps). Raises
    `TooLittleHistory` with a sentence to show when the series is under three weeks."""
    dates, counts = _series(history, holidays)
    if len(dates) < MIN_DAYS:
        raise TooLittleHistory(label, len(dates))
    clean, factor = _unholiday(dates, counts, holidays)

    def adjust(day: date, value: float) -> float:
        return value * factor if day in holidays else value

    held = dates[-HOLDOUT:]
    model = [
        adjust(d, v) for d, v in zip(held, _holt_winters(clean[:-HOLDOUT], HOLDOUT), strict=True)
    ]
    baseline = [float(x) for x in counts[-HOLDOUT - SEASON : -SEASON]]
    actual = counts[-HOLDOUT:]
    accuracy = Accuracy(
        first_day=held[0],
        actual=actual,
        model=model,
        baseline=baseline,
        model_mae=mae(actual, model),
        model_smape=smape(actual, model),
        baseline_mae=mae(actual, baseline),
        baseline_smape=smape(actual, baseline),
    )
    last = first_day + timedelta(days=days - 1)
    steps = max(0, (last - history.last_day).days)
    if not steps:
        ahead: list[float] = []
        method = "History (the days asked have passed)"
    elif accuracy.beats_baseline:
        ahead = _holt_winters(clean, steps)
        method = "Holt-Winters, weekly seasonality (statsmodels)"
    else:
        ahead = _naive(clean, steps)
        method = (
            "Seasonal naive (same weekday last week): Holt-Winters did not beat it on the "
            "held-out week"
        )
    horizon = [first_day + timedelta(n) for n in range(days)]

    def value(day: date) -> float:
        if day > history.last_day:
            return adjust(day, ahead[(day - history.last_day).days - 1])
        return float(history.daily.get(day, 0))  # a day already past: what arrived

    return Forecast(
        label=label,
        days=horizon,
        daily=[value(d) for d in horizon],
        accuracy=accuracy,
        method=method,
        holiday_factor=factor,
        history_days=len(dates),
        profile=_profile(history),
    )
