"""Helpers of the readable-pages tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def triggers_off() -> Iterator[None]:
    """Write past PostgreSQL's append-only and immutability triggers inside the test's
    transaction (as someone with the database's own password could); SQLite has none."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
