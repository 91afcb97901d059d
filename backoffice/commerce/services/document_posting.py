"""The ledger posting of an issued invoice, credit note, bill or debit note.

Amounts are converted to the tenant's currency at the document's rate; what does not add
up after rounding goes to the `rounding` rule's account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from backoffice.commerce import posting
from backoffice.commerce.models import (
    DocKind,
    Document,
    DocumentLine,
    LineTax,
    TaxRate,
    TaxRounding,
)
from backoffice.commerce.services._common import functional
from backoffice.commerce.services._tail import Entry
from backoffice.commerce.tax import LineInput, compute
from backoffice.tenancy.models import Organization


def document_taxes(
    tenant: Organization, doc: Document, lines: list[DocumentLine]
) -> list[tuple[TaxRate, int]]:
    """Tax per rate as the document's rounding rule says (recomputed from the lines)."""
    taxes = defaultdict(list)
    for lt in (
        LineTax.objects.for_tenant(tenant)
        .filter(line_id__in=[ln.pk for ln in lines])
        .select_related("tax_rate")
    ):
        taxes[lt.line_id].append(lt.tax_rate)
    totals = compute(
        [
            LineInput(ln.quantity, ln.unit_price, [(t.pk, t.rate) for t in taxes[ln.pk]])
            for ln in lines
        ],
        prices_include_tax=doc.prices_include_tax,
        per_document=doc.tax_rounding == TaxRounding.DOCUMENT,
    )
    rates = {t.pk: t for ts in taxes.values() for t in ts}
    return [(rates[tid], amount) for tid, amount in sorted(totals.taxes.items()) if amount]


@dataclass
class _Summed:
    """A document's lines summed for posting: net by revenue (expense) account, tax by tax
    account, and what went through stock."""

    net: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    tax: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    stock_net: int = 0  # purchases: the net of the stock lines (inventory and difference)
    stock_value: int = 0  # sales: cost of the goods sold; purchases: their value in stock


def _sales(lines: list[DocumentLine], rule: Mapping[str, str]) -> _Summed:
    summed = _Summed()
    for line in lines:
        p = line.product
        key = "invoice.service_revenue" if p is None or not p.is_stock else "invoice.revenue"
        summed.net[(p.revenue_account if p else "") or rule[key]] += line.net
        if line.cost_value:
            summed.stock_value += line.cost_value
    return summed


def _purchases(lines: list[DocumentLine], rule: Mapping[str, str]) -> _Summed:
    summed = _Summed()
    for line in lines:
        p = line.product
        if p is not None and p.is_stock:
            # Inventory takes the value the goods entered stock with (the goods-receipt
            # cost, or this bill's own net when it moved them); the rest is a price
            # difference, so the inventory account keeps equal to the stock valuation.
            summed.stock_net += line.net
            summed.stock_value += line.cost_value or 0
            continue
        summed.net[(p.expense_account if p else "") or rule["bill.expense"]] += line.net
    return summed


def document_entry(tenant: Organization, doc: Document, lines: list[DocumentLine]) -> Entry:
    """The posting of an issued document (its number and functional gross are set)."""
    rule = posting.rules(tenant)
    taxes = document_taxes(tenant, doc, lines)
    sales = doc.kind in (DocKind.INVOICE, DocKind.CREDIT_NOTE)
    summed = (_sales if sales else _purchases)(lines, rule)
    for tax, amount in taxes:
        own = tax.sales_account if sales else tax.purchase_account
        summed.tax[own or rule["invoice.tax" if sales else "bill.tax"]] += amount
    # An invoice: the customer owes the gross (debit), revenue and tax are credits; a bill is
    # the mirror image. A credit (debit) note posts like its invoice (bill), negated.
    sign = -1 if doc.kind in (DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE) else 1
    owed = sign if sales else -sign
    j = posting.Journal.new()
    j.debit(rule["invoice.receivable" if sales else "bill.payable"], owed * doc.gross_functional)
    for acc, amount in [*summed.net.items(), *summed.tax.items()]:
        j.credit(acc, owed * functional(tenant, doc, amount))
    if sales and summed.stock_value:
        j.debit(rule["invoice.cogs"], sign * summed.stock_value)
        j.credit(rule["invoice.inventory"], sign * summed.stock_value)
    if not sales and (summed.stock_net or summed.stock_value):
        j.debit(rule["bill.inventory"], sign * summed.stock_value)
        difference = functional(tenant, doc, summed.stock_net) - summed.stock_value
        j.debit(rule["bill.price_difference"], sign * difference)
    j.balance_to(rule["rounding"])
    return Entry(
        day=doc.date,
        memo=f"{doc.get_kind_display()} {doc.number} {doc.party.name}",
        source_ref=doc.number,
        journal=j,
        idempotency_key=f"commerce:document:{doc.pk}",
    )
