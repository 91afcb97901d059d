"""PostgreSQL `COPY … FROM STDIN` in text format, for the bulk write paths.

Rows are formatted by the caller, column by column (an f-string per row is several times
cheaper than the driver's `write_row`); this module holds the escaping and the streaming.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")
CHUNK_ROWS = 5000


def text(value: str | None) -> str:
    """A text cell: backslash, tab and line breaks escaped; None is NULL."""
    if not value:
        return NULL if value is None else value
    return value.translate(_ESCAPES) if _SPECIAL.search(value) else value


def ref(value: int | None) -> str:
    """An integer cell that may be NULL (a nullable reference)."""
    return NULL if value is None else str(value)


def copy_lines(cursor: Any, table: str, columns: str, lines: Iterable[str]) -> None:
    """Stream formatted lines (each ending in a newline) into `table` in chunks.

    `cursor` is a psycopg cursor (Django's `cursor.cursor`).
    """
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == CHUNK_ROWS:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
