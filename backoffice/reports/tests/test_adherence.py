"""Adherence in the reports equals the workforce app's own figures, summed per agent.

Ahmed (London) has two shifts, 7 and 8 December 2026, 09:00-17:00 with a 30-minute break at
12:00. On the 7th he is available 09:15-12:00, on break 12:00-12:45, available to 17:00: the
workforce app's worked example, 7 h 30 min of 8 h kept (93.75 %). On the 8th he keeps the
whole shift: available 09:00-12:00, on break 12:00-12:30, available 12:30-17:00 (100 %).
Both days: 15 h 30 min of 16 h kept = 96.88 %.
"""

from __future__ import annotations

import pytest

from backoffice.reports import selectors
from backoffice.tenancy.roles import Role
from backoffice.workforce import selectors as workforce
from backoffice.workforce.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ahmed(provider):
    profile = f.agent(provider, "ahmed")
    for day in ("2026-12-07", "2026-12-08"):
        f.shift(profile, day, "09:00", "17:00", (("12:00", 30),))
    f.states(
        profile,
        ("2026-12-07T09:15", "available"),
        ("2026-12-07T12:00", "on_break"),
        ("2026-12-07T12:45", "available"),
        ("2026-12-07T17:00", "offline"),
        ("2026-12-08T09:00", "available"),
        ("2026-12-08T12:00", "on_break"),
        ("2026-12-08T12:30", "available"),
        ("2026-12-08T17:00", "offline"),
    )
    return profile


def test_adherence_per_agent_agrees_with_the_workforce_app(ahmed, provider):
    boss = f.person(provider, "lena", Role.TEAM_LEAD)
    access = f.access_of(boss, provider)
    params = {"start": "2026-12-07", "end": "2026-12-08"}
    filters = selectors.parse_filters(access, params, today=ahmed.user.date_joined.date())
    report = selectors.adherence_report(access, filters)
    (row,) = report.rows
    assert (row["agent"], row["shifts"], row["scheduled_minutes"]) == ("ahmed", 2, 960.0)
    assert (row["kept_minutes"], row["adherence_percent"]) == (930.0, 96.88)
    theirs = [
        r.result
        for day in (filters.start, filters.end)
        for r in workforce.adherence_report(access, day=day, zone="UTC")
    ]
    assert [r.adherence for r in theirs] == [93.75, 100.0]
    kept = sum(r.kept_seconds for r in theirs) / 60
    worked = sum(r.worked_seconds for r in theirs) / 60
    assert (row["kept_minutes"], row["worked_minutes"]) == (kept, worked)
