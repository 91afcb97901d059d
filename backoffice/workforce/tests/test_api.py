"""The workforce API: states, shifts, adherence, templates, time figures; isolation."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.tenancy.tests.factories import make_token
from backoffice.workforce.models import Shift, StateInterval
from backoffice.workforce.tests import factories as f

pytestmark = pytest.mark.django_db
BASE = "/api/v1/workforce"


@pytest.fixture
def as_lead(lead, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})


@pytest.fixture
def as_ahmed(london, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(london.user, provider)}"})


def _post(c, path, body, **headers):
    return c.post(BASE + path, data=body, content_type="application/json", headers=headers)


def test_an_agent_sets_their_own_state(as_ahmed, london):
    r = _post(as_ahmed, "/me/state", {"state": "training"})
    assert r.status_code == 200, r.content
    assert r.json()["state_label"] == "Training"
    r = _post(as_ahmed, "/me/state", {"state": "busy"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_state"
    assert r.json()["error"]["message"] == "Busy and away are set by the product, not chosen."


def test_a_lead_sets_an_agents_state_but_not_another_tenants(as_lead, london, client_a):
    r = _post(as_lead, f"/agents/{london.pk}/state", {"state": "offline"})
    assert r.status_code == 200, r.content
    assert r.json()["source"] == "lead"
    # an agent whose roster entry is in another tenant: 404, as a missing one
    stranger = f.agent(client_a, "stranger")
    r = _post(as_lead, f"/agents/{stranger.pk}/state", {"state": "offline"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert _post(as_lead, "/agents/999999/state", {"state": "offline"}).status_code == 404
    # an empty body on another tenant's agent is still a 404 (the access comes first)
    assert _post(as_lead, f"/agents/{stranger.pk}/state", {}).status_code == 404
    rows = StateInterval.objects.for_tenant(client_a)
    assert not rows.exists()


def test_an_agent_may_not_set_another_agents_state(as_ahmed, manila):
    r = _post(as_ahmed, f"/agents/{manila.pk}/state", {"state": "offline"})
    assert r.status_code == 403


def test_a_client_tenant_has_no_workforce(user_a, client_a):
    c = Client(headers={"Authorization": f"Bearer {make_token(user_a, client_a)}"})
    r = c.get(BASE + "/agents")
    assert r.status_code == 403


def test_shift_crud_and_its_refusals(as_lead, london):
    # create, idempotently
    body = {
        "agent_id": london.user_id,
        "start": "2026-12-07T09:00",
        "end": "2026-12-07T17:00",
        "breaks": [{"start": "12:00", "minutes": 30}],
    }
    r1 = _post(as_lead, "/shifts", body, **{"Idempotency-Key": "s-1"})
    r2 = _post(as_lead, "/shifts", body, **{"Idempotency-Key": "s-1"})
    assert r1.status_code == r2.status_code == 201, r1.content
    assert r1.json() == r2.json()
    shift = r1.json()
    assert (shift["local_start"], shift["minutes"]) == ("2026-12-07T09:00", 480)
    assert Shift.objects.for_tenant(london.tenant).count() == 1
    # overlapping: 409 in words
    r = _post(
        as_lead,
        "/shifts",
        {**body, "start": "2026-12-07T16:00", "end": "2026-12-07T23:00", "breaks": []},
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "shifts_overlap"
    assert (
        "already has a shift on Mon 7 Dec 2026 from 09:00 to 17:00" in r.json()["error"]["message"]
    )
    # longer than a day: 400
    r = _post(as_lead, "/shifts", {**body, "start": "2026-12-09T08:00", "end": "2026-12-10T09:00"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "shift_too_long"
    # with an offset: 400, said plainly
    r = _post(as_lead, "/shifts", {**body, "start": "2026-12-09T08:00+01:00"})
    assert r.status_code == 400 and "offset" in r.json()["error"]["message"]
    # change, read, delete
    r = as_lead.put(
        f"{BASE}/shifts/{shift['id']}",
        data={"start": "2026-12-07T10:00", "end": "2026-12-07T18:00"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["local_end"] == "2026-12-07T18:00"
    assert as_lead.get(f"{BASE}/shifts/{shift['id']}").status_code == 200
    assert as_lead.delete(f"{BASE}/shifts/{shift['id']}").status_code == 204
    assert as_lead.get(f"{BASE}/shifts/{shift['id']}").status_code == 404


def test_an_agent_reads_their_own_shifts_only(as_ahmed, london, manila):
    mine = f.shift(london, "2026-12-07", "09:00", "17:00")
    theirs = f.shift(manila, "2026-12-07", "09:00", "17:00")
    r = as_ahmed.get(BASE + "/shifts")
    assert [s["id"] for s in r.json()["items"]] == [mine.pk]
    assert as_ahmed.get(f"{BASE}/shifts/{theirs.pk}").status_code == 404
    body = {"agent_id": london.user_id, "start": "2026-12-08T09:00", "end": "2026-12-08T17:00"}
    assert _post(as_ahmed, "/shifts", body).status_code == 403


def test_adherence_of_a_shift(as_lead, london):
    shift = f.shift(london, "2026-12-07", "09:00", "17:00", (("12:00", 30),))
    f.states(
        london,
        ("2026-12-07T09:15", "available"),
        ("2026-12-07T12:00", "on_break"),
        ("2026-12-07T12:45", "available"),
        ("2026-12-07T17:00", "offline"),
    )
    r = as_lead.get(f"{BASE}/shifts/{shift.pk}/adherence")
    assert r.status_code == 200
    body = r.json()
    assert (body["adherence_percent"], body["conformance_percent"]) == (93.75, 93.33)
    assert len(body["intervals"]) == 32
    r = as_lead.get(BASE + "/adherence", {"day": "2026-12-07"})
    assert [row["shift_id"] for row in r.json()] == [shift.pk]


def test_copy_week_and_assign_a_template(as_lead, london, manila):
    f.shift(london, "2026-12-07", "09:00", "17:00")
    r = _post(as_lead, "/weeks/copy", {"from_week": "2026-12-09", "to_week": "2026-12-14"})
    assert r.status_code == 200 and r.json()["copied"] == 1
    t = _post(
        as_lead,
        "/templates",
        {
            "name": "Late",
            "start": "14:00",
            "end": "22:00",
            "breaks": [{"start": "18:00", "minutes": 30}],
        },
    )
    assert t.status_code == 201, t.content
    r = _post(
        as_lead,
        f"/templates/{t.json()['id']}/assign",
        {"agent_ids": [manila.user_id], "first_day": "2026-12-07", "last_day": "2026-12-11"},
    )
    # Tuesday 8 December is a public holiday in the Philippines
    assert r.status_code == 200 and r.json()["added"] == 4
    assert r.json()["skipped"] == [
        "Maria on Tue 8 Dec 2026: Feast of the Immaculate Conception of Mary"
    ]
    # the same again clashes: nothing is added
    r = _post(
        as_lead,
        f"/templates/{t.json()['id']}/assign",
        {"agent_ids": [manila.user_id], "first_day": "2026-12-07", "last_day": "2026-12-11"},
    )
    assert r.status_code == 409
    assert r.json()["error"]["message"].startswith("Nothing was assigned: Maria already has")


def test_time_figures(as_lead, london):
    f.states(london, ("2026-12-07T09:00", "available"), ("2026-12-07T10:00", "offline"))
    r = as_lead.get(BASE + "/time", {"since": "2026-12-07T00:00Z", "until": "2026-12-08T00:00Z"})
    assert r.status_code == 200, r.content
    ahmed = next(a for a in r.json()["agents"] if a["label"] == "Ahmed")
    # no item held: 15 minutes available, then away (the idle timeout) for 45
    assert (ahmed["logged_in_minutes"], ahmed["available_minutes"]) == (60.0, 60.0)
    assert (ahmed["busy_minutes"], ahmed["away_minutes"]) == (0.0, 45.0)
    assert ahmed["occupancy_percent"] == 0.0
    r = as_lead.get(BASE + "/time", {"since": "2026-12-08T00:00Z", "until": "2026-12-07T00:00Z"})
    assert r.status_code == 400


def test_a_client_cannot_touch_the_providers_shifts_even_with_an_empty_body(
    user_a, client_a, london
):
    shift = f.shift(london, "2026-12-07", "09:00", "17:00")
    c = Client(headers={"Authorization": f"Bearer {make_token(user_a, client_a)}"})
    for method in ("GET", "PUT", "DELETE"):
        r = c.generic(method, f"{BASE}/shifts/{shift.pk}", b"{}", content_type="application/json")
        assert r.status_code in (403, 404), (method, r.status_code)
    r = _post(c, f"/agents/{london.pk}/state", {})
    assert r.status_code in (403, 404)
    assert Shift.objects.for_tenant(london.tenant).count() == 1


def test_changing_a_shift_without_times_is_refused_in_words(as_lead, london):
    shift = f.shift(london, "2026-12-07", "09:00", "17:00")
    r = as_lead.put(f"{BASE}/shifts/{shift.pk}", data={}, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Give the shift's start."
