"""Results exports: the output schema's columns, only the caller's work, every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from backoffice.audit.models import AuditEvent
from backoffice.delivery.models import ResultsExport
from backoffice.delivery.tests.factories import batch_of, finish
from backoffice.work.tests.factories import submit

HEADER = [
    "Item",
    "Reference",
    "Completed at (UTC)",
    "Supplier name",
    "Invoice total",
    "Paid",
    "Lines",
]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _export(api, **payload):
    return api.post("/api/v1/delivery/exports", payload, content_type="application/json")


@pytest.fixture
def finished_batch(engagement_a, agent):
    """Batch of three: two finished (one with a formula-like supplier), one still open."""
    one, two, three = batch_of(engagement_a, ["R-1", "R-2", "R-3"])
    finish(one, agent, {"vendor": "Acme Ltd", "total": 120.5, "paid": True, "lines": [{"q": 2}]})
    finish(two, agent, {"vendor": '=HYPERLINK("x")', "total": -3, "paid": False})
    return one.batch_id, [one, two, three]


@pytest.mark.django_db
def test_a_batch_export_in_csv_has_the_schema_columns_and_only_finished_items(
    api_a, finished_batch
):
    batch_id, _ = finished_batch
    made = _export(api_a, batch_id=batch_id, format="csv")
    assert made.status_code == 201, made.content
    assert made.json()["item_count"] == 2
    response = api_a.get(made.json()["download"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert [r[1] for r in rows[1:]] == ["R-1", "R-2"]
    assert rows[1][3:] == ["Acme Ltd", "120.5", "True", '[{"q":2}]']
    # a text a spreadsheet would run as a formula is defused; a negative number is not
    assert rows[2][3] == '\'=HYPERLINK("x")' and rows[2][4] == "-3"
    assert rows[2][6] == ""


@pytest.mark.django_db
def test_a_period_export_in_json_lines_keeps_names_and_values(api_a, engagement_a, agent):
    finish(submit(engagement_a, "P-1"), agent)
    today = timezone.now().date()
    made = _export(
        api_a,
        engagement_id=engagement_a.pk,
        date_from=str(today - timedelta(days=1)),
        date_to=str(today + timedelta(days=1)),
        format="jsonl",
    )
    assert made.status_code == 201, made.content
    lines = _body(api_a.get(made.json()["download"])).decode().splitlines()
    record = json.loads(lines[0])
    assert record["external_ref"] == "P-1"
    assert list(record["output"]) == ["vendor", "total", "paid", "lines"]
    assert record["output"]["total"] == 120.5


@pytest.mark.django_db
def test_an_xlsx_export_reads_back_in_a_spreadsheet(api_a, finished_batch):
    batch_id, _ = finished_batch
    made = _export(api_a, batch_id=batch_id, format="xlsx")
    response = api_a.get(made.json()["download"])
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert rows[1][3:6] == ["Acme Ltd", 120.5, True]


@pytest.mark.django_db
def test_another_clients_batch_engagement_or_export_is_not_found(
    api_a, api_b, finished_batch, engagement_a
):
    batch_id, _ = finished_batch
    assert _export(api_b, batch_id=batch_id, format="csv").status_code == 404
    today = str(timezone.now().date())
    foreign = _export(
        api_b, engagement_id=engagement_a.pk, date_from=today, date_to=today, format="csv"
    )
    assert foreign.status_code == 404
    mine = _export(api_a, batch_id=batch_id, format="csv").json()
    assert api_b.get(f"/api/v1/delivery/exports/{mine['id']}").status_code == 404
    assert api_b.get(mine["download"]).status_code == 404
    assert api_b.get("/api/v1/delivery/exports").json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"format": "csv"}, "engagement_id", "Choose the engagement"),
        ({"format": "pdf", "batch_id": "BATCH"}, "format", "Choose CSV, JSON Lines or Excel"),
        ({"format": "csv", "engagement_id": "ENG"}, "date_from", "Choose a batch, or the first"),
        (
            {
                "format": "csv",
                "engagement_id": "ENG",
                "date_from": "2026-11-30",
                "date_to": "2026-11-01",
            },
            "date_to",
            "The last day comes before the first",
        ),
        (
            {
                "format": "csv",
                "batch_id": "BATCH",
                "date_from": "2026-11-01",
                "date_to": "2026-11-02",
            },
            "batch_id",
            "not both",
        ),
    ],
)
def test_bad_export_requests_are_refused_in_words_and_write_nothing(
    api_a, client_a, finished_batch, engagement_a, payload, field, words
):
    batch_id, _ = finished_batch
    filled = {
        k: (batch_id if v == "BATCH" else engagement_a.pk if v == "ENG" else v)
        for k, v in payload.items()
    }
    answer = _export(api_a, **filled)
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["code"] == "invalid_export" and words in error["message"]
    assert field in error["fields"]
    assert not ResultsExport.objects.for_tenant(client_a).exists()
    assert (
        not AuditEvent.objects.for_tenant(client_a)
        .filter(action="delivery.export_created")
        .exists()
    )


@pytest.mark.django_db
def test_an_export_is_idempotent_with_a_key(api_a, client_a, finished_batch):
    batch_id, _ = finished_batch
    headers = {"Idempotency-Key": "export-1"}
    first = api_a.post(
        "/api/v1/delivery/exports", {"batch_id": batch_id, "format": "csv"},
        content_type="application/json", headers=headers,
    )  # fmt: skip
    again = api_a.post(
        "/api/v1/delivery/exports", {"batch_id": batch_id, "format": "csv"},
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert first.json()["id"] == again.json()["id"]
    assert ResultsExport.objects.for_tenant(client_a).count() == 1
