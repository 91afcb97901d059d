"""The report pages, downloads and API: who may read them, what they show, bad input."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from backoffice.reports import rollup
from backoffice.tenancy.tests.factories import make_token

pytestmark = pytest.mark.django_db
DAY2 = "start=2026-03-02&end=2026-03-02"


def _web(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def rolled(history):
    rollup.roll_up()
    return history


def test_every_tab_renders_with_a_chart_and_a_table(rolled, lead, provider):
    web = _web(lead)
    for kind in ("sla", "backlog", "throughput", "productivity", "quality", "adherence"):
        r = web.get(f"/t/{provider.slug}/reports/{kind}/?start=2026-03-02&end=2026-03-03")
        assert r.status_code == 200, kind
        body = r.content.decode()
        assert 'id="report-rows"' in body and "<figure" in body, kind
    index = web.get(f"/t/{provider.slug}/reports/?{DAY2}").content.decode()
    assert "85.7" in index and "50.0" in index  # the day's attainment, and fast's


def test_downloads_have_the_pages_columns_and_figures(rolled, lead, provider):
    web = _web(lead)
    r = web.get(f"/t/{provider.slug}/reports/throughput/?{DAY2}&format=csv")
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows == [
        ["period", "arrived", "completed", "on_time", "cancelled", "net_change"],
        ["2026-03-02", "9", "7", "6", "1", "1"],
    ]
    x = web.get(f"/t/{provider.slug}/reports/productivity/?{DAY2}&format=xlsx")
    assert x["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(x.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("agent", "team", "handed_on")
    assert {(v[0], v[2]) for v in values[1:]} == {("agent", 4), ("agent-a", 3)}


def test_bad_filters_are_named_and_what_was_typed_is_kept(rolled, lead, provider):
    web = _web(lead)
    r = web.get(f"/t/{provider.slug}/reports/sla/?start=2026-02-30&engagement=abc")
    assert r.status_code == 200
    body = r.content.decode()
    assert "Not a date (YYYY-MM-DD)." in body and "No such engagement." in body
    assert 'value="2026-02-30"' in body
    long = web.get(f"/t/{provider.slug}/reports/adherence/?start=2026-03-01&end=2026-03-20")
    assert "at most 7 days" in long.content.decode()
    backwards = web.get(f"/t/{provider.slug}/reports/sla/?start=2026-03-05&end=2026-03-01")
    assert "ends before it starts" in backwards.content.decode()
    assert web.get(f"/t/{provider.slug}/reports/nonsense/").status_code == 404


def test_client_members_and_agents_cannot_reach_the_reports(
    rolled, provider, client_a, user_a, agent
):
    assert _web(user_a).get(f"/t/{client_a.slug}/reports/").status_code == 403
    assert _web(user_a).get(f"/t/{provider.slug}/reports/").status_code == 404
    assert _web(agent).get(f"/t/{provider.slug}/reports/").status_code == 403
    api = Client(headers={"Authorization": f"Bearer {make_token(user_a, client_a)}"})
    assert api.get("/api/v1/reports/sla").status_code == 403
    mine = Client(headers={"Authorization": f"Bearer {make_token(agent, provider)}"})
    assert mine.get("/api/v1/reports/productivity").status_code == 403


def test_a_lead_serving_one_client_sees_only_that_clients_figures(
    rolled, provider, lead_a, client_b
):
    api = Client(headers={"Authorization": f"Bearer {make_token(lead_a, provider)}"})
    sla = api.get(f"/api/v1/reports/sla?{DAY2}").json()
    assert {r["client"] for r in sla["rows"]} == {"Client A"}
    assert sla["totals"]["completed"] == 6  # 7 less V of client B
    prod = api.get(f"/api/v1/reports/productivity?{DAY2}").json()
    assert {r["agent"]: r["handed_on"] for r in prod["rows"]} == {"agent": 3, "agent-a": 3}
    refused = api.get(f"/api/v1/reports/sla?{DAY2}&client={client_b.slug}")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["client"] == ["No such client among those you serve."]


def test_the_api_answers_the_pages_figures_and_refuses_bad_filters(rolled, lead, provider):
    api = Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})
    r = api.get(f"/api/v1/reports/throughput?{DAY2}")
    assert r.status_code == 200
    body = r.json()
    assert body["columns"][:3] == ["period", "arrived", "completed"]
    assert body["rows"][0]["arrived"] == 9 and body["start"] == "2026-03-02"
    bad = api.get("/api/v1/reports/quality?start=yesterday")
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "reports_bad_filter"
    assert error["fields"] == {"start": ["Not a date (YYYY-MM-DD)."]}
    assert api.get("/api/v1/reports/nonsense").status_code in (404, 422)
