"""Claim-next and intake cost the same number of queries whatever the queue's or the
batch's size (issue 13); the SLA sweep has its own test (test_sla_sweep_queries.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.work import services
from backoffice.work.services import ItemInput
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def _rows(prefix: str, n: int) -> list[ItemInput]:
    return [
        ItemInput(external_ref=f"{prefix}{i}", data={"name": "x", "amount": i}) for i in range(n)
    ]


def test_intake_costs_the_same_for_ten_rows_or_a_thousand(engagement_a):
    services.submit_items(engagement=engagement_a, actor=None, rows=_rows("warm", 5))

    def intake(prefix: str, n: int):
        return lambda: services.submit_items(
            engagement=engagement_a, actor=None, rows=_rows(prefix, n)
        )

    assert _queries(intake("big", 1000)) == _queries(intake("small", 10))


def test_claim_next_costs_the_same_with_five_items_queued_or_fifty(engagement_a, agent):
    for i in range(5):
        submit(engagement_a, f"a{i}")
    services.claim_next_item(agent=agent)  # warm up
    few = _queries(lambda: services.claim_next_item(agent=agent))
    for i in range(50):
        submit(engagement_a, f"b{i}")
    many = _queries(lambda: services.claim_next_item(agent=agent))
    assert many == few
