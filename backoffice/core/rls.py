"""PostgreSQL row-level security: the second wall behind the scoped querysets.

The policies on tenant-owned tables (see `tenant_rls_sql`) show a row only when its
tenant is in `app.tenant_ids`, a transaction-local setting the app makes as soon as it
knows whose request it serves. Work that must cross tenants on purpose (migrations,
audit verification, the worker's own bookkeeping) sets `app.rls_bypass` the same way.
On SQLite these functions do nothing: the scoped querysets are the wall there.
"""

from collections.abc import Iterable

from django.db import connection


def set_rls_tenants(tenant_ids: Iterable[int]) -> None:
    if connection.vendor != "postgresql":
        return
    value = ",".join(str(int(t)) for t in tenant_ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_ids', %s, true)", [value])


def set_rls_bypass() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.rls_bypass', 'on', true)")


_VISIBLE = (
    "current_setting('app.rls_bypass', true) = 'on' OR tenant_id = ANY ("
    "string_to_array(NULLIF(current_setting('app.tenant_ids', true), ''), ',')::bigint[])"
)


def tenant_rls_sql(table: str) -> str:
    """SQL that puts a table behind the tenant policy (FORCE: the owner obeys it too)."""
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON {table};
CREATE POLICY tenant_isolation ON {table}
  USING ({_VISIBLE})
  WITH CHECK ({_VISIBLE});
"""


def tenant_rls_reverse_sql(table: str) -> str:
    return f"""
DROP POLICY IF EXISTS tenant_isolation ON {table};
ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
"""
