"""Under the application's own PostgreSQL role, which row-level security binds (the other
tests connect as a superuser, which RLS lets through): the policy is read at sign-in and
written by its admin, and a person's security events reach their organization's chain."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from backoffice.audit.models import AuditEvent
from backoffice.identity import services
from backoffice.identity.models import MfaPolicy
from backoffice.identity.selectors import mfa_required
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security"),
    pytest.mark.django_db(transaction=True),
]
ROLE = "backoffice_app_identity_test"


@contextmanager
def _as_app_role():
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        )
    call_command("grant_app_role", ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_policy_and_events_under_the_app_role(client_a, user_a):
    access = TenantAccess(user=user_a, tenant=client_a, role=Role.CLIENT_ADMIN)
    with _as_app_role():
        services.set_policy(access=access, staff="optional", members="required")
        with transaction.atomic():
            required = mfa_required(user_a)
        codes = services.generate_recovery_codes(user=user_a)
    assert required is True and len(codes) == 10
    assert MfaPolicy.objects.for_tenant(client_a).get().members == "required"
    actions = set(AuditEvent.objects.for_tenant(client_a).values_list("action", flat=True))
    assert {"identity.policy_changed", "identity.recovery_codes_generated"} <= actions
