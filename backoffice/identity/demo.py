"""The demo's identity data: every demo organization's two-step sign-in policy, "optional".

Production requires provider staff to use a second factor (MFA_STAFF_DEFAULT); the demo's
people sign in with the demo password alone, so the demo seeds its policies as optional.
An admin can switch a policy to "required" on its page to see the enrolment step.

Each client also gets an open access review (deadline 14 days out) of the provider staff
who hold a membership of it, so acme-admin & co. can certify or revoke on its page. Single
sign-on is not seeded: it needs a real identity provider (see docs/security.md)."""

import contextlib
from datetime import timedelta

from django.utils import timezone

from backoffice.core.errors import Conflict
from backoffice.identity.models import Requirement
from backoffice.identity.services import set_policy
from backoffice.identity.services.reviews import start_review
from backoffice.tenancy.demo import DemoContext
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess


def seed(ctx: DemoContext) -> None:
    admin = ctx.users.get("admin")
    if admin is None:
        return
    for org in [ctx.provider, *ctx.clients]:
        access = TenantAccess(user=admin, tenant=org, role=Role.PROVIDER_ADMIN)
        set_policy(access=access, staff=Requirement.OPTIONAL, members=Requirement.OPTIONAL)
    deadline = timezone.now() + timedelta(days=14)
    for client in ctx.clients:
        access = TenantAccess(user=admin, tenant=client, role=Role.PROVIDER_ADMIN)
        with contextlib.suppress(Conflict):  # seeded again: the open review is kept
            start_review(access=access, deadline=deadline)
