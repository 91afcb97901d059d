"""Billing API: contracts, rate cards, billing runs, invoices' review and usage statements.

Thin: each endpoint parses, calls one selector or service, and shapes the answer. The
selectors scope every read (a client sees its own contracts, invoices and statements;
another tenant's id is a 404) and the services refuse bad input with the one error body.
Creates take an Idempotency-Key.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.api.params import Code, Id
from backoffice.billing import selectors, services
from backoffice.billing.models import BillingInvoice, BillingRun, Contract, UsageLine
from backoffice.core.errors import DomainError, Forbidden, NotFound
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["billing"])
MANAGE = Perm.MANAGE_BILLING
Units = Decimal


def caller(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    return access


def _manager(request: HttpRequest) -> TenantAccess:
    a = caller(request)
    a.require(MANAGE)
    if not a.tenant.is_provider:
        raise Forbidden("Only the provider's staff manage billing.")
    return a


# --- shapes ------------------------------------------------------------------------------


class TierIn(Schema):
    from_units: Units = Field(..., ge=0)
    up_to: Units | None = Field(None, gt=0)
    unit_rate: int = Field(..., description="Minor units per `per_units` units")
    flat_fee: int = 0


class ChargeIn(Schema):
    code: Code
    name: str = Field(..., min_length=1, max_length=200)
    metric: str
    model: str = "per_unit"
    unit_rate: int = 0
    per_units: int = Field(1, ge=1, le=1_000_000)
    free_units: Units = Field(Decimal(0), ge=0)
    package_size: Units | None = None
    engagement_id: Id | None = None
    min_priority: int | None = Field(None, ge=0, le=9)
    product_id: Id | None = None
    tiers: list[TierIn] = Field(default_factory=list, max_length=50)


class ServiceLevelIn(Schema):
    engagement_id: Id
    metric: str
    target_percent: Decimal = Field(..., gt=0, le=100)
    allocation_percent: Decimal = Field(..., ge=0, le=100)
    earn_back: bool = False


class ContractIn(Schema):
    client_id: Id
    code: Code
    name: str = Field(..., min_length=1, max_length=200)
    currency: str = Field(..., min_length=3, max_length=3)
    engagement_ids: list[Id] = Field(default_factory=list, max_length=500)
    payment_terms_days: int = Field(30, ge=0, le=365)
    calendar_id: Id | None = None
    bill_cancelled_items: bool = False
    tax_code: str = Field("", max_length=20)
    retainer_account: str = Field("", max_length=20)


class VersionIn(Schema):
    effective_from: dt.date
    effective_to: dt.date | None = None
    charges: list[ChargeIn] = Field(default_factory=list, max_length=100)
    service_levels: list[ServiceLevelIn] = Field(default_factory=list, max_length=100)
    minimum_commitment: int = 0
    recurring_fee: int = 0
    recurring_label: str = Field("", max_length=200)
    setup_fee: int = 0
    at_risk_percent: Decimal = Field(Decimal(0), ge=0, le=100)
    pool_cap_percent: Decimal = Field(Decimal(0), ge=0, le=100)


class EndVersionIn(Schema):
    effective_to: dt.date


class RunIn(Schema):
    period: str = Field(..., description="The month, e.g. 2026-11", max_length=10)
    client_id: Id | None = None


class AdjustIn(Schema):
    amount: int = Field(..., description="Minor units; negative for a credit")
    description: str = Field(..., min_length=1, max_length=300)


class CreditIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)
    amount: int | None = Field(None, description="Before tax; empty credits what is left")


class RetainerIn(Schema):
    amount: int
    date: dt.date
    bank_account: str = Field("", max_length=20)


class ContractOut(Schema):
    id: int
    code: str
    name: str
    client_id: int
    client: str
    currency: str
    billing_period: str
    payment_terms_days: int
    timezone: str
    bill_cancelled_items: bool
    tax_code: str
    retainer_account: str
    is_active: bool


class LineOut(Schema):
    id: int
    line_no: int
    kind: str
    description: str
    rate_card_version: int | None
    charge_code: str | None
    metric: str
    quantity: str
    amount: int
    detail: dict[str, Any]


class InvoiceOut(Schema):
    id: int
    contract_id: int
    contract: str
    client_id: int
    period: str
    status: str
    currency: str
    charges_total: int
    credits_total: int
    total: int
    retainer_drawn: int
    document_id: int | None
    document_number: str
    credit_note_id: int | None
    client_bill_id: int | None
    client_debit_note_id: int | None


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]


class RunOut(Schema):
    id: int
    period: str
    client_id: int | None
    status: str
    contracts_total: int
    contracts_done: int
    progress_percent: int
    invoices_created: int
    error: str


class EstimateOut(Schema):
    contract_id: int
    period: str
    as_of: dt.datetime
    currency: str
    charges: int
    credits: int
    total: int
    lines: list[LineOut]


class BilledItemOut(Schema):
    item_id: int
    external_ref: str
    engagement_id: int
    completed_at: dt.datetime
    state: str
    priority: int
    after_hours: bool
    fields_keyed: int
    characters_keyed: int
    pages: str
    lines: str
    audio_minutes: str
    handle_hours: str


class EventOut(Schema):
    at: dt.datetime
    from_state: str
    to_state: str
    note: str


def contract_out(c: Contract) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "client_id": c.client_id,
        "client": c.client.name,
        "currency": c.currency,
        "billing_period": c.billing_period,
        "payment_terms_days": c.payment_terms_days,
        "timezone": c.timezone,
        "bill_cancelled_items": c.bill_cancelled_items,
        "tax_code": c.tax_code,
        "retainer_account": c.retainer_account,
        "is_active": c.is_active,
    }


def line_out(ln: UsageLine) -> dict[str, Any]:
    return {
        "id": ln.pk,
        "line_no": ln.line_no,
        "kind": ln.kind,
        "description": ln.description,
        "rate_card_version": ln.version.number if ln.version_id and ln.version else None,
        "charge_code": ln.charge.code if ln.charge_id and ln.charge else None,
        "metric": ln.metric,
        "quantity": f"{ln.quantity.normalize():f}",
        "amount": ln.amount,
        "detail": ln.detail,
    }


def invoice_out(inv: BillingInvoice) -> dict[str, Any]:
    return {
        "id": inv.pk,
        "contract_id": inv.contract_id,
        "contract": inv.contract.name,
        "client_id": inv.client_id,
        "period": f"{inv.period:%Y-%m}",
        "status": inv.status,
        "currency": inv.currency,
        "charges_total": inv.charges_total,
        "credits_total": inv.credits_total,
        "total": inv.total,
        "retainer_drawn": inv.retainer_drawn,
        "document_id": inv.document_id,
        "document_number": inv.document.number if inv.document_id and inv.document else "",
        "credit_note_id": inv.credit_note_id,
        "client_bill_id": inv.client_bill_id,
        "client_debit_note_id": inv.client_debit_note_id,
    }


def invoice_detail(inv: BillingInvoice) -> dict[str, Any]:
    return {**invoice_out(inv), "lines": [line_out(ln) for ln in selectors.usage_lines(inv)]}


def run_out(r: BillingRun) -> dict[str, Any]:
    return {
        "id": r.pk,
        "period": f"{r.period:%Y-%m}",
        "client_id": r.client_id,
        "status": r.status,
        "contracts_total": r.contracts_total,
        "contracts_done": r.contracts_done,
        "progress_percent": r.progress_percent,
        "invoices_created": r.invoices_created,
        "error": r.error,
    }


# --- contracts ---------------------------------------------------------------------------


@router.get("/contracts", response=list[ContractOut])
@paginate(Page)
def list_contracts(request: HttpRequest, client_id: Id | None = None) -> Any:
    return [contract_out(c) for c in selectors.contracts(caller(request), client_id=client_id)]


@router.get("/contracts/{contract_id}", response=ContractOut)
def get_contract(request: HttpRequest, contract_id: int) -> dict:
    return contract_out(selectors.access_contract_by_id(caller(request), contract_id))


@router.post("/contracts", response={201: ContractOut})
def create_contract(request: HttpRequest, payload: ContractIn) -> Status:
    """A client's contract over some of its engagements (each billed by one contract)."""
    a = _manager(request)

    def run() -> tuple[int, Any]:
        c = services.create_contract(tenant=a.tenant, actor=a.user, **payload.model_dump())
        return 201, contract_out(c)

    return run_idempotent(request, run)


@router.post("/contracts/{contract_id}/versions", response={201: dict})
def add_version(request: HttpRequest, contract_id: int, payload: VersionIn) -> Status:
    """A new rate card. Overlapping dates, tier gaps or overlaps, negative prices: 400."""
    a = _manager(request)
    selectors.access_contract_by_id(a, contract_id, perm=MANAGE)
    data = payload.model_dump(exclude={"charges", "service_levels"})
    charges = [
        services.ChargeIn(
            **c.model_dump(exclude={"tiers"}),
            tiers=[services.TierIn(**t.model_dump()) for t in c.tiers],
        )
        for c in payload.charges
    ]
    levels = [services.ServiceLevelIn(**sl.model_dump()) for sl in payload.service_levels]

    def run() -> tuple[int, Any]:
        v = services.add_version(
            tenant=a.tenant, actor=a.user, contract_id=contract_id, charges=charges,
            service_levels=levels, **data,
        )  # fmt: skip
        return 201, {"id": v.pk, "number": v.number, "effective_from": str(v.effective_from)}

    return run_idempotent(request, run)


@router.post("/versions/{version_id}/end", response=dict)
def end_version(request: HttpRequest, version_id: int, payload: EndVersionIn) -> dict:
    a = _manager(request)
    v = services.end_version(
        tenant=a.tenant, actor=a.user, version_id=version_id, effective_to=payload.effective_to
    )
    return {"id": v.pk, "number": v.number, "effective_to": str(v.effective_to)}


@router.get("/contracts/{contract_id}/estimate", response=EstimateOut)
def month_to_date(request: HttpRequest, contract_id: int) -> dict:
    """What this month costs so far (nothing is written)."""
    a = caller(request)
    with _reading_work(a):
        e = selectors.month_to_date(a, contract_id)
    return {
        "contract_id": e.contract.pk,
        "period": f"{e.period:%Y-%m}",
        "as_of": e.as_of,
        "currency": e.contract.currency,
        "charges": e.charges,
        "credits": e.credits,
        "total": e.total,
        "lines": [line_out(ln) for ln in e.lines],
    }


@router.post("/contracts/{contract_id}/retainer", response={201: dict})
def receive_retainer(request: HttpRequest, contract_id: int, payload: RetainerIn) -> Status:
    """A retainer received: held as a liability, drawn down by the invoices it pays."""
    a = _manager(request)
    selectors.access_contract_by_id(a, contract_id, perm=MANAGE)

    def run() -> tuple[int, Any]:
        m = services.receive_retainer(
            tenant=a.tenant, actor=a.user, contract_id=contract_id, amount=payload.amount,
            day=payload.date, bank_account=payload.bank_account,
        )  # fmt: skip
        return 201, {"id": m.pk, "amount": m.amount, "date": str(m.day)}

    return run_idempotent(request, run)


# --- runs --------------------------------------------------------------------------------


@router.get("/runs", response=list[RunOut])
@paginate(Page)
def list_runs(request: HttpRequest) -> Any:
    return [run_out(r) for r in selectors.runs(caller(request))]


@router.get("/runs/{run_id}", response=RunOut)
def get_run(request: HttpRequest, run_id: int) -> dict:
    return run_out(selectors.access_run_by_id(caller(request), run_id))


@router.post("/runs", response={201: RunOut})
def start_run(request: HttpRequest, payload: RunIn) -> Status:
    """Bill a month for one client or all. The same month again writes nothing new."""
    a = _manager(request)
    period = services.parse_period(payload.period)

    def run() -> tuple[int, Any]:
        r = services.run_billing(
            tenant=a.tenant, actor=a.user, period=period, client_id=payload.client_id
        )
        return 201, run_out(r)

    return run_idempotent(request, run)


# --- invoices ----------------------------------------------------------------------------


@router.get("/invoices", response=list[InvoiceOut])
@paginate(Page)
def list_invoices(
    request: HttpRequest,
    period: str = "",
    status: str = "",
    contract_id: Id | None = None,
    run_id: Id | None = None,
) -> Any:
    month = services.parse_period(period) if period else None
    qs = selectors.invoices(
        caller(request), period=month, status=status, contract_id=contract_id, run_id=run_id
    )
    return [invoice_out(i) for i in qs]


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut)
def get_invoice(request: HttpRequest, invoice_id: int) -> dict:
    """The invoice with its usage statement, line by line."""
    return invoice_detail(selectors.access_invoice_by_id(caller(request), invoice_id))


@router.get("/invoices/{invoice_id}/statement", response={200: None})
def statement(request: HttpRequest, invoice_id: int, format: str = "csv") -> HttpResponse:
    """The usage statement as CSV or XLSX."""
    inv = selectors.access_invoice_by_id(caller(request), invoice_id)
    if format not in EXPORT_FORMATS:
        raise DomainError("Download as csv or xlsx.", fields={"format": ["csv or xlsx"]})
    name = f"usage-{inv.contract.code}-{inv.period:%Y-%m}"
    return tabular_response(name, selectors.STATEMENT_HEADER, selectors.statement_rows(inv), format)


def _change(request: HttpRequest, invoice_id: int, service: Any, **kw: Any) -> dict:
    a = _manager(request)
    selectors.access_invoice_by_id(a, invoice_id, perm=MANAGE)
    service(tenant=a.tenant, actor=a.user, invoice_id=invoice_id, **kw)
    return invoice_detail(selectors.access_invoice_by_id(a, invoice_id))


@router.post("/invoices/{invoice_id}/adjust", response=InvoiceDetailOut)
def adjust_invoice(request: HttpRequest, invoice_id: int, payload: AdjustIn) -> dict:
    return _change(request, invoice_id, services.adjust_invoice, **payload.model_dump())


@router.post("/invoices/{invoice_id}/approve", response=InvoiceDetailOut)
def approve_invoice(request: HttpRequest, invoice_id: int) -> dict:
    """Approving twice answers 409."""
    return _change(request, invoice_id, services.approve_invoice)


@router.post("/invoices/{invoice_id}/issue", response=InvoiceDetailOut)
def issue_invoice(request: HttpRequest, invoice_id: int) -> dict:
    """Post the invoice (and its credits, retainer and the client's bill)."""
    return _change(request, invoice_id, services.issue_invoice)


@router.post("/invoices/{invoice_id}/credits", response={201: dict})
def credit_invoice(request: HttpRequest, invoice_id: int, payload: CreditIn) -> Status:
    """A credit note against an issued invoice, part (`amount`) or whole."""
    a = _manager(request)
    selectors.access_invoice_by_id(a, invoice_id, perm=MANAGE)

    def run() -> tuple[int, Any]:
        d = services.credit_invoice(
            tenant=a.tenant, actor=a.user, invoice_id=invoice_id, **payload.model_dump()
        )
        return 201, {"id": d.pk, "amount": d.amount, "credit_note_id": d.credit_note_id}

    return run_idempotent(request, run)


# --- drill-down --------------------------------------------------------------------------


class BilledItemsOut(Schema):
    items: list[BilledItemOut]
    count: int
    page: int
    pages: int


@contextmanager
def _reading_work(access: TenantAccess) -> Iterator[None]:
    """Reads that reach the clients' work log: one transaction, row-level security widened
    to the clients the caller's billing covers (their provider's, or its own)."""
    s = selectors.scope_of(access)
    with transaction.atomic():
        clients = [s.client_id] if s.client_id else list(
            Organization.objects.filter(provider_id=s.provider_id).values_list("pk", flat=True)
        )  # fmt: skip
        set_rls_tenants([access.tenant.pk, s.provider_id, *clients])
        yield


@router.get("/lines/{line_id}/items", response=BilledItemsOut)
def line_items(
    request: HttpRequest,
    line_id: int,
    page: int = Query(1, ge=1, le=10_000_000),
    page_size: int = Query(100, ge=1, le=1000),
) -> dict:
    """The work items behind a usage line, a page at a time."""
    a = caller(request)
    with _reading_work(a):
        line = selectors.access_line_by_id(a, line_id)
        qs = selectors.line_items(line)
        count = qs.count()
        billed = list(qs[(page - 1) * page_size : page * page_size])
        refs = selectors.item_refs(billed)
    return {
        "items": [
            {
                "item_id": b.item_id,
                "external_ref": refs.get(b.item_id, ""),
                "engagement_id": b.engagement_id,
                "completed_at": b.completed_at,
                "state": b.state,
                "priority": b.priority,
                "after_hours": b.after_hours,
                "fields_keyed": b.fields_keyed,
                "characters_keyed": b.characters_keyed,
                "pages": f"{b.pages.normalize():f}",
                "lines": f"{b.lines.normalize():f}",
                "audio_minutes": f"{b.audio_minutes.normalize():f}",
                "handle_hours": f"{(b.handle_seconds / 3600).quantize(Decimal('0.001'))}",
            }
            for b in billed
        ],
        "count": count,
        "page": page,
        "pages": max(1, -(-count // page_size)),
    }


@router.get("/lines/{line_id}/items.{fmt}", response={200: None})
def line_items_export(request: HttpRequest, line_id: int, fmt: str) -> HttpResponse:
    """The items behind a usage line as CSV or XLSX."""
    a = caller(request)
    if fmt not in EXPORT_FORMATS:
        raise NotFound("Download as csv or xlsx.")
    with _reading_work(a):
        line = selectors.access_line_by_id(a, line_id)
        rows = selectors.drill_rows(line)
    name = f"usage-line-{line.invoice_id}-{line.line_no}"
    return tabular_response(name, selectors.DRILL_HEADER, rows, fmt)


@router.get("/lines/{line_id}/items/{item_id}/events", response=list[EventOut])
def item_events(request: HttpRequest, line_id: int, item_id: int) -> Any:
    """The events of one item on a usage line (its trail from intake to done)."""
    a = caller(request)
    with _reading_work(a):
        line = selectors.access_line_by_id(a, line_id)
        events = selectors.item_events(a, line, item_id)
        return list(events.values("at", "from_state", "to_state", "note"))
