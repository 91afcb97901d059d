"""The demo's client-side visibility: Acme gets a second engagement (property claims, some
items waiting) and its client user, acme-user, is limited to the first one (claims), while
acme-admin sees both. Called from `portal.demo.seed` after the work demo."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backoffice.portal.dashboard import grants
from backoffice.tenancy.demo import DemoContext
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import services as work_services
from backoffice.work.models import Engagement
from backoffice.work.services import ItemInput

CLIENT = "acme-insurance"
SEEN = "claims"
SECOND = ("property-claims", "Property claims")


def _claim(n: int) -> dict[str, Any]:
    """A property claim as the claim-intake form takes it."""
    return {
        "policy_number": f"AP-{200000 + n:06d}",
        "claimant": ["J. Rivera", "M. Chen", "A. Okafor", "S. Novak"][n % 4],
        "loss_date": (date(2026, 11, 1) + timedelta(days=n % 20)).isoformat(),
        "claimed_amount": [450, 1200, 3800, 12500][n % 4],
        "line_of_business": "home",
    }


def seed(ctx: DemoContext) -> None:
    acme = next((c for c in ctx.clients if c.slug == CLIENT), None)
    admin, member = ctx.users.get("acme-admin"), ctx.users.get("acme-user")
    if acme is None or admin is None or member is None:
        return
    claims = Engagement.objects.for_tenant(acme).filter(code=SEEN).first()
    if claims is None:
        return
    second = Engagement.objects.for_tenant(acme).filter(code=SECOND[0]).first()
    if second is None:
        second = work_services.create_engagement(
            tenant=acme,
            actor=None,
            service_type=claims.service_type,
            calendar=claims.calendar,
            code=SECOND[0],
            name=SECOND[1],
            sla_minutes=claims.sla_minutes,
        )
        work_services.submit_items(
            engagement=second,
            actor=None,
            rows=[ItemInput(f"PROP-{n:04d}", _claim(n)) for n in range(1, 13)],
        )
    grants.set_member_grants(
        access=TenantAccess(user=admin, tenant=acme, role=Role.CLIENT_ADMIN),
        username=member.username,
        all_engagements=False,
        engagement_ids=[claims.pk],
    )
