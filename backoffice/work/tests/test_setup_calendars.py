"""Business calendars through the set-up pages, and the due times their preview shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work import services
from backoffice.work.calendar import CalendarSpec, parse_hours
from backoffice.work.models import BusinessCalendar
from backoffice.work.setup.due_preview import due_examples

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _events(tenant, action: str):
    return AuditEvent.objects.for_tenant(tenant).filter(action=action)


@pytest.fixture
def web_admin(provider_admin, client_a, client_b) -> Client:
    return _login(provider_admin)


@pytest.fixture
def ops_a(provider, client_a):
    """An operations manager who serves client A only."""
    user = UserFactory.create(username="ops-a")
    make_member(provider, user, Role.OPERATIONS_MANAGER)
    make_member(client_a, user, Role.OPERATIONS_MANAGER)
    return user


def _post(client_org, **overrides) -> dict:
    post = {
        "client": str(client_org.pk),
        "name": "New York office",
        "timezone": "America/New_York",
        "hours_mon": "09:00-12:00, 13:00-17:00",
        "hours_tue": "9:00-17:00",
        "hours_wed": "09:00-17:00",
        "hours_thu": "09:00-17:00",
        "hours_fri": "09:00-17:00",
        "hours_sat": "",
        "hours_sun": "",
        "holiday_country": "US",
        "holiday_subdivision": "ny",
        "closures": "2026-12-24\n2026-12-31",
    }
    post.update(overrides)
    return post


def test_calendar_created_for_a_client_with_split_hours_region_and_closures(
    web_admin, provider, client_a
):
    response = web_admin.post(f"/t/{provider.slug}/setup/calendars/new/", _post(client_a))
    assert response.status_code == 302
    cal = BusinessCalendar.objects.for_tenant(client_a).get(name="New York office")
    assert cal.working_hours["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert cal.working_hours["tue"] == [["09:00", "17:00"]]
    assert "sat" not in cal.working_hours
    assert (cal.holiday_country, cal.holiday_subdivision) == ("US", "NY")
    assert cal.closures == ["2026-12-24", "2026-12-31"]
    assert _events(client_a, "work.calendar_created").get().object_id == str(cal.pk)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("hours_mon", "9 to 5", "is not a range like 09:00-17:00"),
        ("hours_mon", "09:00-13:00, 12:00-17:00", "These ranges overlap."),
        ("hours_mon", "17:00-09:00", "must end after it starts"),
        ("hours_tue", "09:75-17:00", "Write times as HH:MM"),
        ("holiday_subdivision", "ZZ", "ZZ is not a region of US"),
        ("closures", "2026-13-01", "is not a date like"),
        ("timezone", "Mars/Olympus", "Select a valid choice"),
        ("client", "999999", "Select a valid choice"),
    ],
)
def test_bad_calendar_input_is_shown_beside_the_field_and_nothing_is_written(
    web_admin, provider, client_a, field, value, message
):
    response = web_admin.post(
        f"/t/{provider.slug}/setup/calendars/new/", _post(client_a, **{field: value})
    )
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    body = response.content.decode()
    assert "2026-12-24" in body  # what was typed is kept
    assert not BusinessCalendar.objects.for_tenant(client_a).filter(name="New York office").exists()
    assert not _events(client_a, "work.calendar_created").exists()


def test_a_calendar_with_no_working_day_is_refused(web_admin, provider, client_a):
    week = {f"hours_{d}": "" for d in ("mon", "tue", "wed", "thu", "fri")}
    response = web_admin.post(f"/t/{provider.slug}/setup/calendars/new/", _post(client_a, **week))
    assert response.status_code == 400
    assert "at least one day" in response.context["form"].errors["hours_mon"][0]


def test_a_name_in_use_for_that_client_is_refused_beside_the_name(web_admin, provider, client_a):
    services.create_calendar(tenant=client_a, actor=None, name="New York office")
    response = web_admin.post(f"/t/{provider.slug}/setup/calendars/new/", _post(client_a))
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert BusinessCalendar.objects.for_tenant(client_a).count() == 1


def test_calendar_edit_audits_what_changed(web_admin, provider, client_a):
    cal = services.create_calendar(tenant=client_a, actor=None, name="Main", holiday_country="")
    url = f"/t/{provider.slug}/setup/calendars/{cal.pk}/"
    page = web_admin.get(url)
    assert page.status_code == 200
    assert 'id="due-examples"' in page.content.decode()  # the preview of the saved calendar
    post = dict(page.context["form"].initial)
    post.update({"hours_fri": "09:00-13:00", "closures": "2027-01-04"})
    assert web_admin.post(url, post).status_code == 302
    cal.refresh_from_db()
    assert cal.working_hours["fri"] == [["09:00", "13:00"]]
    event = _events(client_a, "work.calendar_changed").get()
    assert event.before["closures"] == [] and event.after["closures"] == ["2027-01-04"]
    assert set(event.after) == {"working_hours", "closures"}


def test_a_calendar_of_a_client_not_served_is_404(ops_a, provider, client_b):
    cal = services.create_calendar(tenant=client_b, actor=None, name="B main")
    c = _login(ops_a)
    assert c.get(f"/t/{provider.slug}/setup/calendars/{cal.pk}/").status_code == 404
    assert (
        c.post(f"/t/{provider.slug}/setup/calendars/{cal.pk}/", _post(client_b)).status_code == 404
    )
    response = c.post(f"/t/{provider.slug}/setup/calendars/new/", _post(client_b))
    assert response.status_code == 400  # client B is not among the choices
    assert not BusinessCalendar.objects.for_tenant(client_b).filter(name="New York office").exists()


def test_preview_shows_due_times_for_the_calendar_as_typed(web_admin, provider, client_a):
    response = web_admin.post(
        f"/t/{provider.slug}/setup/calendars/preview/", {**_post(client_a), "preview_hours": "8"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("An item arriving") >= 3
    assert "8-business-hour" in body
    assert not BusinessCalendar.objects.for_tenant(client_a).exists()


def test_preview_of_unreadable_hours_asks_to_correct_them(web_admin, provider, client_a):
    response = web_admin.post(
        f"/t/{provider.slug}/setup/calendars/preview/", _post(client_a, hours_mon="soon")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Correct the settings to see due times — Monday: “soon” is not a range" in body


# --- the due times, worked by hand ---------------------------------------------------------------


def _spec(**kw) -> CalendarSpec:
    hours = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    return CalendarSpec(timezone="Europe/Berlin", hours=parse_hours(hours), **kw)


def test_due_examples_worked_by_hand():
    # given Mon-Fri 09:00-17:00 in Berlin, an 8-business-hour SLA, today Wed 2 Dec 2026
    examples = due_examples(_spec(), timedelta(hours=8), date(2026, 12, 2))
    got = [(e.arrives.strftime("%a %d %H:%M"), e.due.strftime("%a %d %H:%M")) for e in examples]
    assert got == [
        # Fri 16:30: 30 minutes on Friday, 7 h 30 on Monday
        ("Fri 04 16:30", "Mon 07 16:30"),
        # Mon 08:00: the clock starts at 09:00 and runs the whole day
        ("Mon 07 08:00", "Mon 07 17:00"),
        # Wed 13:15: 3 h 45 on Wednesday, 4 h 15 on Thursday
        ("Wed 09 13:15", "Thu 10 13:15"),
    ]


def test_due_examples_skip_a_closure_and_show_the_eve_of_it():
    # given the same calendar closed on Monday 7 December
    spec = _spec(closures=frozenset({date(2026, 12, 7)}))
    examples = due_examples(spec, timedelta(hours=8), date(2026, 12, 2))
    got = {e.arrives.strftime("%a %d %H:%M"): e.due.strftime("%a %d %H:%M") for e in examples}
    # Fri 16:30: 30 minutes on Friday, Monday closed, 7 h 30 on Tuesday
    assert got["Fri 04 16:30"] == "Tue 08 16:30"
    # the eve of the closure (a Sunday, 15:00): all 8 hours on Tuesday
    assert got["Sun 06 15:00"] == "Tue 08 17:00"
    assert [e.note for e in examples if e.note] == ["the day before Mon 7 Dec"]
