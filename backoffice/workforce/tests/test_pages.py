"""Workforce pages: the state bar, today's agents, the schedule editor, adherence, time."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.workforce.models import Shift, StateInterval
from backoffice.workforce.tests import factories as f

pytestmark = pytest.mark.django_db


def _web(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def as_lead(lead):
    return _web(lead)


def W(provider, rest=""):
    return f"/t/{provider.slug}/workforce/{rest}"


def test_an_agent_sets_their_state_with_the_bar(london, provider):
    c = _web(london.user)
    page = c.get(W(provider))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="state-bar"' in text and 'aria-keyshortcuts="2"' in text
    assert "Agents now" not in text  # an agent sees their own state and schedule only
    # the htmx post answers the bar again, now on break
    r = c.post(W(provider, "state/"), {"state": "on_break"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "You are <strong>On break</strong>" in r.content.decode()
    # without htmx, back to where the agent was
    r = c.post(W(provider, "state/"), {"state": "available", "next": W(provider, "")})
    assert r.status_code == 302 and r["Location"] == W(provider, "")
    states = StateInterval.objects.for_tenant(provider).filter(agent=london.user)
    assert [s.state for s in states] == ["on_break", "available"]


def test_a_lead_sees_todays_agents(as_lead, london, manila, provider):
    f.states(london, ("2026-12-01T09:00", "training"))
    text = as_lead.get(W(provider)).content.decode()
    assert "Agents now" in text
    assert "Ahmed" in text and "Maria" in text and "Training" in text
    assert "Manila time" in text


def test_the_schedule_week_shows_both_clocks(as_lead, london, manila, provider):
    f.shift(manila, "2026-12-07", "16:00", "01:00")
    f.shift(london, "2026-12-08", "09:00", "17:00", (("12:00", 30),))
    text = as_lead.get(W(provider, "schedule/?week=2026-12-09")).content.decode()
    assert "Schedule: week of Mon 7 Dec 2026" in text
    # the lead's zone is UTC: Maria's 16:00-01:00 Manila is 08:00-17:00 here
    assert "08:00–17:00" in text and "(16:00–01:00 theirs)" in text
    assert "Feast of the Immaculate Conception of Mary" in text  # Maria's holiday on the 8th


def test_adding_a_shift_with_htmx_and_an_overlap_keeps_what_was_typed(as_lead, london, provider):
    form = as_lead.get(
        W(provider, f"shifts/new/?agent={london.user_id}&day=2026-12-07"),
        headers={"HX-Request": "true"},
    )
    assert form.status_code == 200 and 'id="shift-form"' in form.content.decode()
    assert "<html" not in form.content.decode()  # a panel, not a page
    data = {"agent": london.user_id, "day": "2026-12-07", "start": "09:00", "end": "17:00",
            "break_start": "12:00", "break_minutes": "30", "break_kind": "break"}  # fmt: skip
    r = as_lead.post(W(provider, "shifts/new/"), data, headers={"HX-Request": "true"})
    assert r.status_code == 204
    assert r["HX-Redirect"] == W(provider, "schedule/?week=2026-12-07")
    # the same again overlaps: the panel says so in words and keeps the typed times
    r = as_lead.post(
        W(provider, "shifts/new/"),
        {**data, "start": "16:30", "end": "22:00", "break_start": "", "break_minutes": ""},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    text = r.content.decode()
    assert r.status_code == 200
    assert "Ahmed already has a shift on Mon 7 Dec 2026 from 09:00 to 17:00" in text
    assert 'value="16:30"' in text and 'value="22:00"' in text
    assert Shift.objects.for_tenant(provider).count() == 1


def test_a_shift_over_24_hours_and_a_bad_time_are_refused_in_words(as_lead, london, provider):
    data = {"agent": london.user_id, "day": "2026-10-25", "start": "00:00", "end": "00:00"}
    text = as_lead.post(W(provider, "shifts/new/"), data).content.decode()
    assert "A shift may last at most 24 hours; this one lasts 25 hours." in text
    text = as_lead.post(W(provider, "shifts/new/"), {**data, "start": "9 am"}).content.decode()
    assert "Give the start time, e.g. 09:00." in text


def test_changing_and_removing_a_shift(as_lead, london, provider):
    shift = f.shift(london, "2026-12-07", "09:00", "17:00")
    r = as_lead.post(
        W(provider, f"shifts/{shift.pk}/"),
        {"day": "2026-12-07", "start": "10:00", "end": "18:00", "action": "save"},
    )
    assert r.status_code == 302
    shift.refresh_from_db()
    assert shift.starts_at.hour == 10
    r = as_lead.post(W(provider, f"shifts/{shift.pk}/"), {"action": "delete"})
    assert r.status_code == 302
    assert not Shift.objects.for_tenant(provider).exists()


def test_another_tenants_shift_is_not_found(as_lead, client_a, provider):
    stranger = f.agent(client_a, "stranger")
    shift = f.shift(stranger, "2026-12-07", "09:00", "17:00")
    assert as_lead.get(W(provider, f"shifts/{shift.pk}/")).status_code == 404


def test_copy_week_from_the_page(as_lead, london, provider):
    f.shift(london, "2026-12-07", "09:00", "17:00")
    r = as_lead.post(
        W(provider, "schedule/copy/"), {"from_week": "2026-12-07", "to_week": "2026-12-16"}
    )
    assert r.status_code == 302 and "week=2026-12-14" in r["Location"]
    assert Shift.objects.for_tenant(provider).count() == 2
    # again: the copy would overlap, nothing is copied, the lead is told
    r = as_lead.post(
        W(provider, "schedule/copy/"),
        {"from_week": "2026-12-07", "to_week": "2026-12-14"},
        follow=True,
    )
    assert "Nothing was copied: Ahmed already has a shift" in r.content.decode()
    assert Shift.objects.for_tenant(provider).count() == 2


def test_templates_assign_and_leave_from_the_page(as_lead, london, manila, provider):
    page = W(provider, "templates/")
    r = as_lead.post(page, {"action": "template", "name": "Day", "start": "09:00", "end": "17:00",
                            "break_start": "12:00", "break_minutes": "30"})  # fmt: skip
    assert r.status_code == 302
    template = as_lead.get(page).context["templates"][0]
    r = as_lead.post(page, {"action": "assign", "template": template.pk, "first_day": "2026-12-14",
                            "last_day": "2026-12-18", "agents": [london.user_id],
                            "weekdays": ["0", "1", "2", "3", "4"]}, follow=True)  # fmt: skip
    assert "5 shifts added." in r.content.decode()
    # no agent ticked: refused, and the dates typed are kept
    r = as_lead.post(page, {"action": "assign", "template": template.pk, "first_day": "2026-12-21",
                            "last_day": "2026-12-22"})  # fmt: skip
    assert "Choose at least one agent." in r.content.decode()
    assert 'value="2026-12-21"' in r.content.decode()
    r = as_lead.post(page, {"action": "leave", "leave_agent": london.user_id,
                            "leave_first_day": "2026-12-17", "leave_last_day": "2026-12-18",
                            "leave_kind": "sick"}, follow=True)  # fmt: skip
    assert "Leave recorded for Ahmed." in r.content.decode()
    assert Shift.objects.for_tenant(provider).count() == 3


def test_adherence_and_time_pages(as_lead, london, provider):
    shift = f.shift(london, "2026-12-07", "09:00", "17:00", (("12:00", 30),))
    f.states(
        london,
        ("2026-12-07T09:15", "available"),
        ("2026-12-07T12:00", "on_break"),
        ("2026-12-07T12:45", "available"),
        ("2026-12-07T17:00", "offline"),
    )
    text = as_lead.get(W(provider, f"adherence/?day=2026-12-07&shift={shift.pk}")).content.decode()
    assert "93.75 %" in text and "7 h 30 min of 8 h" in text
    assert "93.33 %" in text and "7 h of 7 h 30 min" in text
    assert "<svg" in text
    text = as_lead.get(W(provider, "time/?start=2026-12-07&end=2026-12-07")).content.decode()
    assert "7 h" in text and "Occupancy" in text
    bad = as_lead.get(W(provider, "time/?start=2026-12-08&end=2026-12-01"))
    assert bad.status_code == 200
    assert "The end date comes before the start date" in bad.content.decode()


def test_agents_may_not_open_the_lead_pages(london, provider):
    c = _web(london.user)
    for rest in ("schedule/", "templates/", "adherence/", "time/", "shifts/new/"):
        assert c.get(W(provider, rest)).status_code == 403, rest


def test_a_client_tenant_has_no_workforce_pages(user_a, client_a):
    c = _web(user_a)
    assert c.get(f"/t/{client_a.slug}/workforce/").status_code == 403
