"""Commerce reports: aging, customer statement, inventory valuation, sales/purchases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth

from backoffice.commerce.models import (
    DocKind,
    DocStatus,
    Document,
    DocumentLine,
    Payment,
    Refund,
)
from backoffice.commerce.selectors import StockRow, stock_on_hand
from backoffice.ledger import money
from backoffice.tenancy.models import Organization

BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")


@dataclass
class AgingRow:
    party_id: int
    party: str
    currency: str
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


def _bucket(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "over 90"


def aging(tenant: Organization, *, side: str, as_of: date) -> list[AgingRow]:
    """Open invoices (side="receivable") or bills ("payable") by days past due, per party.

    Open amounts are today's; documents dated after `as_of` are left out.
    """
    kind = DocKind.INVOICE if side == "receivable" else DocKind.BILL
    docs = (
        Document.objects.for_tenant(tenant)
        .filter(kind=kind, status=DocStatus.ISSUED, date__lte=as_of, settled__lt=F("gross"))
        .select_related("party")
        .order_by("party__name", "date")
    )
    rows: dict[tuple[int, str], AgingRow] = {}
    for d in docs:
        row = rows.setdefault(
            (d.party.pk, d.currency), AgingRow(d.party.pk, d.party.name, d.currency)
        )
        due = d.due_date or d.date
        row.buckets[_bucket((as_of - due).days)] += d.open_amount
    return list(rows.values())


@dataclass
class StatementLine:
    date: date
    kind: str
    number: str
    debit: int
    credit: int
    balance: int = 0


def statement(
    tenant: Organization, *, party_id: int, start: date, end: date
) -> tuple[int, list[StatementLine]]:
    """A customer's account: invoices and refunds (debit), credit notes and receipts (credit).

    Returns the opening balance at `start` and the lines up to `end` with running balance.
    """
    docs = Document.objects.for_tenant(tenant).filter(
        party_id=party_id,
        status=DocStatus.ISSUED,
        kind__in=[DocKind.INVOICE, DocKind.CREDIT_NOTE],
        date__lte=end,
    )
    pays = Payment.objects.for_tenant(tenant).filter(
        party_id=party_id, direction="in", date__lte=end
    )
    events: list[StatementLine] = []
    for d in docs:
        if d.kind == DocKind.INVOICE:
            events.append(StatementLine(d.date, "invoice", d.number, d.gross, 0))
        else:
            events.append(StatementLine(d.date, "credit note", d.number, 0, d.gross))
    for p in pays:
        events.append(StatementLine(p.date, "receipt", p.number, 0, p.amount))
    for r in Refund.objects.for_tenant(tenant).filter(party_id=party_id, date__lte=end):
        events.append(StatementLine(r.date, "refund", r.number, r.amount, 0))
    events.sort(key=lambda e: (e.date, e.number))
    opening = sum(e.debit - e.credit for e in events if e.date < start)
    balance = opening
    lines = []
    for e in events:
        if e.date < start:
            continue
        balance += e.debit - e.credit
        e.balance = balance
        lines.append(e)
    return opening, lines


def valuation(tenant: Organization, *, as_of: date | None = None) -> list[StockRow]:
    return stock_on_hand(tenant, as_of=as_of)


@dataclass
class PeriodRow:
    key: str
    net: int
    tax: int
    gross: int


def by_period(
    tenant: Organization, *, side: str, start: date, end: date, group: str = "month"
) -> list[PeriodRow]:
    """Sales (invoices less credit notes) or purchases (bills less debit notes) in the tenant's
    currency, grouped by month, party or product. Amounts are converted at each document's
    rate."""
    kinds = (
        [DocKind.INVOICE, DocKind.CREDIT_NOTE]
        if side == "sales"
        else [DocKind.BILL, DocKind.DEBIT_NOTE]
    )
    lines = DocumentLine.objects.for_tenant(tenant).filter(
        document__status=DocStatus.ISSUED,
        document__kind__in=kinds,
        document__date__gte=start,
        document__date__lte=end,
    )
    if group == "product":
        key_expr = "product__sku"
    elif group == "party":
        key_expr = "document__party__name"
    else:
        key_expr = "month"
        lines = lines.annotate(month=TruncMonth("document__date"))
    rows = lines.values(
        key_expr, "document__kind", "document__rate", "document__currency"
    ).annotate(net=Sum("net"), tax=Sum("tax"), gross=Sum("gross"))
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        key = r[key_expr]
        label = key.strftime("%Y-%m") if hasattr(key, "strftime") else str(key or "(no product)")
        sign = -1 if r["document__kind"] in (DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE) else 1
        acc = out[label]
        for i, name in enumerate(("net", "tax", "gross")):
            acc[i] += sign * money.convert(
                r[name] or 0,
                rate=r["document__rate"],
                currency=r["document__currency"],
                to=tenant.currency,
            )
    return [PeriodRow(k, *v) for k, v in sorted(out.items())]


def open_items_total(tenant: Organization, *, side: str) -> int:
    kind = DocKind.INVOICE if side == "receivable" else DocKind.BILL
    agg = (
        Document.objects.for_tenant(tenant)
        .filter(Q(kind=kind) & Q(status=DocStatus.ISSUED))
        .aggregate(g=Sum("gross"), s=Sum("settled"))
    )
    return int((agg["g"] or 0) - (agg["s"] or 0))
