"""Bulk writes refresh the planner's statistics once they commit (issue 13)."""

from __future__ import annotations

import pytest
from django.db import connection

from backoffice.core import stats
from backoffice.ledger.services import bulk_post_entries
from backoffice.ledger.tests.factories import entry, with_chart
from backoffice.work import services as work
from backoffice.work.services import ItemInput
from backoffice.work.tests.factories import make_engagement, make_service_type

pytestmark = pytest.mark.django_db


def _estimated_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def _post(tenant, n: int) -> None:
    entries = [entry("2026-01-05", ("1120", 100 + i), ("4100", -100 - i)) for i in range(n)]
    bulk_post_entries(tenant=tenant, actor=None, entries=entries)


def test_a_small_load_leaves_the_statistics_alone(client_a, django_capture_on_commit_callbacks):
    with_chart(client_a)
    with django_capture_on_commit_callbacks() as callbacks:
        _post(client_a, 3)
    assert callbacks == []


@pytest.mark.postgres
def test_a_big_bulk_posting_is_analysed_after_commit(
    client_a, monkeypatch, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE and planner statistics are PostgreSQL's")
    monkeypatch.setattr(stats, "ANALYZE_AFTER_ROWS", 10)
    with_chart(client_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _post(client_a, 6)  # 12 lines
    assert len(callbacks) == 1
    assert _estimated_rows("ledger_journalline") >= 12
    assert _estimated_rows("ledger_journalentry") >= 6


@pytest.mark.postgres
def test_a_big_intake_is_analysed_after_commit(
    provider, client_a, monkeypatch, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE and planner statistics are PostgreSQL's")
    monkeypatch.setattr(stats, "ANALYZE_AFTER_ROWS", 10)
    engagement = make_engagement(client_a, make_service_type(provider))
    rows = [ItemInput(external_ref=f"r{i}", data={"name": "x", "amount": 1}) for i in range(12)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        work.submit_items(engagement=engagement, actor=None, rows=rows)
    # besides the metrics' counter, one ANALYZE after commit
    assert len([c for c in callbacks if "analyze" in c.__qualname__]) == 1
    assert _estimated_rows("work_workitem") >= 12
    assert _estimated_rows("work_workitemevent") >= 12
