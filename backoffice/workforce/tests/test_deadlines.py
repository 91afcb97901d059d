"""Batch deadlines: progress, projection and people needed worked by hand; the alert to
the team lead; bad input in words; tenant isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import make_member
from backoffice.work.models import State, WorkItem
from backoffice.workforce.models import BatchDeadline
from backoffice.workforce.planning import selectors as plan_selectors
from backoffice.workforce.planning import services as plan_services
from backoffice.workforce.tests import planning_data as p

pytestmark = pytest.mark.django_db

MON_9 = datetime(2026, 12, 7, 9, tzinfo=UTC)
TUE_9 = datetime(2026, 12, 8, 9, tzinfo=UTC)


@pytest.fixture
def claims(client_a, provider, lead):
    make_member(client_a, lead, Role.TEAM_LEAD)  # the lead serves client A
    return p.engagement(client_a, provider)


def _set(lead_access, e, now=MON_9, **kw):
    spec = plan_services.DeadlineIn(
        name=kw.pop("name", "December claims"),
        handle_minutes=kw.pop("handle_minutes", 6),
        starts_at=kw.pop("starts_at", MON_9),
        **kw,
    )
    d, _ = plan_services.set_deadline(
        tenant=lead_access.tenant, actor=lead_access.user, engagement=e, spec=spec, now=now
    )
    return d


def test_progress_projection_and_people_needed_worked_by_hand(lead_access, claims):
    """A batch of 100 items received Monday 7 December 09:00, due in 16 business hours
    (09:00-17:00 weekdays, UTC): Tuesday 17:00. By Tuesday 09:00, 40 are done, all on Monday.

    throughput: 40 done over the last day, which held 8 business hours -> 5 an hour
    remaining 60 at 5 an hour = 12 business hours -> Tue 09:00 + 8 h = Tue 17:00, + 4 h
    -> projected Wednesday 13:00, after the deadline: at risk
    people needed: 60 x 6 min = 6 h of work; 8 business hours left x 0.70 x 0.85 = 4.76 h
    productive a person; 6 / 4.76 = 1.26 -> 2 people."""
    b = p.batch(claims)
    p.items(claims, [MON_9] * 60, batch=b)
    p.items(claims, [MON_9] * 40, prefix="d", batch=b, state=State.DONE,
            completed_at=datetime(2026, 12, 7, 15, tzinfo=UTC))  # fmt: skip
    p.items(claims, [MON_9] * 5, prefix="x")  # not in the batch
    d = _set(lead_access, claims, batch=b, business_hours=16)
    assert d.due_at == datetime(2026, 12, 8, 17, tzinfo=UTC)
    s = plan_selectors.deadline_status(d, now=TUE_9)
    assert (s.total, s.done, s.remaining, s.percent_done) == (100, 40, 60, 40.0)
    assert s.per_hour == 5
    assert s.hours_left == 8
    assert s.projected_at == datetime(2026, 12, 9, 13, tzinfo=UTC)
    assert s.at_risk
    assert s.people_needed == 2


def test_the_sweep_alerts_the_lead_once_and_lowers_the_alert_when_back_on_track(
    lead, lead_access, claims, provider, monkeypatch
):
    b = p.batch(claims)
    p.items(claims, [MON_9] * 60, batch=b)
    p.items(claims, [MON_9] * 40, prefix="d", batch=b, state=State.DONE,
            completed_at=datetime(2026, 12, 7, 15, tzinfo=UTC))  # fmt: skip
    d = _set(lead_access, claims, batch=b, business_hours=16)
    # At the start no business time has passed: too early to project, no alert.
    assert d.at_risk_since is None
    assert plan_selectors.deadline_status(d, now=MON_9).too_early
    assert plan_services.sweep_deadlines(now=TUE_9) == {"raised": 1, "lowered": 0}
    assert plan_services.sweep_deadlines(now=TUE_9) == {"raised": 0, "lowered": 0}
    d.refresh_from_db()
    assert d.at_risk_since == TUE_9
    alert = AuditEvent.objects.for_tenant(provider).get(action="workforce.deadline_at_risk")
    assert alert.after["remaining"] == 60 and alert.after["people_needed"] == 2
    # The lead's workforce page shows the flag (computed when read): it is Tuesday 09:00.
    monkeypatch.setattr(timezone, "now", lambda: TUE_9)
    c = Client()
    c.force_login(lead)
    page = c.get(f"/t/{provider.slug}/workforce/").content.decode()
    assert 'id="deadline-alert"' in page and "December claims (60 items left" in page
    WorkItem.objects.for_tenant(claims.tenant).filter(batch=b).update(
        state=State.DONE, completed_at=datetime(2026, 12, 8, 10, tzinfo=UTC)
    )
    assert plan_services.sweep_deadlines(now=datetime(2026, 12, 8, 11, tzinfo=UTC)) == {
        "raised": 0,
        "lowered": 1,
    }
    assert AuditEvent.objects.for_tenant(provider).filter(
        action="workforce.deadline_on_track"
    ).count() == 1  # fmt: skip
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 8, 11, tzinfo=UTC))
    page = c.get(f"/t/{provider.slug}/workforce/").content.decode()
    assert 'id="deadline-alert"' not in page


def test_a_deadline_in_the_past_is_refused_in_words(lead_access, claims):
    with pytest.raises(DomainError) as err:
        _set(lead_access, claims, due_at=datetime(2026, 12, 7, 8, tzinfo=UTC))
    assert err.value.message == (
        "The batch deadline cannot be set: The deadline Mon 7 Dec 2026 08:00 (UTC time) has "
        "already passed; choose a time after now."
    )
    assert "due_at" in err.value.fields
    with pytest.raises(DomainError, match="Give the minutes one item takes"):
        _set(lead_access, claims, business_hours=8, handle_minutes="six")
    with pytest.raises(DomainError, match="Give the deadline"):
        _set(lead_access, claims)
    assert not BatchDeadline.objects.for_tenant(lead_access.tenant).exists()


def test_setting_the_same_deadline_twice_is_one_deadline(lead_access, claims, provider):
    a = _set(lead_access, claims, business_hours=16)
    b = _set(lead_access, claims, business_hours=16)
    assert a.pk == b.pk
    assert (
        AuditEvent.objects.for_tenant(provider).filter(action="workforce.deadline_set").count() == 1
    )


def test_the_deadlines_page_keeps_what_was_typed_and_says_what_is_wrong(lead, provider, claims):
    c = Client()
    c.force_login(lead)
    url = f"/t/{provider.slug}/workforce/deadlines/"
    r = c.post(url, {"name": "Year-end", "engagement": str(claims.pk), "due_at": "2020-01-01T09:00",
                     "handle_minutes": "6"})  # fmt: skip
    assert r.status_code == 200
    text = r.content.decode()
    assert "has already passed; choose a time after now." in text
    assert 'value="Year-end"' in text and 'value="2020-01-01T09:00"' in text
    r = c.post(url, {"name": "Year-end", "engagement": str(claims.pk), "business_hours": "16",
                     "handle_minutes": "6"})  # fmt: skip
    assert r.status_code == 302
    page = c.get(url).content.decode()
    assert "Year-end" in page and "0 of 0" in page


def test_a_lead_who_does_not_serve_the_client_sees_no_deadline_of_it(lead_access, claims, provider):
    from backoffice.workforce.tests import factories as f

    _set(lead_access, claims, business_hours=16)
    other = f.access_of(f.person(provider, "olga", Role.TEAM_LEAD), provider)
    assert plan_selectors.deadlines(other) == []
    d = plan_selectors.deadlines(lead_access)[0]
    with pytest.raises(NotFound):
        plan_selectors.access_deadline_by_id(other, d.pk)
    with pytest.raises(NotFound):
        plan_selectors.access_engagement_by_id(other, claims.pk)
