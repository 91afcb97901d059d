"""Delivery data made through the real services."""

from __future__ import annotations

from typing import Any

from backoffice.delivery import services
from backoffice.delivery.models import WebhookEndpoint
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import services as work
from backoffice.work.models import Engagement, State, WorkItem
from backoffice.work.services import ItemInput

OUTPUT = {"vendor": "Acme Ltd", "total": 120.5, "paid": False, "lines": [{"q": 1}]}


def access_of(user: User, tenant: Organization, role: str = Role.CLIENT_ADMIN) -> TenantAccess:
    return TenantAccess(user=user, tenant=tenant, role=role)


def endpoint(
    access: TenantAccess, url: str, events: list[str] | None = None, **kw: Any
) -> tuple[WebhookEndpoint, str]:
    return services.create_endpoint(
        access=access,
        url=url,
        event_types=events or ["item.completed", "batch.completed"],
        **kw,
    )


def finish(item: WorkItem, agent: User, output: dict[str, Any] | None = None) -> WorkItem:
    """The agent takes the item and completes it (done: the engagement samples no QA)."""
    work.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    return work.complete_item(item=item, actor=agent, output=dict(output or OUTPUT))


def batch_of(engagement: Engagement, refs: list[str]) -> list[WorkItem]:
    result = work.submit_items(
        engagement=engagement,
        actor=None,
        rows=[ItemInput(external_ref=r, data={"name": "x", "amount": 1}) for r in refs],
    )
    return list(
        WorkItem.objects.for_tenant(engagement.tenant_id)
        .filter(pk__in=result.item_ids)
        .order_by("external_ref")
    )
