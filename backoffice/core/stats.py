"""Fresh planner statistics after bulk writes (PostgreSQL).

Right after a bulk load (intake, bulk posting, imports) a table's statistics describe the
table before the load, and autovacuum may be off or late; the planner then guesses row
counts and may scan where it should probe. `analyze_after_commit` runs `ANALYZE` on the
written tables once the writing transaction commits: a sample of ~30,000 rows a table,
well under a second, and only for loads big enough to move the statistics.
"""

from __future__ import annotations

from django.db import connection, transaction

# Loads smaller than this leave the statistics close enough; bigger ones refresh them.
ANALYZE_AFTER_ROWS = 10_000


def analyze_after_commit(tables: list[str], *, rows: int) -> bool:
    """Queue `ANALYZE` of `tables` for after commit when `rows` were written; True if queued."""
    if connection.vendor != "postgresql" or rows < ANALYZE_AFTER_ROWS:
        return False
    statement = "ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables)

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    transaction.on_commit(analyze)
    return True
