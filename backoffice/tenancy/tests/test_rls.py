"""PostgreSQL row-level security, tested as the app's own non-superuser role."""

import pytest
from django.db import connection, transaction

from backoffice.audit.models import AuditEvent

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's"
)

APP_ROLE = "backoffice_app_test"


def _ensure_app_role(cursor) -> None:
    cursor.execute(
        f"""
        DO $$ BEGIN
          CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$;
        """
    )
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    cursor.execute(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")


def _as_app_role(sql: str, params: list | None = None, tenant_ids: str | None = None):
    with transaction.atomic(), connection.cursor() as cursor:
        _ensure_app_role(cursor)
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        if tenant_ids is not None:
            cursor.execute("SELECT set_config('app.tenant_ids', %s, true)", [tenant_ids])
        cursor.execute(sql, params or [])
        return cursor.fetchall()


@pytest.mark.django_db
def test_raw_sql_without_tenant_sees_nothing(client_a, client_b):
    assert AuditEvent.objects.for_tenant(client_a).exists()
    assert _as_app_role("SELECT count(*) FROM audit_auditevent") == [(0,)]


@pytest.mark.django_db
def test_raw_sql_with_tenant_sees_only_that_tenant(client_a, client_b):
    rows = _as_app_role(
        "SELECT DISTINCT tenant_id FROM audit_auditevent", tenant_ids=str(client_a.pk)
    )
    assert rows == [(client_a.pk,)]


@pytest.mark.django_db
def test_insert_for_another_tenant_is_refused(client_a, client_b):
    from django.db.utils import ProgrammingError

    with pytest.raises(ProgrammingError, match="row-level security"):
        _as_app_role(
            "INSERT INTO api_idempotencyrecord (tenant_id, key, method, path, request_hash, "
            "status_code, response, created_at) "
            "VALUES (%s, 'k', 'POST', '/', 'h', 201, '{}', now()) RETURNING id",
            [client_b.pk],
            tenant_ids=str(client_a.pk),
        )


@pytest.mark.django_db
def test_check_deploy_refuses_a_role_that_row_level_security_does_not_bind(settings):
    """The test database connects as `postgres` (a superuser owning the tables): production
    would start with no second wall. As the app's own role, nothing is flagged."""
    from django.core.checks import run_checks

    from backoffice.core.checks import database_role_problems

    settings.PRODUCTION = True
    as_owner = [e for e in run_checks(include_deployment_checks=True, databases=["default"])]
    assert any(e.id == "backoffice.E002" and "superuser" in e.msg for e in as_owner)
    assert any("owns" in problem for problem in database_role_problems())
    with transaction.atomic(), connection.cursor() as cursor:
        _ensure_app_role(cursor)
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        assert database_role_problems() == []


@pytest.mark.django_db
def test_the_app_role_may_append_to_the_audit_log_but_never_rewrite_it():
    from django.core.management import call_command
    from django.db.utils import ProgrammingError

    role = "backoffice_app_grants"
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        )
    call_command("grant_app_role", role)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT count(*) FROM work_workitem")  # reads (RLS: none visible)
        assert cursor.fetchone() == (0,)
    with (
        pytest.raises(ProgrammingError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("UPDATE audit_auditevent SET action = action")
