"""The reports over a worked history (see conftest.py), every figure worked by hand.

2 March 2026 (UTC; the lead's zone is UTC):
  eng-a (client A, business-hours SLA of 480 min): X, Y, Z, W done the same afternoon, all
    well inside the SLA; S still in progress.            → 5 arrived, 4 done, 4 on time
  fast (client A, 30 min wall-clock): F1 done 9:20 (due 9:30) on time, F2 done 10:00 late,
    F3 cancelled.                                        → 3 arrived, 2 done, 1 on time, 1 cancelled
  eng-b (client B): V done.                              → 1 arrived, 1 done, 1 on time
  Day: 9 arrived, 7 done, 6 on time, 1 cancelled, net +1; March attainment 6/7 = 85.7 %.
  Held in progress: agent X 10+5, Y 30 (released), Z 45, W 6, V 10 min = 6 stretches,
    6,360 s, 4 handed on → 1.77 h, 4 x 3600 / 6360 = 2.26 items/h, 17.67 min/stretch;
    agent-a Y 20, F1 15, F2 30 min = 3 stretches, 3,900 s, 3 handed on → 1.08 h, 2.77/h.
3 March: QA — agent's Q1 3/4 fields correct (75.0 %), agent-a's Q2 4/4 (100.0 %); 7/8 = 87.5 %.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backoffice.reports import rollup, selectors
from backoffice.reports.models import AgentHour, ItemHour
from backoffice.tenancy.selectors import access_tenant
from backoffice.work import metrics
from backoffice.work.models import Engagement, WorkItem

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 4)


def _report(user, provider, kind, **params):
    access = access_tenant(user=user, slug=provider.slug)
    f = selectors.parse_filters(access, params, today=TODAY)
    return selectors.build(access, kind, f)


def _code(row) -> str:
    return Engagement.objects.unscoped("test").get(pk=row["engagement_id"]).code


def _day(d: int) -> dict[str, str]:
    return {"start": f"2026-03-0{d}", "end": f"2026-03-0{d}"}


def test_sla_attainment_by_client_engagement_and_month(history, lead, provider):
    rollup.roll_up()
    report = _report(lead, provider, "sla", **_day(2))
    got = {_code(r): (r["month"], r["completed"], r["on_time"], r["late"]) for r in report.rows}
    assert got == {
        "eng-a": ("2026-03", 4, 4, 0),
        "fast": ("2026-03", 2, 1, 1),
        "eng-b": ("2026-03", 1, 1, 0),
    }
    fast = next(r for r in report.rows if _code(r) == "fast")
    assert (fast["attainment_percent"], fast["target_percent"], fast["target_met"]) == (
        50.0,
        95,
        "no",
    )
    assert report.totals == {"completed": 7, "on_time": 6, "late": 1, "attainment_percent": 85.7}


def test_throughput_per_day(history, lead, provider):
    rollup.roll_up()
    report = _report(lead, provider, "throughput", start="2026-03-02", end="2026-03-03")
    day2, day3 = report.rows
    assert day2 == {
        "period": "2026-03-02",
        "arrived": 9,
        "completed": 7,
        "on_time": 6,
        "cancelled": 1,
        "net_change": 1,
    }
    # 3 March: Q1 and Q2 arrive and are done after review (business-hours SLA: on time)
    assert (day3["arrived"], day3["completed"], day3["on_time"]) == (2, 2, 2)


def test_productivity_per_agent(history, lead, provider):
    rollup.roll_up()
    report = _report(lead, provider, "productivity", **_day(2))
    got = {r["agent"]: r for r in report.rows}
    assert set(got) == {"agent", "agent-a"}
    a = got["agent"]
    assert (a["handed_on"], a["stretches"], a["held_seconds"], a["hours_held"]) == (
        4,
        6,
        6360.0,
        1.77,
    )
    assert (a["items_per_hour"], a["minutes_per_stretch"]) == (2.26, 17.67)
    b = got["agent-a"]
    assert (b["handed_on"], b["stretches"], b["held_seconds"]) == (3, 3, 3900.0)
    assert (b["hours_held"], b["items_per_hour"], b["minutes_per_stretch"]) == (1.08, 2.77, 21.67)
    assert report.totals["handed_on"] == 7


def test_qa_accuracy_per_agent_and_week(history, lead, provider):
    rollup.roll_up()
    report = _report(lead, provider, "quality", **_day(3))
    got = {
        r["agent"]: (r["reviews"], r["fields_reviewed"], r["fields_correct"], r["accuracy"])
        for r in report.rows
    }
    assert got == {"agent": (1, 4, 3, 75.0), "agent-a": (1, 4, 4, 100.0)}
    assert report.totals["accuracy"] == 87.5
    assert report.totals["weeks"] == [
        {"week": "2026-03-02", "fields_reviewed": 8, "fields_correct": 7, "accuracy": 87.5}
    ]


def test_backlog_by_age_and_due_time(history, lead, provider):
    """At 18:00 UTC on 2 March only S is open: received 16:50, 70 minutes old (1-4 h).
    eng-a's calendar is 09:00-17:00 weekdays in the client's zone (UTC+1 in March), so S came
    in after hours (17:50 local) and its 480 minutes are Tuesday 09:00-17:00 local: due
    3 March 16:00 UTC, 22 h away (4-24 h)."""
    now = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    access = access_tenant(user=lead, slug=provider.slug)
    f = selectors.parse_filters(access, {}, today=TODAY)
    report = selectors.backlog_report(access, f, now=now)
    # Q1/Q2 (made on 3 March) are done; S is the only open item
    assert [(_code(r), r["open"]) for r in report.rows] == [("eng-a", 1)]
    row = report.rows[0]
    assert row["1–4 h"] == 1 and row["under 1 h"] == 0
    s = WorkItem.objects.unscoped("test").get(external_ref="S")
    assert s.sla_due_at == datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    assert row["due in 4–24 h"] == 1 and row["due later"] == 0 and row["overdue"] == 0


# --- the figures agree with the work app's own reports ---------------------------------------


def test_roll_up_agrees_with_the_work_reports(history, lead, provider):
    rollup.roll_up()
    access = access_tenant(user=lead, slug=provider.slug)
    period = metrics.period_for(access, date(2026, 3, 2), date(2026, 3, 8))
    # SLA: the work app's weekly attainment (week of 2 March) per engagement
    _, weekly = metrics.sla_attainment_by_week(
        access, weeks=1, now=datetime(2026, 3, 4, tzinfo=UTC)
    )
    theirs = sorted((a.done[0], a.met[0]) for a in weekly)
    sla = _report(lead, provider, "sla", start="2026-03-02", end="2026-03-08")
    assert sorted((r["completed"], r["on_time"]) for r in sla.rows) == theirs
    assert len(theirs) == 4
    # handle time: seconds held and items handed on per agent
    handle = metrics.handle_time_report(access, period=period)
    theirs_h = {r.agent: (round(r.total_seconds, 1), len(r.completed)) for r in handle.by_agent}
    prod = _report(lead, provider, "productivity", start="2026-03-02", end="2026-03-08")
    assert {r["agent"]: (r["held_seconds"], r["handed_on"]) for r in prod.rows} == theirs_h
    # QA accuracy: fields reviewed and correct per agent
    acc = metrics.accuracy_report(access, period=period)
    theirs_q = {r.agent: (r.fields_reviewed, r.fields_correct, r.accuracy) for r in acc.by_agent}
    qual = _report(lead, provider, "quality", start="2026-03-02", end="2026-03-08")
    assert {
        r["agent"]: (r["fields_reviewed"], r["fields_correct"], r["accuracy"]) for r in qual.rows
    } == theirs_q


# --- the roll-up: incremental, idempotent, rebuildable ---------------------------------------


def _snapshot():
    items = ItemHour.objects.unscoped("test").values_list(
        "tenant_id", "engagement_id", "hour", *rollup.ITEM_FIELDS
    )
    agents = AgentHour.objects.unscoped("test").values_list(
        "tenant_id", "engagement_id", "agent_id", "hour", *rollup.AGENT_FIELDS
    )
    return sorted(items), sorted(agents)


def test_running_again_adds_nothing_and_small_chunks_add_the_same(history):
    first = rollup.roll_up()
    assert first.events > 0 and first.reviews == 2
    whole = _snapshot()
    again = rollup.roll_up()
    assert (again.events, again.reviews) == (0, 0)
    assert _snapshot() == whole
    rollup.roll_up(rebuild=True, chunk=3)
    assert _snapshot() == whole


def test_rolling_up_as_the_history_grows_equals_one_rebuild(
    engagement_a, engagement_b, fast, qa_eng, agent, agent_a_only, lead, user_a, reviewer
):
    from backoffice.reports.tests.conftest import _fast_day, _handle_day, _qa_day

    _handle_day(engagement_a, engagement_b, agent, agent_a_only, lead, user_a)
    rollup.roll_up()
    _fast_day(fast, agent_a_only, lead)
    rollup.roll_up()
    _qa_day(qa_eng, agent, agent_a_only, reviewer)
    rollup.roll_up()
    step_by_step = _snapshot()
    rollup.roll_up(rebuild=True)
    assert _snapshot() == step_by_step


def test_events_newer_than_the_settle_time_wait_for_the_next_run(history):
    # every event is from March 2026; "now" a minute after the last one keeps the last minute
    result = rollup.roll_up(settle_seconds=3600, now=datetime(2026, 3, 3, 11, 40, tzinfo=UTC))
    assert result.reviews == 1  # Q2's review at 11:30 is within the hour: left for later
    later = rollup.roll_up(settle_seconds=3600, now=datetime(2026, 3, 3, 13, 0, tzinfo=UTC))
    assert later.reviews == 1
