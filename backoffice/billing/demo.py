"""Demo billing: a contract per demo client over its engagements, a rate card in force since
two months ago (graduated per-item rates, a rush surcharge, a recurring fee, a setup fee, a
minimum commitment, on-time service levels), and last month billed by a real billing run.

Acme's invoice is approved and issued (posted in the provider's books and in Acme's), the
others wait as drafts for review, so the pages show each step. Everything goes through the
billing services, as finance would do it from the pages.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from backoffice.tenancy.demo import DemoContext

# Per client slug: (contract code, sales tax in the provider's books).
CONTRACTS = {
    "acme-insurance": ("acme-2026", "SALES8"),
    "globex-retail": ("globex-2026", "EXPORT0"),
    "initech-health": ("initech-2026", "EXPORT0"),
}


def _months_ago(n: int) -> date:
    first = timezone.localdate().replace(day=1)
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def seed(ctx: DemoContext) -> None:
    if not apps.is_installed("backoffice.billing"):
        return
    from backoffice.commerce.models import Product, TaxRate

    provider, actor = ctx.provider, ctx.users.get("finance")
    products = {p.sku: p.pk for p in Product.objects.for_tenant(provider)}
    if "SVC-ITEM" not in products:
        return  # the provider's books and services come from the commerce demo
    taxes = set(TaxRate.objects.for_tenant(provider).values_list("code", flat=True))
    contracts = [
        _contract(provider, actor, client, products, taxes)
        for client in ctx.clients
        if client.slug in CONTRACTS
    ]
    _bill_last_month(provider, actor, [c for c in contracts if c is not None])


def _contract(provider, actor, client, products, taxes):  # type: ignore[no-untyped-def]
    from backoffice.billing import services
    from backoffice.billing.services import ChargeIn, ServiceLevelIn, TierIn
    from backoffice.work.models import Engagement

    code, tax = CONTRACTS[client.slug]
    engagements = list(Engagement.objects.for_tenant(client).order_by("code"))
    if not engagements:
        return None
    contract = services.create_contract(
        tenant=provider,
        actor=actor,
        client_id=client.pk,
        code=code,
        name=f"{client.name} back office services",
        currency=client.currency,
        engagement_ids=[e.pk for e in engagements],
        payment_terms_days=30,
        tax_code=tax if tax in taxes else "",
    )
    services.add_version(
        tenant=provider,
        actor=actor,
        contract_id=contract.pk,
        effective_from=_months_ago(2),
        charges=[
            ChargeIn(
                code="items",
                name="Documents processed",
                metric="items",
                model="graduated",
                product_id=products["SVC-ITEM"],
                tiers=[TierIn(0, 1000, 95), TierIn(1000, 5000, 85), TierIn(5000, None, 70)],
            ),
            ChargeIn(
                code="rush",
                name="Rush surcharge (priority 8 and up)",
                metric="items",
                unit_rate=40,
                min_priority=8,
                product_id=products["SVC-ITEM"],
            ),
            ChargeIn(
                code="hours",
                name="Agent time",
                metric="handle_hours",
                unit_rate=3800,
                product_id=products.get("SVC-HOUR"),
            ),
        ],
        recurring_fee=250_000,
        recurring_label="A dedicated full-time agent",
        setup_fee=150_000,
        minimum_commitment=300_000,
        at_risk_percent=Decimal(10),
        pool_cap_percent=Decimal(10),
        service_levels=[
            ServiceLevelIn(
                engagement_id=e.pk,
                metric="on_time",
                target_percent=Decimal(95),
                allocation_percent=Decimal(100 // len(engagements)),
            )
            for e in engagements
        ],
    )
    return contract


def _bill_last_month(provider, actor, contracts) -> None:  # type: ignore[no-untyped-def]
    from backoffice.billing import services
    from backoffice.billing.models import BillingInvoice

    if not contracts:
        return
    services.run_billing(tenant=provider, actor=actor, period=_months_ago(1))
    first = (
        BillingInvoice.objects.for_tenant(provider)
        .filter(contract=contracts[0], period=_months_ago(1))
        .first()
    )
    if first is not None:
        services.approve_invoice(tenant=provider, actor=actor, invoice_id=first.pk)
        services.issue_invoice(tenant=provider, actor=actor, invoice_id=first.pk)
