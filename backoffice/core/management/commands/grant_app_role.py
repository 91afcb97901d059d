"""`backoffice grant-app-role ROLE`: give the application's own database role what it needs.

Run as the tables' owner after `migrate`. The role may read and write the application's
tables but not alter them, and may only append to the audit log (no UPDATE or DELETE), so
even a compromised web process cannot rewrite history. It is not made owner of anything, so
row-level security binds it (FORCE ROW LEVEL SECURITY is on every tenant table).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from psycopg import sql

APPEND_ONLY = ("audit_auditevent",)


class Command(BaseCommand):
    help = "Grant the application's database role its privileges (PostgreSQL; run as owner)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="The login role web and worker processes use.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        role = sql.Identifier(options["role"])
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(role),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role),
            sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {}").format(role),
            *(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), role
                )
                for table in APPEND_ONLY
            ),
        ]
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.as_string(cursor.connection))
        self.stdout.write(f"Granted {options['role']} the application's privileges.")
