"""Workforce services: states, shifts, copying a week, assigning a template, leave; and
the bad input each refuses in words."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.workforce import selectors, services
from backoffice.workforce.models import Shift, StateInterval
from backoffice.workforce.tests import factories as f

pytestmark = pytest.mark.django_db


def _shifts(tenant):
    return Shift.objects.for_tenant(tenant)


# --- states ----------------------------------------------------------------------------------


def test_a_state_change_ends_the_current_interval_and_is_audited(london):
    first, second = f.states(
        london, ("2026-12-07T09:00", "available"), ("2026-12-07T10:30", "on_break")
    )
    first.refresh_from_db()
    assert first.ended_at == second.started_at == f.local("2026-12-07T10:30")
    assert second.ended_at is None
    actions = AuditEvent.objects.for_tenant(london.tenant).values_list("action", flat=True)
    assert list(actions).count("workforce.state_changed") == 2


def test_setting_the_state_one_is_in_changes_nothing(london):
    a, b = f.states(london, ("2026-12-07T09:00", "available"), ("2026-12-07T09:05", "available"))
    assert a.pk == b.pk
    assert StateInterval.objects.for_tenant(london.tenant).count() == 1


def test_the_database_keeps_one_open_interval_per_agent(london):
    f.states(london, ("2026-12-07T09:00", "available"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StateInterval.objects.create(
            tenant=london.tenant,
            agent=london.user,
            state="training",
            started_at=f.local("2026-12-07T09:10"),
        )


@pytest.mark.parametrize("state", ["busy", "away", "sleeping", ""])
def test_an_agent_cannot_choose_busy_away_or_an_unknown_state(london, state):
    with pytest.raises(DomainError) as exc:
        services.set_state(tenant=london.tenant, actor=london.user, agent=london.user, state=state)
    assert exc.value.code == "invalid_state"
    assert "available" in exc.value.message or "product" in exc.value.message


def test_another_tenants_agent_is_not_found(london, lead_access, client_a):
    # given a roster entry kept in another tenant (a client's)
    stranger = f.agent(client_a, "stranger")
    # then the lead cannot reach them, as if they did not exist
    with pytest.raises(NotFound):
        selectors.access_agent_by_id(lead_access, stranger.user_id)
    assert selectors.access_agent_by_id(lead_access, london.user_id) == london


def test_an_agent_reaches_only_themself(london, manila, provider):
    access = f.access_of(london.user, provider)
    assert selectors.access_agent_by_id(access, london.user_id) == london
    with pytest.raises(NotFound):
        selectors.access_agent_by_id(access, manila.user_id)


# --- shifts: bad input -----------------------------------------------------------------------


def test_overlapping_shifts_are_refused_in_words(london):
    f.shift(london, "2026-12-07", "09:00", "17:00")
    with pytest.raises(Conflict) as exc:
        f.shift(london, "2026-12-07", "16:00", "20:00")
    assert exc.value.code == "shifts_overlap"
    assert exc.value.message == (
        "Ahmed already has a shift on Mon 7 Dec 2026 from 09:00 to 17:00 (Europe/London "
        "time); one person's shifts may not overlap."
    )
    assert _shifts(london.tenant).count() == 1


def test_a_night_shift_overlapping_the_next_morning_is_refused(london):
    f.shift(london, "2026-12-07", "22:00", "06:00")
    with pytest.raises(Conflict):
        f.shift(london, "2026-12-08", "05:00", "13:00")
    f.shift(london, "2026-12-08", "06:00", "14:00")  # back to back is fine


def test_a_shift_longer_than_24_hours_is_refused(london):
    spec = services.ShiftIn(datetime(2026, 12, 7, 9), datetime(2026, 12, 8, 10))
    with pytest.raises(DomainError) as exc:
        services.add_shift(tenant=london.tenant, actor=london.user, profile=london, spec=spec)
    assert exc.value.code == "shift_too_long"
    assert exc.value.message == "A shift may last at most 24 hours; this one lasts 25 hours."


def test_midnight_to_midnight_on_the_night_the_clocks_go_back_is_25_hours_and_refused(london):
    with pytest.raises(DomainError) as exc:
        f.shift(london, "2026-10-25", "00:00", "00:00")
    assert "25 hours" in exc.value.message


def test_a_break_outside_the_shift_is_refused(london):
    with pytest.raises(DomainError) as exc:
        f.shift(london, "2026-12-07", "09:00", "13:00", (("12:45", 30),))
    assert "does not fit" in exc.value.message


def test_a_shift_on_a_leave_day_is_refused(london, lead):
    services.add_leave(
        tenant=london.tenant,
        actor=lead,
        profile=london,
        first_day=date(2026, 12, 7),
        last_day=date(2026, 12, 9),
    )
    with pytest.raises(Conflict) as exc:
        f.shift(london, "2026-12-08", "09:00", "17:00")
    assert exc.value.message == "Ahmed is on annual leave on Tue 8 Dec 2026."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own constraints")
def test_postgresql_refuses_overlap_and_long_shifts_behind_the_service(london):
    base = f.local("2026-12-07T09:00")
    row = {"tenant": london.tenant, "agent": london.user, "timezone": "Europe/London"}
    Shift.objects.create(
        **row, local_day=date(2026, 12, 7), starts_at=base, ends_at=base + timedelta(hours=8)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(
            **row, local_day=date(2026, 12, 7), starts_at=base + timedelta(hours=7),
            ends_at=base + timedelta(hours=9),
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(
            **row, local_day=date(2026, 12, 9), starts_at=base + timedelta(days=2),
            ends_at=base + timedelta(days=3, minutes=1),
        )  # fmt: skip


# --- copying a week, assigning a template ----------------------------------------------------


def test_copying_a_week_keeps_the_local_clock_across_the_change(london, lead):
    # given a week of night shifts before the clocks go back (19-23 October 2026)
    for d in range(19, 24):
        f.shift(london, f"2026-10-{d}", "22:00", "06:00", (("02:00", 30),))
    # when the lead copies it onto the week the clocks go back in
    n = services.copy_week(
        tenant=london.tenant,
        actor=lead,
        profiles=[london],
        from_monday=date(2026, 10, 19),
        to_monday=date(2026, 10, 26),
    )
    # then five shifts at 22:00-06:00 London time, now in GMT (22:00 UTC)
    assert n == 5
    copied = list(_shifts(london.tenant).filter(local_day__gte=date(2026, 10, 26)))
    assert [s.starts_at.hour for s in copied] == [22] * 5
    assert all(s.ends_at - s.starts_at == timedelta(hours=8) for s in copied)
    assert all(s.activities.count() == 1 for s in copied)


def test_copying_onto_a_week_with_a_clash_copies_nothing(london, manila, lead):
    f.shift(london, "2026-12-07", "09:00", "17:00")
    f.shift(manila, "2026-12-08", "09:00", "17:00")
    f.shift(manila, "2026-12-15", "12:00", "20:00")  # clashes with the copy of the 8th
    with pytest.raises(Conflict) as exc:
        services.copy_week(
            tenant=london.tenant, actor=lead, profiles=[london, manila],
            from_monday=date(2026, 12, 7), to_monday=date(2026, 12, 14),
        )  # fmt: skip
    assert exc.value.message.startswith("Nothing was copied: Maria already has a shift")
    assert _shifts(london.tenant).count() == 3


def test_assigning_a_template_skips_christmas_and_leave(london, manila, lead):
    # given the early shift, and Maria on leave on Monday 21 December
    early = services.save_template(
        tenant=london.tenant, actor=lead, name="Early", start=time(7), end=time(15),
        breaks=[{"start": "11:00", "minutes": 30}],
    )  # fmt: skip
    services.add_leave(
        tenant=london.tenant, actor=lead, profile=manila,
        first_day=date(2026, 12, 21), last_day=date(2026, 12, 21),
    )  # fmt: skip
    # when it is assigned to both for the week of 21-27 December, weekdays
    done = services.assign_template(
        tenant=london.tenant, actor=lead, template=early, profiles=[london, manila],
        first_day=date(2026, 12, 21), last_day=date(2026, 12, 27),
    )  # fmt: skip
    # then: 5 weekdays x 2 = 10, less Christmas Day for both (GB and PH keep it), and
    # Maria's leave day; the Philippines also keep Christmas Eve and 30 December, so
    # the test counts what the calendar skipped rather than guess
    skipped = "\n".join(done.skipped)
    assert "Ahmed on Fri 25 Dec 2026: Christmas Day" in skipped
    assert "Maria on Mon 21 Dec 2026: on leave" in skipped
    assert done.added + len(done.skipped) == 10
    assert _shifts(london.tenant).count() == done.added
    first = _shifts(london.tenant).filter(agent=london.user).first()
    assert first is not None and first.activities.get().kind == "break"


def test_an_inverted_range_and_no_agents_are_refused(london, lead):
    t = services.save_template(
        tenant=london.tenant, actor=lead, name="Day", start=time(9), end=time(17)
    )
    with pytest.raises(DomainError, match="last day comes before"):
        services.assign_template(
            tenant=london.tenant, actor=lead, template=t, profiles=[london],
            first_day=date(2026, 12, 9), last_day=date(2026, 12, 7),
        )  # fmt: skip
    with pytest.raises(DomainError, match="at least one agent"):
        services.assign_template(
            tenant=london.tenant, actor=lead, template=t, profiles=[],
            first_day=date(2026, 12, 7), last_day=date(2026, 12, 9),
        )  # fmt: skip


def test_leave_removes_the_shifts_already_planned(london, lead):
    f.shift(london, "2026-12-07", "09:00", "17:00")
    f.shift(london, "2026-12-10", "09:00", "17:00")
    services.add_leave(
        tenant=london.tenant, actor=lead, profile=london,
        first_day=date(2026, 12, 7), last_day=date(2026, 12, 8),
    )  # fmt: skip
    assert [s.local_day.day for s in _shifts(london.tenant)] == [10]
