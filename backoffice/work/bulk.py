"""The bulk-intake write path: items and their intake events without the ORM's per-row cost.

Django's `bulk_create` spends ~100 µs a row building model instances and SQL. Intake of
hundreds of thousands of rows instead streams tuples: PostgreSQL gets `COPY … FROM STDIN`
(ids drawn from the table's sequence first, so events can point at their items; rows
formatted per column as COPY text); SQLite
gets `executemany` with ids numbered after the current maximum, which is safe because the
IMMEDIATE transaction holds SQLite's single write lock. Values are adapted by the
connection's own operations, so they are stored exactly as the ORM would store them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection

from backoffice.core import pgcopy
from backoffice.work.models import State

if TYPE_CHECKING:
    from backoffice.work.services import ItemInput

ITEM_COLUMNS = (
    "id",
    "tenant_id",
    "engagement_id",
    "batch_id",
    "external_ref",
    "data",
    "state",
    "priority",
    "skill",
    "language",
    "received_at",
    "sla_due_at",
    "paused_seconds",
    "at_risk",
    "breached",
    "created_by_id",
)
EVENT_COLUMNS = ("tenant_id", "item_id", "actor_id", "at", "from_state", "to_state", "note")


def insert_items(
    *,
    tenant_id: int,
    engagement_id: int,
    batch_id: int | None,
    actor_id: int | None,
    rows: Iterable[tuple[ItemInput, int]],
    capacity: int,
    now: datetime,
    due: datetime,
) -> list[int]:
    """Insert queued items (row, priority) plus one new→queued event each; returns the ids.

    `rows` may check each row as it is asked for: on PostgreSQL the items stream into
    COPY as they come, so that checking overlaps the server's writing of earlier rows.
    At most `capacity` rows.
    """
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    due_value = ops.adapt_datetimefield_value(due)
    with connection.cursor() as cursor:
        pool = iter(_new_ids(cursor, capacity))
        ids: list[int] = []

        def items() -> Iterator[tuple[Any, ...]]:
            for row, priority in rows:
                pk = next(pool)
                ids.append(pk)
                yield (
                    pk,
                    tenant_id,
                    engagement_id,
                    batch_id,
                    row.external_ref,
                    json.dumps(row.data, ensure_ascii=False),
                    State.QUEUED.value,
                    priority,
                    row.skill,
                    row.language,
                    at,
                    due_value,
                    0,
                    False,
                    False,
                    actor_id,
                )

        def events() -> Iterator[tuple[Any, ...]]:
            new, queued = State.NEW.value, State.QUEUED.value
            for pk in ids:
                yield (tenant_id, pk, actor_id, at, new, queued, "submitted")

        if connection.vendor == "postgresql":
            raw = cursor.cursor
            pgcopy.copy_lines(raw, "work_workitem", ", ".join(ITEM_COLUMNS), _copy_items(items()))
            if ids:
                pgcopy.copy_lines(
                    raw, "work_workitemevent", ", ".join(EVENT_COLUMNS), _copy_events(events())
                )
        else:
            _insert(cursor, "work_workitem", ITEM_COLUMNS, items())
            _insert(cursor, "work_workitemevent", EVENT_COLUMNS, events())
    return ids


def _new_ids(cursor: Any, n: int) -> list[int]:
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('work_workitem', 'id')) "
            "FROM generate_series(1, %s)",
            [n],
        )
        return [r[0] for r in cursor.fetchall()]
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM work_workitem")
    start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + n))


def _copy_items(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """COPY text rows, formatted per column."""
    for pk, t, e, b, ext_ref, data, state, prio, skill, lang, at, due, paused, r, br, by in rows:
        yield (
            f"{pk}\t{t}\t{e}\t{pgcopy.ref(b)}\t{pgcopy.text(ext_ref)}\t{pgcopy.text(data)}\t"
            f"{state}\t{prio}\t{pgcopy.text(skill)}\t{pgcopy.text(lang)}\t{at}\t{due}\t{paused}\t"
            f"{'t' if r else 'f'}\t{'t' if br else 'f'}\t{pgcopy.ref(by)}\n"
        )


def _copy_events(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    for t, item, actor, at, frm, to, note in rows:
        yield f"{t}\t{item}\t{pgcopy.ref(actor)}\t{at}\t{frm}\t{to}\t{pgcopy.text(note)}\n"


def _insert(
    cursor: Any, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
