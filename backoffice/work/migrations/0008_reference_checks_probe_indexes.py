"""The intake reference triggers plan with nested loops only (see ledger migration 0007):
with PostgreSQL's fixed 20,000-row estimate for transition tables their cached plans were
hash joins that read the whole item table for every intake chunk and every claim event.
"""

from django.db import migrations

from backoffice.core.operations import PostgresOnlySQL

FUNCTIONS = ("work_check_new_items", "work_check_new_events")

FORWARD = "\n".join(
    f"ALTER FUNCTION {f}() SET enable_hashjoin = off; ALTER FUNCTION {f}() SET enable_mergejoin = off;"
    for f in FUNCTIONS
)
BACKWARD = "\n".join(
    f"ALTER FUNCTION {f}() RESET enable_hashjoin; ALTER FUNCTION {f}() RESET enable_mergejoin;"
    for f in FUNCTIONS
)


class Migration(migrations.Migration):
    dependencies = [("work", "0007_lean_intake_references")]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
