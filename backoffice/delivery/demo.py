"""The demo's delivery data: Acme has a webhook endpoint with a logged delivery, and exports.

The endpoint points at the discard port of this machine (http://127.0.0.1:9/, which
answers nothing), so its log shows real failed tries; it is then switched off so the demo
never keeps sending. Exports: the first batch of each of Acme's engagements as CSV and the
last month of one as Excel. Everything goes through the delivery services.
"""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from backoffice.delivery import selectors, services
from backoffice.delivery.models import WebhookDelivery
from backoffice.tenancy.demo import DemoContext
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import State, WorkItem

ACME = "acme-insurance"
DEMO_URL = "http://127.0.0.1:9/acme-webhooks"


def seed(ctx: DemoContext) -> None:
    acme = next((c for c in ctx.clients if c.slug == ACME), None)
    admin = ctx.users.get("acme-admin")
    if acme is None or admin is None:
        return
    access = TenantAccess(user=admin, tenant=acme, role=Role.CLIENT_ADMIN)
    _webhook(access)
    _exports(access)


def _webhook(access: TenantAccess) -> None:
    # The demo's address is on this machine: allowed here, as in development.
    with override_settings(DELIVERY_ALLOW_PRIVATE_TARGETS=True, DELIVERY_MAX_ATTEMPTS=1):
        endpoint, _ = services.create_endpoint(
            access=access,
            url=DEMO_URL,
            event_types=["item.completed", "batch.completed"],
            description="Acme's claims system (demo: nobody listens here)",
        )
        done = (
            WorkItem.objects.for_tenant(access.tenant)
            .filter(state=State.DONE)
            .order_by("completed_at", "id")
            .values_list("pk", flat=True)[:3]
        )
        for item_id in done:
            services.record_item_completed(tenant_id=access.tenant.pk, item_id=item_id)
        for d in WebhookDelivery.objects.for_tenant(access.tenant).filter(endpoint=endpoint):
            services.attempt_delivery(delivery_id=d.pk, tenant_id=d.tenant_id)
        services.update_endpoint(access=access, endpoint=endpoint, is_active=False)


def _exports(access: TenantAccess) -> None:
    engagements = list(selectors.engagements(access))
    for engagement in engagements:
        batch = selectors.batches(access, engagement=engagement).last()
        if batch is not None:
            services.create_export(
                access=access, engagement_id=engagement.pk, batch_id=batch.pk, fmt="csv"
            )
    if engagements:
        today = timezone.localdate()
        services.create_export(
            access=access,
            engagement_id=engagements[0].pk,
            date_from=today - timedelta(days=30),
            date_to=today,
            fmt="xlsx",
        )
