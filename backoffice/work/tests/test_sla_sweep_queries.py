"""The SLA sweep's cost does not grow by a query per open item (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.work import services
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db

MONDAY_9_LOCAL = datetime(2026, 6, 1, 7, tzinfo=UTC)  # the engagement's calendar is UTC+2
MONDAY_10_LOCAL = datetime(2026, 6, 1, 8, tzinfo=UTC)


def _sweep_queries(engagement, count: int, prefix: str) -> int:
    with mock.patch("django.utils.timezone.now", return_value=MONDAY_9_LOCAL):
        for n in range(count):
            submit(engagement, f"{prefix}-{n}")
    with CaptureQueriesContext(connection) as captured:
        sweep = services.refresh_sla_flags(now=MONDAY_10_LOCAL)
    # An hour used of eight: every item is read and measured, none is flagged.
    assert (sweep.breached, sweep.at_risk) == (0, 0)
    return len(captured.captured_queries)


def test_the_sweep_reads_open_items_without_a_query_per_item(engagement_a):
    few = _sweep_queries(engagement_a, 3, "few")
    many = _sweep_queries(engagement_a, 40, "many")
    assert many == few
