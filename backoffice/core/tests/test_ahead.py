"""`ahead`: the producer's chunks arrive in order, its errors in their place, and a caller
that stops early leaves no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from backoffice.core.ahead import ahead


def test_chunks_arrive_in_order():
    assert list(ahead(iter(range(100)), depth=3)) == list(range(100))


def test_a_producer_error_is_raised_after_the_chunks_before_it():
    def chunks() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is unreadable")

    got = []
    with pytest.raises(ValueError, match="row 3"):
        for chunk in ahead(chunks()):
            got.append(chunk)
    assert got == [1, 2]


def test_a_caller_that_stops_early_stops_the_worker():
    made = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            made.append(n)
            yield n
            n += 1

    before = threading.active_count()
    for chunk in ahead(endless(), depth=2):
        if chunk == 5:
            break
    assert threading.active_count() == before
    assert len(made) <= 5 + 1 + 2 + 1  # the chunks taken, the queue's depth, one in hand
