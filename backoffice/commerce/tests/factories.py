"""Terse builders for commerce tests, all through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from backoffice.commerce import services
from backoffice.commerce.models import Document, Party, Payment, Product
from backoffice.ledger.models import Account, AccountBalance
from backoffice.tenancy.models import Organization


def customer(tenant: Organization, code: str = "C1", **kw: Any) -> Party:
    return services.create_party(
        tenant=tenant, actor=None, code=code, name=f"Customer {code}", **kw
    )


def supplier(tenant: Organization, code: str = "S1", **kw: Any) -> Party:
    return services.create_party(
        tenant=tenant,
        actor=None,
        code=code,
        name=f"Supplier {code}",
        is_customer=False,
        is_supplier=True,
        **kw,
    )


def stock_item(tenant: Organization, sku: str, **kw: object) -> Product:
    return services.create_product(tenant=tenant, actor=None, sku=sku, name=sku.title(), **kw)  # type: ignore[arg-type]


def doc(
    tenant: Organization, kind: str, party: Party, day: str, *lines: tuple, **kw: object
) -> Document:
    """`doc(t, "invoice", c, "2026-01-05", (product, qty, price), ...)`; price None = default."""
    specs = [
        services.LineSpec(
            product_id=ln[0].pk if ln[0] is not None else None,
            quantity=ln[1],
            unit_price=ln[2] if len(ln) > 2 else None,
            tax_codes=ln[3] if len(ln) > 3 else None,
            description="" if ln[0] is not None else "item",
        )
        for ln in lines
    ]
    return services.create_document(
        tenant=tenant,
        actor=None,
        kind=kind,
        party_id=party.pk,
        day=date.fromisoformat(day),
        lines=specs,
        **kw,  # type: ignore[arg-type]
    )


def record_payment(
    tenant: Organization,
    party: Party,
    day: str,
    amount: int,
    *,
    direction: str = "in",
    keep_overpayment: bool = False,
    **kw: Any,
) -> Payment:
    """`record_payment(t, c, "2026-01-09", 10000)`: money in from a customer;
    `direction="out"` pays a supplier. Oldest open documents first unless `allocations`."""
    return services.record_payment(
        tenant=tenant,
        actor=None,
        direction=direction,
        party_id=party.pk,
        day=date.fromisoformat(day),
        amount=amount,
        keep_overpayment=keep_overpayment,
        **kw,
    )


def issue(tenant: Organization, document: Document) -> Document:
    return services.issue_document(tenant=tenant, actor=None, document_id=document.pk)


def ledger_balances(tenant: Organization) -> dict[str, int]:
    """Non-zero balance per account code (debit > 0) in the tenant's currency."""
    codes = dict(Account.objects.for_tenant(tenant).values_list("id", "code"))
    return {
        codes[a]: b
        for a, b in AccountBalance.objects.for_tenant(tenant)
        .filter(currency=tenant.currency)
        .values_list("account_id", "balance")
        if b
    }
