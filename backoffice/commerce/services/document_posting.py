"""The ledger posting of an issued invoice, credit note, bill or debit note.

Amounts are converted to the tenant's currency at the document's rate; what does not add
up after rounding goes to the `rounding` rule's account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

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
        LineTax.objects.for_tenant(tenant).filter(line__document=doc).select_related("tax_rate")
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


def _sales_journal(
    tenant: Organization,
    doc: Document,
    lines: list[DocumentLine],
    taxes: list[tuple[TaxRate, int]],
    rule: Mapping[str, str],
) -> posting.Journal:
    """An invoice: receivable against revenue and output tax, and the cost of the goods sold
    out of inventory; a credit note the same the other way round."""
    j = posting.Journal.new()
    sign = -1 if doc.kind == DocKind.CREDIT_NOTE else 1
    by_account: dict[str, int] = defaultdict(int)
    by_tax: dict[str, int] = defaultdict(int)
    cost = 0
    for line in lines:
        p = line.product
        key = "invoice.service_revenue" if p is None or not p.is_stock else "invoice.revenue"
        by_account[(p.revenue_account if p else "") or rule[key]] += line.net
        if line.cost_value:
            cost += line.cost_value
    for tax, amount in taxes:
        by_tax[tax.sales_account or rule["invoice.tax"]] += amount
    j.debit(rule["invoice.receivable"], sign * doc.gross_functional)
    for acc, amount in [*by_account.items(), *by_tax.items()]:
        j.credit(acc, sign * functional(tenant, doc, amount))
    if cost:
        j.debit(rule["invoice.cogs"], sign * cost)
        j.credit(rule["invoice.inventory"], sign * cost)
    return j


def _purchase_journal(
    tenant: Organization,
    doc: Document,
    lines: list[DocumentLine],
    taxes: list[tuple[TaxRate, int]],
    rule: Mapping[str, str],
) -> posting.Journal:
    """A bill: inventory, expenses and input tax against the payable; a debit note the same
    the other way round."""
    j = posting.Journal.new()
    sign = -1 if doc.kind == DocKind.DEBIT_NOTE else 1
    by_account: dict[str, int] = defaultdict(int)
    by_tax: dict[str, int] = defaultdict(int)
    stock_net = stock_value = 0
    for line in lines:
        p = line.product
        if p is not None and p.is_stock:
            # Inventory takes the value the goods entered stock with (the goods-receipt
            # cost, or this bill's own net when it moved them); the rest is a price
            # difference, so the inventory account keeps equal to the stock valuation.
            stock_net += line.net
            stock_value += line.cost_value or 0
            continue
        acc = (p.expense_account if p else "") or rule["bill.expense"]
        by_account[acc] += line.net
    for tax, amount in taxes:
        by_tax[tax.purchase_account or rule["bill.tax"]] += amount
    j.credit(rule["bill.payable"], sign * doc.gross_functional)
    if stock_net or stock_value:
        j.debit(rule["bill.inventory"], sign * stock_value)
        price_difference = functional(tenant, doc, stock_net) - stock_value
        j.debit(rule["bill.price_difference"], sign * price_difference)
    for acc, amount in [*by_account.items(), *by_tax.items()]:
        j.debit(acc, sign * functional(tenant, doc, amount))
    return j


def document_entry(tenant: Organization, doc: Document, lines: list[DocumentLine]) -> Entry:
    """The posting of an issued document (its number and functional gross are set)."""
    rule = posting.rules(tenant)
    taxes = document_taxes(tenant, doc, lines)
    if doc.kind in (DocKind.INVOICE, DocKind.CREDIT_NOTE):
        j = _sales_journal(tenant, doc, lines, taxes, rule)
    else:  # a bill, or a debit note
        j = _purchase_journal(tenant, doc, lines, taxes, rule)
    j.balance_to(rule["rounding"])
    return Entry(
        day=doc.date,
        memo=f"{doc.get_kind_display()} {doc.number} {doc.party.name}",
        source_ref=doc.number,
        journal=j,
        idempotency_key=f"commerce:document:{doc.pk}",
    )
