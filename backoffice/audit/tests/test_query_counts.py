"""Appending to the audit chain costs the same number of queries for one event or fifty
(issue 13): one lock of the lane head, one multi-row insert, one head update."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.audit.services import PendingEvent, record_events

pytestmark = pytest.mark.django_db


def _append(tenant, n: int) -> int:
    events = [PendingEvent("test.appended", "test", str(i), None, {"n": i}) for i in range(n)]
    with CaptureQueriesContext(connection) as captured:
        record_events(tenant=tenant, actor=None, events=events)
    return len(captured.captured_queries)


def test_appending_fifty_events_costs_what_appending_one_does(client_a):
    _append(client_a, 1)  # the lane's head exists from here on
    assert _append(client_a, 50) == _append(client_a, 1)
