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


def test_sso_and_access_reviews_under_the_app_role(client_a, user_a, provider, provider_admin):
    """Settings, the pre-sign-in domain lookup, a just-in-time account and an access review
    with its deadline close, all as the application's role."""
    import html
    import re
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from backoffice.identity.models import AccessReviewLine, SsoIdentity
    from backoffice.identity.selectors import sso_connection_for_email
    from backoffice.identity.services import reviews, sso
    from backoffice.identity.tests.oidc import path_of, running_idp
    from backoffice.tenancy.models import Membership
    from backoffice.tenancy.tests.factories import UserFactory, make_member

    staff = UserFactory.create(username="sam")
    make_member(provider, staff, Role.AGENT)
    make_member(client_a, staff, Role.AGENT)
    with running_idp({"kim-1": {"email": "kim@acme.test"}}) as idp, _as_app_role():
        sso.configure_sso(
            access=TenantAccess(user=user_a, tenant=client_a, role=Role.CLIENT_ADMIN),
            values=sso.SsoSettings(
                issuer=idp.issuer,
                client_id="bo",
                client_secret="s",
                domains="acme.test",
                default_role="client_user",
                required=False,
                enabled=True,
            ),
        )
        with transaction.atomic():
            found = sso_connection_for_email("kim@acme.test")
        assert found is not None and found.tenant_id == client_a.pk
        c = Client()
        page = c.post("/login/sso/", {"email": "kim@acme.test"}).content.decode()
        url = html.unescape(re.search(r'data-follow href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
        assert c.get(path_of(idp.authorize(url, "kim-1"))).status_code == 302

        deadline = timezone.now() + timedelta(days=2)
        review = reviews.start_review(
            access=TenantAccess(user=provider_admin, tenant=client_a, role=Role.PROVIDER_ADMIN),
            deadline=deadline,
        )
        assert reviews.close_due_reviews(now=deadline + timedelta(seconds=1)) == 1
    assert SsoIdentity.objects.for_tenant(client_a).get().subject == "kim-1"
    line = AccessReviewLine.objects.for_tenant(client_a).get(review=review)
    assert line.decision == "expired"
    assert not Membership.objects.get(user=staff, organization=client_a).is_active
