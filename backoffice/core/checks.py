"""Deploy checks of our own, run by `backoffice check-deploy` beside Django's."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections


@register(Tags.security, deploy=True)
def backoffice_deploy_checks(app_configs: Any, **kwargs: Any) -> list[Warning | Error]:
    found: list[Warning | Error] = []
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        found.append(Error("SECRET_KEY is the development default.", id="backoffice.E001"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        found.append(
            Warning(
                "SQLite serves one writer at a time; use PostgreSQL for a multi-user provider.",
                id="backoffice.W001",
            )
        )
    if not getattr(settings, "PRODUCTION", False):
        found.append(Warning("BACKOFFICE_ENV is not 'production'.", id="backoffice.W002"))
    return found


def database_role_problems(alias: str = "default") -> list[str]:
    """Why the application's PostgreSQL connection would bypass row-level security, if it would.

    A superuser or a role with BYPASSRLS ignores every policy; the tables' owner obeys them only
    because of FORCE ROW LEVEL SECURITY, and may also drop or alter them. The web and worker
    processes must connect as a role that is none of these (migrations run as the owner).
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tableowner = current_user AND tablename LIKE ANY (%s)",
            [["work\\_%", "ledger\\_%", "commerce\\_%", "audit\\_%", "tenancy\\_%", "billing\\_%"]],
        )
        owned = cursor.fetchone()[0]
    problems = []
    if superuser:
        problems.append(f"the database role {user!r} is a superuser")
    if bypass:
        problems.append(f"the database role {user!r} has BYPASSRLS")
    if owned:
        problems.append(f"the database role {user!r} owns {owned} of the application's tables")
    return problems


@register(Tags.database, deploy=True)
def database_role_check(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[Error]:
    """Production must not run on a role that row-level security does not bind."""
    if not databases or not getattr(settings, "PRODUCTION", False):
        return []
    return [
        Error(
            f"Row-level security would not apply: {problem}.",
            hint="Run migrations as the owner and the application as its own role "
            "(docs/operations.md, 'PostgreSQL roles and row-level security').",
            id="backoffice.E002",
        )
        for alias in databases
        for problem in database_role_problems(alias)
    ]
