"""The request and response shapes of the commerce API (their names are the OpenAPI
schema names, so they stay as they are)."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

# --- parties ---------------------------------------------------------------------------------


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


class ImportRowOut(Schema):
    row: int
    code: str
    ok: bool
    errors: dict[str, list[str]]


class ImportOut(Schema):
    ok: bool
    created: int
    rows: list[ImportRowOut]


# --- catalogue and stock ---------------------------------------------------------------------


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


# --- documents and credit --------------------------------------------------------------------


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


class CreditSourceOut(Schema):
    kind: str
    id: int
    number: str
    date: dt.date
    available: int


# --- payments and refunds --------------------------------------------------------------------


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


class AllocationIn(Schema):
    document_id: int
    amount: int = Field(..., gt=0)


class PaymentIn(Schema):
    direction: Literal["in", "out"]
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


# --- settings and posting rules --------------------------------------------------------------


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


# --- reports ---------------------------------------------------------------------------------


class AgingOut(Schema):
    party_id: int
    party: str
    currency: str
    buckets: dict[str, int]
    total: int


class StatementOut(Schema):
    party_id: int
    opening: int
    lines: list[dict[str, Any]]
    closing: int


class PeriodOut(Schema):
    key: str
    net: int
    tax: int
    gross: int
