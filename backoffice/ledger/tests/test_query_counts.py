"""Postings cost the same number of queries whatever their size (issue 13)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.ledger.services import bulk_post_entries, post_journal_entry
from backoffice.ledger.tests.factories import entry, with_chart

pytestmark = pytest.mark.django_db


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def _entry(day: str, lines: int, shift: int = 0):
    accounts = ["1120", "4100", "6100", "6200"]
    pairs = [(accounts[i % 4], 100 + shift + i) for i in range(lines - 1)]
    return entry(day, *pairs, ("2100", -sum(a for _, a in pairs)))


def test_a_single_posting_costs_the_same_for_two_lines_or_eight(client_a):
    books = with_chart(client_a)
    post_journal_entry(tenant=books, actor=None, entry=_entry("2026-01-05", 8))  # warm up

    def post(lines: int, day: str):
        return lambda: post_journal_entry(tenant=books, actor=None, entry=_entry(day, lines))

    assert _queries(post(8, "2026-01-06")) == _queries(post(2, "2026-01-06"))


def test_a_bulk_posting_costs_the_same_for_ten_entries_or_a_hundred(client_a):
    books = with_chart(client_a)

    def post(n: int, day: str):
        entries = [_entry(day, 3, shift=i) for i in range(n)]
        return lambda: bulk_post_entries(tenant=books, actor=None, entries=entries)

    post(10, "2026-01-05")()  # warm up
    assert _queries(post(100, "2026-01-07")) == _queries(post(10, "2026-01-07"))
