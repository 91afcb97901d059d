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
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection

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
    rows: Sequence[ItemInput],
    priorities: Sequence[int],
    now: datetime,
    due: datetime,
) -> list[int]:
    """Insert queued items plus one new→queued event each; returns the new item ids."""
    if not rows:
        return []
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    due_value = ops.adapt_datetimefield_value(due)
    with connection.cursor() as cursor:
        ids = _new_ids(cursor, len(rows))
        items = [
            (
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
            for pk, row, priority in zip(ids, rows, priorities, strict=True)
        ]
        events = [
            (tenant_id, pk, actor_id, at, State.NEW.value, State.QUEUED.value, "submitted")
            for pk in ids
        ]
        if connection.vendor == "postgresql":
            _copy(cursor, "work_workitem", ITEM_COLUMNS, _copy_items(items))
            _copy(cursor, "work_workitemevent", EVENT_COLUMNS, _copy_events(events))
        else:
            _insert(cursor, "work_workitem", ITEM_COLUMNS, items)
            _insert(cursor, "work_workitemevent", EVENT_COLUMNS, events)
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


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")
_NULL = "\\N"


def _text(value: str) -> str:
    return value.translate(_ESCAPES) if _SPECIAL.search(value) else value


def _ref(value: int | None) -> str:
    return _NULL if value is None else str(value)


def _copy_items(rows: list[tuple[Any, ...]]) -> Iterator[str]:
    """COPY text rows, formatted per column: about 3 times cheaper than the driver's write_row."""
    for pk, t, e, b, ref, data, state, prio, skill, lang, at, due, paused, r, br, by in rows:
        yield (
            f"{pk}\t{t}\t{e}\t{_ref(b)}\t{_text(ref)}\t{_text(data)}\t{state}\t{prio}\t"
            f"{_text(skill)}\t{_text(lang)}\t{at}\t{due}\t{paused}\t{'t' if r else 'f'}\t"
            f"{'t' if br else 'f'}\t{_ref(by)}\n"
        )


def _copy_events(rows: list[tuple[Any, ...]]) -> Iterator[str]:
    for t, item, actor, at, frm, to, note in rows:
        yield f"{t}\t{item}\t{_ref(actor)}\t{at}\t{frm}\t{to}\t{_text(note)}\n"


def _copy(cursor: Any, table: str, columns: tuple[str, ...], lines: Iterator[str]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == 5000:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))


def _insert(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
