"""API of the commerce app (mounted at /api/v1/commerce).

Thin: check the permission, fetch objects through the tenant-scoped selectors (another
tenant's id is a 404), call a service, shape the answer. Amounts are integer minor units.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.commerce import imports, pdf, posting, reports, selectors, services, ubl
from backoffice.commerce.models import Document, Party, Payment, Product, Refund
from backoffice.core.errors import NotFound
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["commerce"])


def _access(request: HttpRequest, perm: str) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    access.require(perm)
    return access


# --- shapes ----------------------------------------------------------------------------------


class PartyIn(Schema):
    code: str = Field(..., min_length=1, max_length=30)
    name: str = Field(..., min_length=1, max_length=200)
    is_customer: bool = True
    is_supplier: bool = False
    email: str = ""
    phone: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""
    tax_id: str = ""
    payment_terms_days: int = Field(30, ge=0, le=365)
    currency: str | None = None


class PartyPatch(Schema):
    name: str | None = None
    is_customer: bool | None = None
    is_supplier: bool | None = None
    email: str | None = None
    phone: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None
    tax_id: str | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    currency: str | None = None
    is_active: bool | None = None


class PartyOut(Schema):
    id: int
    code: str
    name: str
    is_customer: bool
    is_supplier: bool
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    region: str
    country: str
    tax_id: str
    tax_scheme: str
    payment_terms_days: int
    currency: str
    is_active: bool


class TaxRateIn(Schema):
    code: str = Field(..., min_length=1, max_length=20)
    name: str = ""
    rate: Decimal = Field(..., ge=0, lt=1000)
    sales_account: str = ""
    purchase_account: str = ""


class TaxRateOut(Schema):
    id: int
    code: str
    name: str
    rate: Decimal
    sales_account: str
    purchase_account: str
    is_active: bool


class ProductIn(Schema):
    sku: str = Field(..., min_length=1, max_length=50)
    name: str = Field(..., min_length=1, max_length=200)
    kind: str = "stock"
    unit: str = "pcs"
    sale_price: int = Field(0, ge=0)
    cost: int = Field(0, ge=0)
    prices_include_tax: bool = False
    sales_taxes: list[str] = []
    purchase_taxes: list[str] = []
    revenue_account: str = ""
    expense_account: str = ""
    reorder_level: Decimal = Decimal(0)


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    kind: str
    unit: str
    sale_price: int
    cost: int
    prices_include_tax: bool
    sales_taxes: list[str]
    purchase_taxes: list[str]
    revenue_account: str
    expense_account: str
    reorder_level: Decimal
    is_active: bool
    on_hand: Decimal


class LocationIn(Schema):
    warehouse: str = Field(..., min_length=1, max_length=20)
    code: str = Field("STOCK", min_length=1, max_length=20)
    name: str = ""


class LocationOut(Schema):
    id: int
    warehouse: str
    code: str
    name: str


class AdjustIn(Schema):
    product_id: int
    quantity: Decimal
    location_id: int | None = None
    unit_cost: int | None = Field(None, ge=0)
    date: dt.date | None = None
    memo: str = ""


class TransferIn(Schema):
    product_id: int
    quantity: Decimal
    from_location_id: int
    to_location_id: int
    date: dt.date | None = None


class MoveOut(Schema):
    id: int
    product_id: int
    sku: str
    location: str
    kind: str
    date: dt.date
    quantity: Decimal
    unit_cost: Decimal
    value: int
    document_id: int | None


class StockOut(Schema):
    product_id: int
    sku: str
    name: str
    unit: str
    location: str
    quantity: Decimal
    value: int
    unit_cost: Decimal
    is_low: bool


class LineIn(Schema):
    product_id: int | None = None
    quantity: Decimal = Decimal(1)
    unit_price: int | None = Field(None, ge=0)
    description: str = ""
    tax_codes: list[str] | None = None


class DocumentIn(Schema):
    kind: str
    party_id: int
    date: dt.date
    lines: list[LineIn] = Field(..., min_length=1, max_length=500)
    currency: str | None = None
    rate: Decimal | None = None
    location_id: int | None = None
    reference: str = Field("", max_length=60)
    notes: str = ""
    prices_include_tax: bool | None = None
    due_date: dt.date | None = None


class DocumentPatch(Schema):
    lines: list[LineIn] | None = None
    date: dt.date | None = None
    reference: str | None = None
    notes: str | None = None


class DeriveIn(Schema):
    kind: str
    date: dt.date | None = None
    quantities: dict[int, Decimal] | None = None
    unit_prices: dict[int, int] | None = None
    reference: str = ""
    location_id: int | None = None


class LineOut(Schema):
    line_no: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit_price: int
    tax_codes: list[str]
    net: int
    tax: int
    gross: int
    cost_value: int | None


class PostingOut(Schema):
    account: str
    account_name: str
    currency: str
    debit: int
    credit: int


class DocumentSummaryOut(Schema):
    id: int
    kind: str
    status: str
    number: str
    party_id: int
    party: str
    date: dt.date
    due_date: dt.date | None
    currency: str
    rate: Decimal
    net: int
    tax: int
    gross: int
    settled: int
    open_amount: int
    reference: str
    source_id: int | None
    journal_entry_id: int | None


class CreditOut(Schema):
    id: int
    document_id: int
    payment_id: int | None
    credit_note_id: int | None
    source: str
    date: dt.date
    amount: int
    journal_entry_id: int | None
    reversed_on: dt.date | None
    reversal_entry_id: int | None


class RefundBriefOut(Schema):
    id: int
    number: str
    date: dt.date
    amount: int


class DocumentOut(DocumentSummaryOut):
    lines: list[LineOut]
    postings: list[PostingOut]
    moves: list[MoveOut]
    credits: list[CreditOut]
    refunds: list[RefundBriefOut]
    gross_functional: int


class CreditIn(Schema):
    amount: int
    payment_id: int | None = None
    credit_note_id: int | None = Field(
        None, description="An open credit note (for an invoice) or debit note (for a bill)"
    )
    date: dt.date | None = None


class UnapplyIn(Schema):
    date: dt.date | None = None


class RefundIn(Schema):
    amount: int
    date: dt.date | None = None
    currency: str | None = Field(None, description="If given, must be the credit's currency")
    rate: Decimal | None = None
    bank_account: str = Field("", max_length=20)
    reference: str = Field("", max_length=60)


class RefundOut(Schema):
    id: int
    number: str
    party_id: int
    party: str
    payment_id: int | None
    credit_note_id: int | None
    source: str
    date: dt.date
    currency: str
    rate: Decimal
    amount: int
    bank_account: str
    reference: str
    journal_entry_id: int | None
    postings: list[PostingOut]


class CreditSourceOut(Schema):
    kind: str
    id: int
    number: str
    date: dt.date
    available: int


class AllocationIn(Schema):
    document_id: int
    amount: int = Field(..., gt=0)


class PaymentIn(Schema):
    direction: str = Field(..., pattern="^(in|out)$")
    party_id: int
    date: dt.date
    amount: int = Field(..., gt=0)
    currency: str | None = None
    rate: Decimal | None = None
    allocations: list[AllocationIn] | None = None
    keep_overpayment: bool = False
    bank_account: str = ""
    reference: str = ""


class PaymentOut(Schema):
    id: int
    direction: str
    number: str
    party_id: int
    party: str
    date: dt.date
    currency: str
    rate: Decimal
    amount: int
    unallocated: int
    journal_entry_id: int | None
    allocations: list[dict[str, Any]]
    refunds: list[RefundBriefOut]
    postings: list[PostingOut]


class SettingsIO(Schema):
    valuation: str | None = None
    allow_negative_stock: bool | None = None
    tax_rounding: str | None = None


class RuleOut(Schema):
    key: str
    account_code: str
    description: str


class RuleIn(Schema):
    account_code: str


# --- shaping ---------------------------------------------------------------------------------


def _party_out(p: Party) -> dict:
    return {f: getattr(p, f) for f in PartyOut.model_fields}


def _product_out(p: Product) -> dict:
    out = {
        f: getattr(p, f)
        for f in ProductOut.model_fields
        if f not in {"sales_taxes", "purchase_taxes", "on_hand"}
    }
    out["sales_taxes"] = [t.code for t in p.sales_taxes.all()]
    out["purchase_taxes"] = [t.code for t in p.purchase_taxes.all()]
    out["on_hand"] = selectors.on_hand(p.tenant_id, p.pk) if p.is_stock else Decimal(0)
    return out


def _postings(tenant: Any, entry_id: int | None) -> list[dict]:
    return [
        {
            "account": ln.account.code,
            "account_name": ln.account.name,
            "currency": ln.currency,
            "debit": ln.debit,
            "credit": ln.credit,
        }
        for ln in selectors.postings(tenant, entry_id)
    ]


def _move_out(m: Any) -> dict:
    return {
        "id": m.pk,
        "product_id": m.product_id,
        "sku": m.product.sku,
        "location": str(m.location),
        "kind": m.kind,
        "date": m.date,
        "quantity": m.quantity,
        "unit_cost": m.unit_cost,
        "value": m.value,
        "document_id": m.document_id,
    }


def _doc_summary(d: Document) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "status": d.status,
        "number": d.number,
        "party_id": d.party_id,
        "party": d.party.name,
        "date": d.date,
        "due_date": d.due_date,
        "currency": d.currency,
        "rate": d.rate,
        "net": d.net,
        "tax": d.tax,
        "gross": d.gross,
        "settled": d.settled,
        "open_amount": d.open_amount,
        "reference": d.reference,
        "source_id": d.source_id,
        "journal_entry_id": d.journal_entry_id,
    }


def _doc_out(d: Document) -> dict:
    lines = d.lines.select_related("product").prefetch_related("taxes").order_by("line_no")
    return {
        **_doc_summary(d),
        "gross_functional": d.gross_functional,
        "lines": [
            {
                "line_no": ln.line_no,
                "product_id": ln.product_id,
                "description": ln.description,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "tax_codes": [t.code for t in ln.taxes.all()],
                "net": ln.net,
                "tax": ln.tax,
                "gross": ln.gross,
                "cost_value": ln.cost_value,
            }
            for ln in lines
        ],
        "postings": _postings(d.tenant_id, d.journal_entry_id),
        "moves": [_move_out(m) for m in selectors.stock_moves(d.tenant_id, document_id=d.pk)],
        "credits": [_credit_out(c) for c in selectors.credits_applied(d.tenant_id, d.pk)],
        "refunds": [_refund_brief(r) for r in selectors.refunds(d.tenant_id, credit_note_id=d.pk)]
        if d.kind == "credit_note"
        else [],
    }


def _credit_out(c: Any) -> dict:
    source = c.payment if c.payment_id is not None else c.credit_note
    return {
        "id": c.pk,
        "document_id": c.document_id,
        "payment_id": c.payment_id,
        "credit_note_id": c.credit_note_id,
        "source": source.number,
        "date": c.date,
        "amount": c.amount,
        "journal_entry_id": c.journal_entry_id,
        "reversed_on": c.reversed_on,
        "reversal_entry_id": c.reversal_entry_id,
    }


def _refund_brief(r: Refund) -> dict:
    return {"id": r.pk, "number": r.number, "date": r.date, "amount": r.amount}


def _refund_out(r: Refund) -> dict:
    source = r.payment if r.payment_id is not None else r.credit_note
    return {
        "id": r.pk,
        "number": r.number,
        "party_id": r.party_id,
        "party": r.party.name,
        "payment_id": r.payment_id,
        "credit_note_id": r.credit_note_id,
        "source": source.number if source is not None else "",
        "date": r.date,
        "currency": r.currency,
        "rate": r.rate,
        "amount": r.amount,
        "bank_account": r.bank_account,
        "reference": r.reference,
        "journal_entry_id": r.journal_entry_id,
        "postings": _postings(r.tenant_id, r.journal_entry_id),
    }


def _payment_out(p: Payment) -> dict:
    return {
        "id": p.pk,
        "direction": p.direction,
        "number": p.number,
        "party_id": p.party_id,
        "party": p.party.name,
        "date": p.date,
        "currency": p.currency,
        "rate": p.rate,
        "amount": p.amount,
        "unallocated": p.unallocated,
        "journal_entry_id": p.journal_entry_id,
        "allocations": [
            {"document_id": a.document_id, "number": a.document.number, "amount": a.amount}
            for a in p.allocations.select_related("document").order_by("id")
        ],
        "refunds": [_refund_brief(r) for r in selectors.refunds(p.tenant_id, payment_id=p.pk)],
        "postings": _postings(p.tenant_id, p.journal_entry_id),
    }


def _specs(lines: list[LineIn]) -> list[services.LineSpec]:
    return [
        services.LineSpec(
            product_id=ln.product_id,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            description=ln.description,
            tax_codes=ln.tax_codes,
        )
        for ln in lines
    ]


# --- parties ---------------------------------------------------------------------------------


@router.get("/parties", response=list[PartyOut])
@paginate(Page)
def list_parties(request: HttpRequest, search: str = "", role: str = "") -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    return selectors.parties(a.tenant, search=search, role=role)


class ImportRowOut(Schema):
    row: int
    code: str
    ok: bool
    errors: dict[str, list[str]]


class ImportOut(Schema):
    ok: bool
    created: int
    rows: list[ImportRowOut]


@router.post("/parties/import", response={200: ImportOut, 201: ImportOut})
def import_parties(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """CSV of parties: all rows valid and created (201), or none and a row report (200)."""
    a = _access(request, Perm.MANAGE_COMMERCE)

    def run() -> tuple[int, dict]:
        text = file.read().decode("utf-8-sig", errors="replace")
        report = imports.import_parties(tenant=a.tenant, actor=a.user, text=text)
        body = {
            "ok": report.ok,
            "created": report.created,
            "rows": [r.__dict__ for r in report.rows],
        }
        return (201 if report.ok else 200), body

    return run_idempotent(request, run)


@router.get("/parties/{party_id}", response=PartyOut)
def get_party(request: HttpRequest, party_id: int) -> dict:
    a = _access(request, Perm.VIEW_COMMERCE)
    return _party_out(selectors.get_party(a.tenant, party_id))


@router.post("/parties", response={201: PartyOut})
def create_party(request: HttpRequest, payload: PartyIn) -> Status:
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, dict]:
        data = payload.model_dump()
        data["currency"] = data["currency"] or a.tenant.currency
        p = services.create_party(tenant=a.tenant, actor=a.user, **data)
        return 201, _party_out(p)

    return run_idempotent(request, create)


@router.patch("/parties/{party_id}", response=PartyOut)
def update_party(request: HttpRequest, party_id: int, payload: PartyPatch) -> dict:
    a = _access(request, Perm.MANAGE_COMMERCE)
    selectors.get_party(a.tenant, party_id)
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    return _party_out(
        services.update_party(tenant=a.tenant, actor=a.user, party_id=party_id, **data)
    )


# --- taxes, products, locations, stock -------------------------------------------------------


@router.get("/tax-rates", response=list[TaxRateOut])
def list_tax_rates(request: HttpRequest) -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    return list(selectors.tax_rates(a.tenant))


@router.post("/tax-rates", response={201: TaxRateOut})
def create_tax_rate(request: HttpRequest, payload: TaxRateIn) -> Status:
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, dict]:
        t = services.create_tax_rate(tenant=a.tenant, actor=a.user, **payload.model_dump())
        return 201, {f: getattr(t, f) for f in TaxRateOut.model_fields}

    return run_idempotent(request, create)


@router.get("/products", response=list[ProductOut])
@paginate(Page)
def list_products(request: HttpRequest, search: str = "", kind: str = "") -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    return [_product_out(p) for p in selectors.products(a.tenant, search=search, kind=kind)]


@router.get("/products/{product_id}", response=ProductOut)
def get_product(request: HttpRequest, product_id: int) -> dict:
    a = _access(request, Perm.VIEW_COMMERCE)
    return _product_out(selectors.get_product(a.tenant, product_id))


@router.post("/products", response={201: ProductOut})
def create_product(request: HttpRequest, payload: ProductIn) -> Status:
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, dict]:
        p = services.create_product(tenant=a.tenant, actor=a.user, **payload.model_dump())
        return 201, _product_out(p)

    return run_idempotent(request, create)


@router.get("/locations", response=list[LocationOut])
def list_locations(request: HttpRequest) -> list[dict]:
    a = _access(request, Perm.VIEW_COMMERCE)
    return [
        {"id": x.pk, "warehouse": x.warehouse.code, "code": x.code, "name": x.name}
        for x in selectors.locations(a.tenant)
    ]


@router.post("/locations", response={201: LocationOut})
def create_location(request: HttpRequest, payload: LocationIn) -> Status:
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, dict]:
        x = services.create_location(
            tenant=a.tenant,
            actor=a.user,
            warehouse_code=payload.warehouse,
            code=payload.code,
            name=payload.name,
        )
        return 201, {"id": x.pk, "warehouse": x.warehouse.code, "code": x.code, "name": x.name}

    return run_idempotent(request, create)


@router.get("/stock", response=list[StockOut])
def stock(
    request: HttpRequest,
    product_id: int | None = None,
    by_location: bool = False,
    as_of: dt.date | None = None,
    low_only: bool = False,
) -> list[dict]:
    a = _access(request, Perm.VIEW_COMMERCE)
    if product_id is not None:
        selectors.get_product(a.tenant, product_id)
    rows = selectors.stock_on_hand(
        a.tenant, product_id=product_id, by_location=by_location, as_of=as_of
    )
    return [
        {**r.__dict__, "unit_cost": r.unit_cost, "is_low": r.is_low}
        for r in rows
        if not low_only or r.is_low
    ]


@router.get("/stock/moves", response=list[MoveOut])
@paginate(Page)
def stock_moves(request: HttpRequest, product_id: int | None = None) -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    return [_move_out(m) for m in selectors.stock_moves(a.tenant, product_id=product_id)]


@router.post("/stock/adjustments", response={201: MoveOut})
def adjust_stock(request: HttpRequest, payload: AdjustIn) -> Status:
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, dict]:
        m = services.adjust_stock(
            tenant=a.tenant,
            actor=a.user,
            product_id=payload.product_id,
            quantity=payload.quantity,
            location_id=payload.location_id,
            unit_cost=payload.unit_cost,
            day=payload.date,
            memo=payload.memo,
        )
        return 201, _move_out(m)

    return run_idempotent(request, create)


@router.post("/stock/transfers", response={201: list[MoveOut]})
def transfer_stock(request: HttpRequest, payload: TransferIn) -> Status:
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, list]:
        moves = services.transfer_stock(
            tenant=a.tenant,
            actor=a.user,
            product_id=payload.product_id,
            quantity=payload.quantity,
            from_location_id=payload.from_location_id,
            to_location_id=payload.to_location_id,
            day=payload.date,
        )
        return 201, [_move_out(m) for m in moves]

    return run_idempotent(request, create)


# --- documents -------------------------------------------------------------------------------


@router.get("/documents", response=list[DocumentSummaryOut])
@paginate(Page)
def list_documents(
    request: HttpRequest,
    kind: str = "",
    status: str = "",
    party_id: int | None = None,
    search: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    open_only: bool = False,
) -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    qs = selectors.documents(
        a.tenant,
        kind=kind,
        status=status,
        party_id=party_id,
        search=search,
        start=start,
        end=end,
        open_only=open_only,
    )
    return [_doc_summary(d) for d in qs]


@router.get("/documents/{document_id}", response=DocumentOut)
def get_document(request: HttpRequest, document_id: int) -> dict:
    a = _access(request, Perm.VIEW_COMMERCE)
    return _doc_out(selectors.get_document(a.tenant, document_id))


@router.post("/documents", response={201: DocumentOut})
def create_document(request: HttpRequest, payload: DocumentIn) -> Status:
    """Create a draft (quote, order, delivery, invoice, credit note, PO, receipt, bill)."""
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, dict]:
        d = services.create_document(
            tenant=a.tenant,
            actor=a.user,
            kind=payload.kind,
            party_id=payload.party_id,
            day=payload.date,
            lines=_specs(payload.lines),
            currency=payload.currency,
            rate=payload.rate,
            location_id=payload.location_id,
            reference=payload.reference,
            notes=payload.notes,
            prices_include_tax=payload.prices_include_tax,
            due_date=payload.due_date,
        )
        return 201, _doc_out(d)

    return run_idempotent(request, create)


@router.patch("/documents/{document_id}", response=DocumentOut)
def update_document(request: HttpRequest, document_id: int, payload: DocumentPatch) -> dict:
    """Edit a draft; an issued document answers 409 (correct it with a credit note)."""
    a = _access(request, Perm.MANAGE_COMMERCE)
    selectors.get_document(a.tenant, document_id)
    d = services.update_document(
        tenant=a.tenant,
        actor=a.user,
        document_id=document_id,
        lines=_specs(payload.lines) if payload.lines is not None else None,
        day=payload.date,
        reference=payload.reference,
        notes=payload.notes,
    )
    return _doc_out(d)


@router.post("/documents/{document_id}/issue", response=DocumentOut)
def issue_document(request: HttpRequest, document_id: int) -> dict:
    """Number, move stock, post to the ledger. Issuing twice answers 409."""
    a = _access(request, Perm.MANAGE_COMMERCE)
    selectors.get_document(a.tenant, document_id)
    return _doc_out(services.issue_document(tenant=a.tenant, actor=a.user, document_id=document_id))


@router.get("/documents/{document_id}/ubl", response={200: None})
def document_ubl(request: HttpRequest, document_id: int) -> HttpResponse:
    """The issued invoice or credit note as UBL 2.1 XML (Peppol BIS Billing 3.0 shape)."""
    a = _access(request, Perm.VIEW_COMMERCE)
    d = selectors.get_document(a.tenant, document_id)
    response = HttpResponse(ubl.export(a.tenant, d), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{d.number}.xml"'
    return response


@router.get("/documents/{document_id}/pdf", response={200: None})
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The document as PDF (invoice, credit note, order, ...), with the tenant's details."""
    a = _access(request, Perm.VIEW_COMMERCE)
    d = selectors.get_document(a.tenant, document_id)
    response = HttpResponse(pdf.document_pdf(a.tenant, d), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{d.number or d.pk}.pdf"'
    return response


@router.post("/documents/{document_id}/cancel", response=DocumentOut)
def cancel_document(request: HttpRequest, document_id: int) -> dict:
    a = _access(request, Perm.MANAGE_COMMERCE)
    selectors.get_document(a.tenant, document_id)
    return _doc_out(
        services.cancel_document(tenant=a.tenant, actor=a.user, document_id=document_id)
    )


@router.post("/documents/{document_id}/derive", response={201: DocumentOut})
def derive_document(request: HttpRequest, document_id: int, payload: DeriveIn) -> Status:
    """Draft the next document of the flow (order -> delivery -> invoice -> credit note).

    `quantities` and `unit_prices` are keyed by the source's line numbers; a bill of goods
    received at another price posts the difference to `bill.price_difference`.
    """
    a = _access(request, Perm.MANAGE_COMMERCE)
    selectors.get_document(a.tenant, document_id)

    def create() -> tuple[int, dict]:
        d = services.create_from(
            tenant=a.tenant,
            actor=a.user,
            source_id=document_id,
            kind=payload.kind,
            day=payload.date,
            quantities=payload.quantities,
            unit_prices=payload.unit_prices,
            reference=payload.reference,
            location_id=payload.location_id,
        )
        return 201, _doc_out(d)

    return run_idempotent(request, create)


@router.get("/documents/{document_id}/credit-sources", response=list[CreditSourceOut])
def credit_sources(request: HttpRequest, document_id: int) -> list[dict]:
    """Credit the party has that could settle this invoice or bill (same currency)."""
    a = _access(request, Perm.VIEW_COMMERCE)
    d = selectors.get_document(a.tenant, document_id)
    return [c.__dict__ for c in selectors.credit_sources(a.tenant, d)]


@router.post("/documents/{document_id}/credits", response={201: CreditOut})
def apply_credit(request: HttpRequest, document_id: int, payload: CreditIn) -> Status:
    """Apply a receipt's unallocated rest (`payment_id`) or an open credit note
    (`credit_note_id`) of the same party to this invoice (a payment's rest or an open debit
    note to a bill)."""
    a = _access(request, Perm.MANAGE_COMMERCE)
    selectors.get_document(a.tenant, document_id)

    def create() -> tuple[int, dict]:
        c = services.apply_credit(
            tenant=a.tenant,
            actor=a.user,
            document_id=document_id,
            amount=payload.amount,
            payment_id=payload.payment_id,
            credit_note_id=payload.credit_note_id,
            day=payload.date,
        )
        return 201, _credit_out(c)

    return run_idempotent(request, create)


@router.post("/documents/{document_id}/credits/{credit_id}/unapply", response={200: CreditOut})
def unapply_credit(
    request: HttpRequest, document_id: int, credit_id: int, payload: UnapplyIn
) -> Status:
    """Undo a credit application of this document: both sides get their open amounts back and
    its posting is reversed on `date`. Undoing it again answers 409."""
    a = _access(request, Perm.MANAGE_COMMERCE)
    selectors.get_document(a.tenant, document_id)

    def undo() -> tuple[int, dict]:
        c = services.unapply_credit(
            tenant=a.tenant,
            actor=a.user,
            credit_id=credit_id,
            document_id=document_id,
            day=payload.date,
        )
        return 200, _credit_out(c)

    return run_idempotent(request, undo)


# --- payments --------------------------------------------------------------------------------


@router.get("/payments", response=list[PaymentOut])
@paginate(Page)
def list_payments(request: HttpRequest, direction: str = "", party_id: int | None = None) -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    return [
        _payment_out(p)
        for p in selectors.payments(a.tenant, direction=direction, party_id=party_id)
    ]


@router.get("/payments/{payment_id}", response=PaymentOut)
def get_payment(request: HttpRequest, payment_id: int) -> dict:
    a = _access(request, Perm.VIEW_COMMERCE)
    return _payment_out(selectors.get_payment(a.tenant, payment_id))


@router.get("/payments/{payment_id}/pdf", response={200: None})
def payment_pdf(request: HttpRequest, payment_id: int) -> HttpResponse:
    """The receipt (money in) or payment advice (money out) as PDF."""
    a = _access(request, Perm.VIEW_COMMERCE)
    p = selectors.get_payment(a.tenant, payment_id)
    response = HttpResponse(pdf.receipt_pdf(a.tenant, p), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{p.number}.pdf"'
    return response


@router.post("/payments", response={201: PaymentOut})
def record_payment(request: HttpRequest, payload: PaymentIn) -> Status:
    """Record money received (with a receipt number) or paid; see `keep_overpayment`."""
    a = _access(request, Perm.MANAGE_COMMERCE)

    def create() -> tuple[int, dict]:
        p = services.record_payment(
            tenant=a.tenant,
            actor=a.user,
            direction=payload.direction,
            party_id=payload.party_id,
            day=payload.date,
            amount=payload.amount,
            currency=payload.currency,
            rate=payload.rate,
            allocations=[(x.document_id, x.amount) for x in payload.allocations]
            if payload.allocations is not None
            else None,
            keep_overpayment=payload.keep_overpayment,
            bank_account=payload.bank_account,
            reference=payload.reference,
        )
        return 201, _payment_out(p)

    return run_idempotent(request, create)


# --- refunds ---------------------------------------------------------------------------------


@router.get("/refunds", response=list[RefundOut])
@paginate(Page)
def list_refunds(request: HttpRequest, party_id: int | None = None) -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    return [_refund_out(r) for r in selectors.refunds(a.tenant, party_id=party_id)]


@router.get("/refunds/{refund_id}", response=RefundOut)
def get_refund(request: HttpRequest, refund_id: int) -> dict:
    a = _access(request, Perm.VIEW_COMMERCE)
    return _refund_out(selectors.get_refund(a.tenant, refund_id))


def _refund(
    request: HttpRequest,
    payload: RefundIn,
    *,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
) -> Status:
    a = _access(request, Perm.MANAGE_COMMERCE)
    if payment_id is not None:
        selectors.get_payment(a.tenant, payment_id)
    if credit_note_id is not None:
        selectors.get_document(a.tenant, credit_note_id)

    def create() -> tuple[int, dict]:
        r = services.refund_credit(
            tenant=a.tenant,
            actor=a.user,
            amount=payload.amount,
            payment_id=payment_id,
            credit_note_id=credit_note_id,
            day=payload.date,
            currency=payload.currency,
            rate=payload.rate,
            bank_account=payload.bank_account,
            reference=payload.reference,
        )
        return 201, _refund_out(r)

    return run_idempotent(request, create)


@router.post("/payments/{payment_id}/refunds", response={201: RefundOut})
def refund_payment(request: HttpRequest, payment_id: int, payload: RefundIn) -> Status:
    """Pay back (part of) a receipt's unallocated rest, a customer's overpayment."""
    return _refund(request, payload, payment_id=payment_id)


@router.post("/documents/{document_id}/refunds", response={201: RefundOut})
def refund_credit_note(request: HttpRequest, document_id: int, payload: RefundIn) -> Status:
    """Pay back (part of) what is open on an issued credit note."""
    return _refund(request, payload, credit_note_id=document_id)


# --- settings and posting rules --------------------------------------------------------------


@router.get("/settings", response=SettingsIO)
def get_settings(request: HttpRequest) -> Any:
    a = _access(request, Perm.VIEW_COMMERCE)
    return services.get_settings(a.tenant)


@router.patch("/settings", response=SettingsIO)
def update_settings(request: HttpRequest, payload: SettingsIO) -> Any:
    a = _access(request, Perm.MANAGE_COMMERCE)
    return services.update_settings(tenant=a.tenant, actor=a.user, **payload.model_dump())


@router.get("/posting-rules", response=list[RuleOut])
def list_rules(request: HttpRequest) -> list[dict]:
    a = _access(request, Perm.VIEW_COMMERCE)
    return [
        {"key": k, "account_code": code, "description": posting.DEFAULT_ACCOUNTS[k][1]}
        for k, code in posting.rules(a.tenant).items()
    ]


@router.put("/posting-rules/{key}", response=RuleOut)
def set_rule(request: HttpRequest, key: str, payload: RuleIn) -> dict:
    a = _access(request, Perm.MANAGE_COMMERCE)
    services.set_posting_account(
        tenant=a.tenant, actor=a.user, key=key, account_code=payload.account_code
    )
    return {
        "key": key,
        "account_code": payload.account_code,
        "description": posting.DEFAULT_ACCOUNTS[key][1],
    }


# --- reports ---------------------------------------------------------------------------------


class AgingOut(Schema):
    party_id: int
    party: str
    currency: str
    buckets: dict[str, int]
    total: int


@router.get("/reports/aging", response=list[AgingOut])
def aging(
    request: HttpRequest, side: str = "receivable", as_of: dt.date | None = None
) -> list[dict]:
    a = _access(request, Perm.VIEW_COMMERCE)
    rows = reports.aging(a.tenant, side=side, as_of=as_of or dt.date.today())
    return [{**r.__dict__, "total": r.total} for r in rows]


class StatementOut(Schema):
    party_id: int
    opening: int
    lines: list[dict[str, Any]]
    closing: int


@router.get("/reports/statement/{party_id}", response=StatementOut)
def statement(request: HttpRequest, party_id: int, start: dt.date, end: dt.date) -> dict:
    a = _access(request, Perm.VIEW_COMMERCE)
    selectors.get_party(a.tenant, party_id)
    opening, lines = reports.statement(a.tenant, party_id=party_id, start=start, end=end)
    return {
        "party_id": party_id,
        "opening": opening,
        "lines": [ln.__dict__ for ln in lines],
        "closing": lines[-1].balance if lines else opening,
    }


@router.get("/reports/valuation", response=list[StockOut])
def valuation(request: HttpRequest, as_of: dt.date | None = None) -> list[dict]:
    a = _access(request, Perm.VIEW_COMMERCE)
    return [
        {**r.__dict__, "unit_cost": r.unit_cost, "is_low": r.is_low}
        for r in reports.valuation(a.tenant, as_of=as_of)
    ]


class PeriodOut(Schema):
    key: str
    net: int
    tax: int
    gross: int


@router.get("/reports/{side}", response=list[PeriodOut])
def by_period(
    request: HttpRequest, side: str, start: dt.date, end: dt.date, group: str = "month"
) -> list[dict]:
    """`side` is sales or purchases; `group` is month, party or product."""
    a = _access(request, Perm.VIEW_COMMERCE)
    if side not in ("sales", "purchases"):
        raise NotFound("No such report.")
    return [
        r.__dict__
        for r in reports.by_period(a.tenant, side=side, start=start, end=end, group=group)
    ]
