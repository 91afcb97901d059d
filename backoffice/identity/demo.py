"""The demo's identity data: every demo organization's two-step sign-in policy, "optional".

Production requires provider staff to use a second factor (MFA_STAFF_DEFAULT); the demo's
people sign in with the demo password alone, so the demo seeds its policies as optional.
An admin can switch a policy to "required" on its page to see the enrolment step."""

from backoffice.identity.models import Requirement
from backoffice.identity.services import set_policy
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
