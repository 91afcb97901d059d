"""Items per hour, worked by hand — and the "377,269 items per hour" the demo showed.

The demo's agents claim and finish items within the same few milliseconds; the report
divided the items handed on by those 0.04 seconds and showed the quotient as a rate. A rate
needs time to be measured over: under ten minutes held (`RATE_MIN_SECONDS`) there is none.

Worked day (2 March 2026, UTC), client A's engagement:
  P  agent claims 09:00, completes 09:10 → 10 min
  Q  agent claims 09:10, completes 09:20 → 10 min
  R  agent claims 09:20, completes 09:30 → 10 min
  3 items handed on in 30 minutes held → 3 ÷ 0.5 h = 6 items per hour.
Then at 10:00:00 exactly, the way the demo seeds, S, T and U are claimed and completed
without the clock moving: 0 seconds held, no rate (it was 3 ÷ 0 h, or millions with a few
microseconds between the writes).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from unittest import mock

import pytest

from backoffice.tenancy.selectors import access_tenant
from backoffice.work import metrics, services
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db
DONE = {"result": "ok"}


@contextmanager
def clock(hh: int, mm: int = 0, ss: int = 0, us: int = 0):
    at = datetime(2026, 3, 2, hh, mm, ss, us, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _claim_and_complete(agent, engagement, ref, start, end):
    with clock(*start):
        item = submit(engagement, ref)
        claimed = services.claim_next_item(agent=agent)
        assert claimed is not None and claimed.pk == item.pk
    with clock(*end):
        services.complete_item(item=claimed, actor=agent, output=DONE)


def _agent_row(lead, provider):
    access = access_tenant(user=lead, slug=provider.slug)
    report = metrics.handle_time_report(
        access, period=metrics.period_for(access, date(2026, 3, 2), date(2026, 3, 2))
    )
    return {r.agent: r for r in report.by_agent}["agent"]


@pytest.mark.parametrize(
    ("items", "seconds", "rate"),
    [
        (3, 1800, 6.0),  # 3 items in 30 minutes
        (1, 600, 6.0),  # one item in exactly ten minutes: the shortest time rated
        (8, 4 * 3600, 2.0),  # 8 items over a 4-hour morning
        (0, 3600, 0.0),  # an hour held, nothing handed on: a rate of zero, not "no rate"
        (1, 599, None),  # under ten minutes held: no rate
        (8, 0.0753, None),  # the demo: 8 items in 75 ms was "382,470 items per hour"
        (0, 0, None),
    ],
)
def test_items_per_hour_by_hand(items, seconds, rate):
    assert metrics.items_per_hour(items, seconds) == rate


def test_three_items_in_thirty_minutes_is_six_an_hour(engagement_a, agent, lead, provider):
    _claim_and_complete(agent, engagement_a, "P", (9, 0), (9, 10))
    _claim_and_complete(agent, engagement_a, "Q", (9, 10), (9, 20))
    _claim_and_complete(agent, engagement_a, "R", (9, 20), (9, 30))
    row = _agent_row(lead, provider)
    assert (row.items, len(row.completed), row.total_seconds) == (3, 3, 1800.0)
    assert row.items_per_hour == 6.0
    assert row.as_dict()["items_per_hour"] == 6.0


def test_items_finished_the_moment_they_are_claimed_have_no_rate(
    engagement_a, agent, lead, provider, web_lead
):
    for i, ref in enumerate(("S", "T", "U")):
        # a few microseconds apart, as the demo's seeding writes them
        _claim_and_complete(agent, engagement_a, ref, (10, 0, 0, 10 * i), (10, 0, 0, 10 * i + 3))
    row = _agent_row(lead, provider)
    assert (row.items, len(row.completed)) == (3, 3)
    assert row.total_seconds == pytest.approx(9e-6)
    assert row.items_per_hour is None  # it was 1,200,000,000 (3 items ÷ 9 µs)
    page = web_lead.get("/t/provider/work/handle-time/?start=2026-03-02&end=2026-03-02")
    table = page.content.decode().split('id="handle-rows"')[1].split("</table>")[0]
    assert "1200000000" not in table.replace(",", "") and "—" in table


def test_the_day_by_day_trend_uses_the_same_rule(engagement_a, agent, provider):
    _claim_and_complete(agent, engagement_a, "P", (9, 0), (9, 10))
    _claim_and_complete(agent, engagement_a, "Q", (9, 10), (9, 20))
    _claim_and_complete(agent, engagement_a, "R", (9, 20), (9, 30))
    _claim_and_complete(agent, engagement_a, "S", (10, 0), (10, 0))
    access = access_tenant(user=agent, slug=provider.slug)
    period = metrics.period_for(access, date(2026, 3, 1), date(2026, 3, 2))
    days = metrics.handle_time_by_day(access, agent_id=agent.pk, period=period)
    assert [d.day for d in days] == [date(2026, 3, 1), date(2026, 3, 2)]
    assert (days[0].items, days[0].median_minutes, days[0].items_per_hour) == (0, None, None)
    # 10, 10, 10 and 0 minutes: median 10; 4 handed on in 30 minutes → 8 an hour
    assert (days[1].items, days[1].median_minutes, days[1].items_per_hour) == (4, 10.0, 8.0)
