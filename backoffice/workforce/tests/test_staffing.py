"""The staffing page and the planning API over real rows: history -> forecast and its error,
required vs scheduled per half hour, the what-if, bad input in words, tenant isolation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import make_member, make_token
from backoffice.work.models import EngagementMember
from backoffice.workforce.tests import factories as f
from backoffice.workforce.tests import planning_data as p

pytestmark = pytest.mark.django_db


def history(e, weeks: int = 4) -> None:
    """Weekdays only, at 10:00 UTC: 8 items in even weeks back, 10 in odd ones (so last
    week's copy is off by one every day and a smoothed model does better)."""
    today = timezone.now().date()
    received = []
    for n in range(1, weeks * 7 + 1):
        day = today - timedelta(days=n)
        if day.weekday() < 5:
            count = 8 if (n // 7) % 2 == 0 else 10
            received += [datetime.combine(day, time(10), UTC)] * count
    p.items(e, received, prefix=f"h{e.pk}-", skill="claims", language="en")


@pytest.fixture
def claims(client_a, provider, lead, london):
    make_member(client_a, lead, Role.TEAM_LEAD)
    e = p.engagement(client_a, provider)
    history(e)
    EngagementMember.objects.create(
        tenant=client_a, engagement=e, user=london.user, skills=["claims"], languages=["en"]
    )
    return e


@pytest.fixture
def fresh(client_a, provider, lead):
    """An engagement with only a week of history."""
    e = p.engagement(client_a, provider, code="fresh", name="Fresh start")
    today = timezone.now().date()
    p.items(e, [datetime.combine(today - timedelta(days=n), time(11), UTC) for n in range(1, 8)],
            prefix="fresh")  # fmt: skip
    return e


def _next_weekday():
    d = timezone.now().date() + timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def test_the_staffing_page_shows_the_gap_the_forecast_error_and_a_what_if(
    lead, provider, claims, fresh, london
):
    day = _next_weekday()
    f.shift(london, day.isoformat(), "09:00", "17:00")  # London is on UTC in winter
    c = Client()
    c.force_login(lead)
    url = f"/t/{provider.slug}/workforce/staffing/"
    text = c.get(url, {"start": day.isoformat()}).content.decode()
    assert 'id="gap-chart"' in text and "<svg" in text
    assert "Required and scheduled agents" in text
    assert 'id="forecast-error"' in text and "MAE (baseline)" in text
    # The engagement with a week of history: a sentence, not a crash.
    assert "A forecast for Fresh start needs at least three weeks of arrivals" in text
    assert "No staffing is computed for it." in text
    # A what-if keeps what was typed.
    answer = c.get(url, {"start": day.isoformat(), "volume": "20", "handle": "-10", "leave": "2"})
    text = answer.content.decode()
    assert "Required (what-if)" in text and 'value="20"' in text and 'value="-10"' in text
    # Bad what-if: said in words, the page still answers.
    r = c.get(url, {"start": day.isoformat(), "volume": "lots"})
    assert r.status_code == 200
    assert "The volume change must be a number from -90 to 500." in r.content.decode()
    assert 'value="lots"' in r.content.decode()


def test_the_staffing_api_per_half_hour_with_the_what_if(lead, provider, claims, london):
    day = _next_weekday()
    f.shift(london, day.isoformat(), "09:00", "17:00")
    c = Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})
    r = c.get("/api/v1/workforce/staffing", {"start": day.isoformat(), "engagement_id": claims.pk,
                                             "volume": "20", "leave": "1"})  # fmt: skip
    assert r.status_code == 200, r.content
    body = r.json()
    assert len(body["intervals"]) == 7 * 48
    by_start = {datetime.fromisoformat(i["start"]): i for i in body["intervals"]}
    at_10 = by_start[datetime.combine(day, time(10), UTC)]
    at_8 = by_start[datetime.combine(day, time(8), UTC)]
    assert at_10["scheduled"] == 1 and at_10["required"] > 0
    assert at_8["required"] == 0 and at_8["scheduled"] == 0  # closed, nobody on shift
    # Deferred work: what is required over the day's 16 open half hours, times a person's
    # productive half hour (0.5 x 0.7 x 0.85), is the day's forecast work content
    # (forecast items x 6 minutes, no handle time measured).
    day_rows = [i for s, i in by_start.items() if s.date() == day]
    forecast = next(x for x in body["forecasts"][0]["days"] if x["day"] == day.isoformat())
    work_hours = forecast["arrivals"] * 6 / 60
    assert sum(i["required"] for i in day_rows) * 0.2975 == pytest.approx(work_hours, rel=1e-3)
    what = {datetime.fromisoformat(i["start"]): i for i in body["what_if"]}
    assert what[datetime.combine(day, time(10), UTC)]["required"] == pytest.approx(
        1.2 * at_10["required"],
        abs=2e-3,  # both rounded to 3 decimals
    )
    assert what[datetime.combine(day, time(10), UTC)]["scheduled"] == 0  # one on leave
    acc = body["forecasts"][0]["accuracy"]
    assert acc["model_mae"] >= 0 and acc["baseline_mae"] >= 0 and len(acc["actual"]) == 7


def test_forecast_api_too_little_history_and_isolation(lead, provider, fresh, client_b, user_b):
    c = Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})
    r = c.get("/api/v1/workforce/forecasts", {"engagement_id": fresh.pk})
    # The lead does not serve client A yet: the engagement is not found.
    assert r.status_code == 404
    make_member(fresh.tenant, lead, Role.TEAM_LEAD)
    r = c.get("/api/v1/workforce/forecasts", {"engagement_id": fresh.pk})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "forecast_history_short"
    assert (
        "needs at least three weeks of arrivals" in err["message"]
        and "it has 7 days" in err["message"]
    )
    # A client's member: workforce is the provider's.
    other = Client(headers={"Authorization": f"Bearer {make_token(user_b, client_b)}"})
    assert other.get("/api/v1/workforce/staffing").status_code == 403


def test_deadline_api_is_idempotent_and_refuses_the_past(lead, provider, claims):
    c = Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})
    body = {"name": "Year-end", "engagement_id": claims.pk, "business_hours": 48,
            "handle_minutes": 6}  # fmt: skip
    r1 = c.post("/api/v1/workforce/deadlines", body, content_type="application/json",
                headers={"Idempotency-Key": "k-1"})  # fmt: skip
    assert r1.status_code == 201, r1.content
    r2 = c.post("/api/v1/workforce/deadlines", body, content_type="application/json",
                headers={"Idempotency-Key": "k-2"})  # fmt: skip
    assert r2.status_code == 200 and r2.json()["id"] == r1.json()["id"]
    got = c.get(f"/api/v1/workforce/deadlines/{r1.json()['id']}").json()
    assert (
        got["business_hours_left"] == pytest.approx(48, abs=0.01)
        or got["business_hours_left"] <= 48
    )
    assert c.get("/api/v1/workforce/deadlines/999999").status_code == 404
    past = {**body, "name": "Late", "business_hours": None, "due_at": "2020-01-01T09:00:00Z"}
    r = c.post("/api/v1/workforce/deadlines", past, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_deadline"
    assert "has already passed; choose a time after now." in r.json()["error"]["message"]
