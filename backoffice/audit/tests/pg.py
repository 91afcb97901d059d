"""Reading PostgreSQL functions back, to hold them to the canonical form in `audit.chain`."""

from django.db import connection

from backoffice.audit.chain import sql_tokens


def function_source(name: str) -> str:
    """The definition of the one function called `name`, as the database runs it now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc AS p "
            "JOIN pg_namespace AS n ON n.oid = p.pronamespace "
            "WHERE p.proname = %s AND n.nspname = current_schema()",
            [name],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1, f"{len(rows)} functions called {name}"
    return rows[0][0]


def assert_function_writes(name: str, expression: str) -> None:
    """The function's source contains `expression` (spacing and comments aside)."""
    assert sql_tokens(expression) in sql_tokens(function_source(name)), (
        f"{name} no longer writes the canonical form that audit.chain renders; "
        f"it should contain:\n{expression}"
    )
