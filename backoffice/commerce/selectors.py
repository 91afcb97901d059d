"""Reads of commerce records, always scoped to one tenant (another tenant's id is NotFound).

`access_<thing>_by_id(access, id, *, perm=...)` is how the pages and the API fetch one
record for a caller: the permission is checked first (403 without it), then the record is
looked up within the caller's tenant, and a missing id and another tenant's id are the
same 404. Nothing else in commerce looks a record up for a caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Model, Q, QuerySet, Sum

from backoffice.commerce.models import (
    CREDIT_KINDS,
    CreditApplication,
    DocKind,
    DocStatus,
    Document,
    DocumentLine,
    Location,
    Party,
    Payment,
    Product,
    Refund,
    StockLevel,
    StockMove,
    TaxRate,
)
from backoffice.core.access import Access
from backoffice.core.errors import NotFound
from backoffice.ledger.models import JournalLine
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm


def _where[M: Model](qs: QuerySet[M], **filters: object) -> QuerySet[M]:
    """`qs` narrowed by each filter that is given (an empty value or None means any)."""
    for name, value in filters.items():
        if value:
            qs = qs.filter(**{name: value})
    return qs


def _one[M: Model](qs: QuerySet[M], pk: int, what: str) -> M:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


def parties(tenant: Organization, *, search: str = "", role: str = "") -> QuerySet[Party]:
    qs = Party.objects.for_tenant(tenant)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(code__icontains=search) | Q(tax_id__icontains=search)
        )
    if role == "customer":
        qs = qs.filter(is_customer=True)
    elif role == "supplier":
        qs = qs.filter(is_supplier=True)
    return qs.order_by("name", "id")


def access_party_by_id(access: Access, party_id: int, *, perm: str = Perm.VIEW_COMMERCE) -> Party:
    access.require(perm)
    return _one(Party.objects.for_tenant(access.tenant), party_id, "party")


def products(tenant: Organization, *, search: str = "", kind: str = "") -> QuerySet[Product]:
    qs = Product.objects.for_tenant(tenant)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("sku", "id")


def access_product_by_id(
    access: Access, product_id: int, *, perm: str = Perm.VIEW_COMMERCE
) -> Product:
    access.require(perm)
    return _one(Product.objects.for_tenant(access.tenant), product_id, "product")


def tax_rates(tenant: Organization) -> QuerySet[TaxRate]:
    return TaxRate.objects.for_tenant(tenant).order_by("code")


def locations(tenant: Organization) -> QuerySet[Location]:
    return Location.objects.for_tenant(tenant).select_related("warehouse")


def documents(
    tenant: Organization,
    *,
    kind: str = "",
    status: str = "",
    party_id: int | None = None,
    search: str = "",
    start: date | None = None,
    end: date | None = None,
    open_only: bool = False,
) -> QuerySet[Document]:
    qs = Document.objects.for_tenant(tenant).select_related("party")
    qs = _where(qs, kind=kind, status=status, party_id=party_id)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(party__name__icontains=search)
            | Q(reference__icontains=search)
        )
    qs = _where(qs, date__gte=start, date__lte=end)
    if open_only:
        qs = qs.filter(status=DocStatus.ISSUED, settled__lt=F("gross"))
    return qs.order_by("-date", "-id")


def access_document_by_id(
    access: Access, document_id: int, *, perm: str = Perm.VIEW_COMMERCE
) -> Document:
    access.require(perm)
    qs = Document.objects.for_tenant(access.tenant).select_related(
        "party", "source", "journal_entry", "location"
    )
    return _one(qs, document_id, "document")


def remaining(tenant: Organization, source: Document, kind: str) -> dict[int, Decimal]:
    """Quantity of each line of `source` not yet taken into a `kind` made from it (drafts
    count; cancelled ones do not), by line id."""
    taken = dict(
        DocumentLine.objects.for_tenant(tenant)
        .filter(source_line__document=source, document__kind=kind)
        .exclude(document__status=DocStatus.CANCELLED)
        .values("source_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("source_line_id", "q")
    )
    return {
        line.pk: line.quantity - (taken.get(line.pk) or Decimal(0)) for line in source.lines.all()
    }


def payments(
    tenant: Organization, *, direction: str = "", party_id: int | None = None
) -> QuerySet[Payment]:
    qs = Payment.objects.for_tenant(tenant).select_related("party")
    return _where(qs, direction=direction, party_id=party_id).order_by("-date", "-id")


def access_payment_by_id(
    access: Access, payment_id: int, *, perm: str = Perm.VIEW_COMMERCE
) -> Payment:
    access.require(perm)
    qs = Payment.objects.for_tenant(access.tenant).select_related("party")
    return _one(qs, payment_id, "payment")


def postings(tenant: Organization | int, journal_entry_id: int | None) -> list[JournalLine]:
    """The ledger lines a document or payment posted (read through the ledger's models)."""
    if journal_entry_id is None:
        return []
    return list(
        JournalLine.objects.for_tenant(tenant)
        .filter(entry_id=journal_entry_id)
        .select_related("account")
        .order_by("line_no")
    )


@dataclass
class StockRow:
    product_id: int
    sku: str
    name: str
    unit: str
    location: str
    quantity: Decimal
    value: int
    reorder_level: Decimal

    @property
    def unit_cost(self) -> Decimal:
        return (
            (Decimal(self.value) / self.quantity).quantize(Decimal("0.01"))
            if self.quantity
            else Decimal(0)
        )

    @property
    def is_low(self) -> bool:
        return self.quantity <= self.reorder_level


def stock_on_hand(
    tenant: Organization,
    *,
    product_id: int | None = None,
    by_location: bool = False,
    as_of: date | None = None,
) -> list[StockRow]:
    """Quantity and value per product (and location): the sum of its stock moves."""
    qs = StockMove.objects.for_tenant(tenant)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if as_of is not None:
        qs = qs.filter(date__lte=as_of)
    keys = [
        "product_id",
        "product__sku",
        "product__name",
        "product__unit",
        "product__reorder_level",
    ]
    if by_location:
        keys += ["location__warehouse__code", "location__code"]
    rows = (
        qs.values(*keys)
        .annotate(q=Sum("quantity"), v=Sum("value"))
        .order_by("product__sku", *keys[5:])
    )
    return [
        StockRow(
            product_id=r["product_id"],
            sku=r["product__sku"],
            name=r["product__name"],
            unit=r["product__unit"],
            location=f"{r['location__warehouse__code']}/{r['location__code']}"
            if by_location
            else "",
            quantity=r["q"] or Decimal(0),
            value=int(r["v"] or 0),
            reorder_level=r["product__reorder_level"],
        )
        for r in rows
    ]


def on_hand(tenant: Organization | int, product_id: int, location_id: int | None = None) -> Decimal:
    """Quantity on hand now (at one location or all): the product's stock-level rows, which
    the stock services keep equal to the sums of the moves."""
    qs = StockLevel.objects.for_tenant(tenant).filter(product_id=product_id)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return qs.aggregate(q=Sum("quantity"))["q"] or Decimal(0)


def low_stock(tenant: Organization) -> list[StockRow]:
    return [r for r in stock_on_hand(tenant) if r.is_low]


def stock_moves(
    tenant: Organization | int, *, document_id: int | None = None, product_id: int | None = None
) -> QuerySet[StockMove]:
    qs = StockMove.objects.for_tenant(tenant).select_related("product", "location__warehouse")
    if document_id is not None:
        qs = qs.filter(document_id=document_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return qs.order_by("date", "id")


def customer_credit(tenant: Organization, party_id: int) -> int:
    """Unallocated receipts plus open credit notes of a customer (document currency units)."""
    return _party_credit(tenant, party_id, "in", DocKind.CREDIT_NOTE)


def supplier_credit(tenant: Organization, party_id: int) -> int:
    """Unallocated payments (advances) plus open debit notes of a supplier."""
    return _party_credit(tenant, party_id, "out", DocKind.DEBIT_NOTE)


def _party_credit(tenant: Organization, party_id: int, direction: str, note_kind: str) -> int:
    paid = (
        Payment.objects.for_tenant(tenant)
        .filter(party_id=party_id, direction=direction)
        .aggregate(s=Sum("unallocated"))["s"]
        or 0
    )
    notes = (
        Document.objects.for_tenant(tenant)
        .filter(party_id=party_id, kind=note_kind, status=DocStatus.ISSUED)
        .aggregate(g=Sum("gross"), s=Sum("settled"))
    )
    return int(paid) + int((notes["g"] or 0) - (notes["s"] or 0))


@dataclass
class CreditSource:
    kind: str  # "payment", "credit_note" or "debit_note"
    id: int
    number: str
    date: date
    available: int


def credit_sources(tenant: Organization, document: Document) -> list[CreditSource]:
    """Credit the document's party has in its currency, to apply to it: unallocated
    receipts and open credit notes for an invoice, unallocated payments and open debit notes
    for a bill; oldest first."""
    if document.kind not in (DocKind.INVOICE, DocKind.BILL):
        return []
    direction = "in" if document.kind == DocKind.INVOICE else "out"
    out = [
        CreditSource("payment", p.pk, p.number, p.date, p.unallocated)
        for p in Payment.objects.for_tenant(tenant).filter(
            party_id=document.party_id,
            currency=document.currency,
            direction=direction,
            unallocated__gt=0,
        )
    ]
    note_kind = CREDIT_KINDS[document.kind]
    out += [
        CreditSource(note_kind, d.pk, d.number, d.date, d.open_amount)
        for d in Document.objects.for_tenant(tenant).filter(
            party_id=document.party_id,
            currency=document.currency,
            kind=note_kind,
            status=DocStatus.ISSUED,
            settled__lt=F("gross"),
        )
    ]
    return sorted(out, key=lambda c: (c.date, c.kind, c.id))


def credits_applied(tenant: Organization | int, document_id: int) -> QuerySet[CreditApplication]:
    """Credit applied to a document (an invoice or bill), with its source; undone ones too
    (`reversed_at` set)."""
    return (
        CreditApplication.objects.for_tenant(tenant)
        .filter(document_id=document_id)
        .select_related("payment", "credit_note")
        .order_by("date", "id")
    )


def refunds(
    tenant: Organization | int,
    *,
    party_id: int | None = None,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
) -> QuerySet[Refund]:
    qs = Refund.objects.for_tenant(tenant).select_related("party", "payment", "credit_note")
    qs = _where(qs, party_id=party_id, payment_id=payment_id, credit_note_id=credit_note_id)
    return qs.order_by("-date", "-id")


def access_refund_by_id(
    access: Access, refund_id: int, *, perm: str = Perm.VIEW_COMMERCE
) -> Refund:
    access.require(perm)
    return _one(refunds(access.tenant), refund_id, "refund")
