"""Tenant isolation with row-level security as the only wall, connected as the app's own role.

The rest of the PostgreSQL run connects as `postgres`, a superuser: row-level security lets a
superuser through, so those runs test the scoped querysets and never the policies. Here the
ORM's connection is really opened as a LOGIN role made the way production makes it
(`grant-app-role`): not a superuser, no BYPASSRLS, owner of nothing. The same isolation check
is then run twice:

- as the app role it passes: a query that forgets the tenant filter (`.unscoped`, raw SQL)
  still sees only the tenant the request serves;
- as the superuser the very same check fails (the other tenant's rows come back), which is
  what proves the check can fail — a deployment connecting as a superuser would be caught.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from backoffice.audit.models import AuditEvent
from backoffice.core.checks import database_role_problems
from backoffice.core.rls import set_rls_tenants
from backoffice.ledger.models import Account
from backoffice.tenancy.models import Organization

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security"),
    pytest.mark.django_db(transaction=True),
]
APP_ROLE = "backoffice_app_isolation"


@contextmanager
def connected_as(role: str | None) -> Iterator[None]:
    """The ORM's default connection, opened anew as `role` (None: the test's own superuser)."""
    if role is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        )
    call_command("grant_app_role", role, stdout=io.StringIO())
    original = connections["default"]
    as_role = original.__class__(dict(original.settings_dict, USER=role, PASSWORD=""), "default")
    connections["default"] = as_role
    try:
        yield
    finally:
        as_role.close()
        connections["default"] = original


def isolation_holds(serving: Organization, other: Organization) -> tuple[bool, dict[str, int]]:
    """Serving one tenant (RLS set as every tenant page sets it), read with the tenant filter
    forgotten: through the ORM's unscoped querysets and through raw SQL. Holds when none of
    the other tenant's rows come back."""
    with transaction.atomic():
        set_rls_tenants([serving.pk])
        seen = {
            "audit events (ORM)": AuditEvent.objects.unscoped("isolation test")
            .filter(tenant=other)
            .count(),
            "ledger accounts (ORM)": Account.objects.unscoped("isolation test")
            .filter(tenant=other)
            .count(),
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ledger_account WHERE tenant_id = %s", [other.pk])
            seen["ledger accounts (SQL)"] = cursor.fetchone()[0]
        own = Account.objects.unscoped("isolation test").filter(tenant=serving).count()
    assert own >= 1, "the tenant's own rows stay visible"
    return not any(seen.values()), seen


@pytest.fixture
def two_tenants(client_a, client_b) -> tuple[Organization, Organization]:
    for tenant in (client_a, client_b):
        Account.objects.create(tenant=tenant, code="9990", name="Isolation probe", type="asset")
    return client_a, client_b


def test_isolation_holds_when_connected_as_the_app_role(two_tenants):
    a, b = two_tenants
    with connected_as(APP_ROLE):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, session_user")
            assert cursor.fetchone() == (APP_ROLE, APP_ROLE)  # a real login, not SET ROLE
        assert database_role_problems() == []
        holds, seen = isolation_holds(a, b)
        assert holds, f"client A's request saw client B's rows: {seen}"
        holds, seen = isolation_holds(b, a)
        assert holds, f"client B's request saw client A's rows: {seen}"


def test_the_same_check_fails_when_connected_as_a_superuser(two_tenants):
    """The check is not vacuous: a superuser connection (what the other tests use) lets the
    forgotten filter leak every table's foreign rows, and the check says so."""
    a, b = two_tenants
    with connected_as(None):
        assert any("superuser" in p for p in database_role_problems())
        holds, seen = isolation_holds(a, b)
    assert not holds
    assert seen["ledger accounts (ORM)"] >= 1 and seen["ledger accounts (SQL)"] >= 1
    assert seen["audit events (ORM)"] >= 1  # B's creation was audited


def test_the_application_works_when_connected_as_the_app_role(two_tenants, web_a):
    """Not only walled: a tenant's own page renders under the role, with its own data."""
    a, _ = two_tenants
    with connected_as(APP_ROLE):
        response = web_a.get(f"/t/{a.slug}/ledger/")
    assert response.status_code == 200
    assert b"Isolation probe" in response.content
