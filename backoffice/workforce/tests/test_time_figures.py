"""Busy, idle and away from the work log, and the time figures, worked by hand."""

from __future__ import annotations

import pytest

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import make_member
from backoffice.work.models import WorkItemEvent
from backoffice.work.tests.factories import make_engagement, make_service_type, submit
from backoffice.workforce import selectors
from backoffice.workforce.tests import factories as f

pytestmark = pytest.mark.django_db


def _held(item, agent, start, end, to_state):
    for at, frm, to in ((start, "queued", "in_progress"), (end, "in_progress", to_state)):
        WorkItemEvent.objects.create(
            tenant_id=item.tenant_id, item=item, actor=agent, holder=agent, at=f.local(at),
            from_state=frm, to_state=to,
        )  # fmt: skip


def test_busy_idle_away_occupancy_and_items_per_productive_hour(
    provider, client_a, lead, lead_access, london
):
    """Ahmed, Monday 7 December 2026 (London is on UTC in December):
    09:00-11:00 available, 11:00-11:30 on break, offline from 11:30.
    He holds item A 09:00-09:30 (done), B 09:40-10:10 (to review), and C 10:20-10:30
    (put back in the queue: not handed on). No item from 10:30: after the 15-minute idle
    timeout he is away, 10:45-11:00.

    logged in   09:00-11:30                    = 150 min
    available   09:00-11:00 (busy, away incl.) = 120 min
    busy        30 + 30 + 10                   =  70 min
    idle        120 - 70                       =  50 min (of which away 15)
    occupancy   70 / 120                       = 58.33 %
    utilisation 70 / 150                       = 46.67 %
    items per productive hour: 2 handed on / (70 / 60) h = 1.71
    """
    # given
    make_member(client_a, lead, Role.TEAM_LEAD)
    engagement = make_engagement(client_a, make_service_type(provider), code="claims")
    a, b, c = (submit(engagement, ref) for ref in ("A", "B", "C"))
    _held(a, london.user, "2026-12-07T09:00", "2026-12-07T09:30", "done")
    _held(b, london.user, "2026-12-07T09:40", "2026-12-07T10:10", "in_review")
    _held(c, london.user, "2026-12-07T10:20", "2026-12-07T10:30", "queued")
    f.states(
        london,
        ("2026-12-07T09:00", "available"),
        ("2026-12-07T11:00", "on_break"),
        ("2026-12-07T11:30", "offline"),
    )
    # when the lead reads Monday's figures
    report = selectors.time_report(
        lead_access, since=f.local("2026-12-07T00:00"), until=f.local("2026-12-08T00:00")
    )
    # then
    (row,) = report.agents
    m = row.figures
    assert (m.logged_in, m.available, m.busy, m.away, m.on_break) == (
        150 * 60, 120 * 60, 70 * 60, 15 * 60, 30 * 60,
    )  # fmt: skip
    assert m.idle == 50 * 60
    assert (m.occupancy, m.utilisation) == (58.33, 46.67)
    assert (m.items, row.items_per_hour) == (2, 1.71)
    (team,) = report.teams
    assert team.label == "London" and team.figures.busy == 70 * 60
    (eng,) = report.engagements
    assert (eng.label, eng.figures.busy, eng.figures.items) == (engagement.name, 70 * 60, 2)
    # and the timeline says busy while he held an item, away once idle
    lines, _ = selectors.timelines(
        lead_access,
        agent_ids=[london.user_id],
        since=f.local("2026-12-07T09:00"),
        until=f.local("2026-12-07T11:00"),
    )
    states = [(p.start.strftime("%H:%M"), p.state) for p in lines[london.user_id]]
    assert states == [
        ("09:00", "busy"), ("09:30", "available"), ("09:40", "busy"), ("10:10", "available"),
        ("10:20", "busy"), ("10:30", "available"), ("10:45", "away"),
    ]  # fmt: skip


def test_a_lead_who_serves_no_client_reads_no_work(provider, client_a, lead_access, london):
    """Busy time comes only from the clients the reader serves: none here, so none busy."""
    engagement = make_engagement(client_a, make_service_type(provider), code="claims")
    _held(submit(engagement, "A"), london.user, "2026-12-07T09:00", "2026-12-07T09:30", "done")
    f.states(london, ("2026-12-07T09:00", "available"), ("2026-12-07T10:00", "offline"))
    report = selectors.time_report(
        lead_access, since=f.local("2026-12-07T00:00"), until=f.local("2026-12-08T00:00")
    )
    assert report.agents[0].figures.busy == 0
