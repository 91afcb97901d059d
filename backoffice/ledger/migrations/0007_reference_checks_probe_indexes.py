"""Statement triggers plan their joins for a 20,000-row transition table (PostgreSQL's fixed
estimate) and PL/pgSQL keeps that plan: a hash join that reads the whole entry table on every
single posting once it has grown (measured: 9.6 ms per posting with 50,000 entries, 0.8 ms
on an empty ledger). Index probes cost the same for a bulk statement and stay constant for a
single one, so the reference-check functions plan with nested loops only.
"""

from django.db import migrations

from backoffice.core.operations import PostgresOnlySQL

FUNCTIONS = ("ledger_check_new_lines", "ledger_check_new_entries", "ledger_check_daily_refs")

FORWARD = "\n".join(
    f"ALTER FUNCTION {f}() SET enable_hashjoin = off; ALTER FUNCTION {f}() SET enable_mergejoin = off;"
    for f in FUNCTIONS
)
BACKWARD = "\n".join(
    f"ALTER FUNCTION {f}() RESET enable_hashjoin; ALTER FUNCTION {f}() SET enable_mergejoin = off;"
    for f in FUNCTIONS
)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_lean_daily_balances")]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
