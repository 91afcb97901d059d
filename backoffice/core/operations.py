"""A migration operation that puts a tenant-owned table behind row-level security."""

from typing import Any

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """Raw SQL for PostgreSQL features (triggers, policies); skipped on SQLite."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class EnableTenantRLS(PostgresOnlySQL):
    """`EnableTenantRLS("ledger_account")`; PostgreSQL only, a no-op on SQLite."""

    def __init__(self, table: str) -> None:
        from backoffice.core.rls import tenant_rls_reverse_sql, tenant_rls_sql

        self.table = table
        super().__init__(sql=tenant_rls_sql(table), reverse_sql=tenant_rls_reverse_sql(table))

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.table], {})
