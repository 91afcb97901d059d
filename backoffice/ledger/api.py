"""API of the ledger app (mounted at /api/v1/ledger). Thin: each handler names the
permission its operation needs, reads objects through the `selectors.access_*_by_id`
functions the pages use too, calls a service or selector and shapes the answer.

Amounts are integers in the currency's minor unit. A line gives either a signed `amount`
(debit > 0, credit < 0) or `debit` / `credit`.
"""

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.core.errors import DomainError
from backoffice.ledger import selectors, services
from backoffice.ledger.models import Account, ExchangeRate, JournalEntry, Period
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["ledger"])


def _access(request: HttpRequest, perm: str | None = None) -> TenantAccess:
    """The caller; with `perm`, the endpoint's permission checked first (else 403)."""
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    if perm is not None:
        access.require(perm)
    return access


# --- schemas --------------------------------------------------------------------------


class AccountIn(Schema):
    code: str = Field(..., min_length=1, max_length=20)
    name: str = Field(..., min_length=1, max_length=200)
    type: str
    parent: str | None = Field(None, description="Parent account code")
    currency: str | None = Field(None, description="Restrict lines to this ISO 4217 code")


class AccountPatch(Schema):
    name: str | None = Field(None, max_length=200)
    parent: str | None = None
    is_active: bool | None = None
    currency: str | None = None


class AccountOut(Schema):
    id: int
    code: str
    name: str
    type: str
    parent: str | None
    currency: str | None
    is_active: bool


class TreeOut(Schema):
    id: int
    code: str
    name: str
    type: str
    depth: int
    balance: dict[str, int]
    total: dict[str, int]
    children: list["TreeOut"]


class LineIn(Schema):
    account: str = Field(..., description="Account code")
    amount: int | None = Field(None, description="Signed minor units: debit > 0, credit < 0")
    debit: int = Field(0, ge=0)
    credit: int = Field(0, ge=0)
    currency: str | None = Field(None, min_length=3, max_length=3)
    memo: str = Field("", max_length=200)


class EntryIn(Schema):
    date: dt.date
    memo: str = Field("", max_length=500)
    source_ref: str = Field("", max_length=200)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)
    lines: list[LineIn]


class BulkIn(Schema):
    entries: list[EntryIn] = Field(..., max_length=20000)


class BulkOut(Schema):
    created: int
    lines: int
    duplicates: int
    first_id: int | None
    last_id: int | None


class ReverseIn(Schema):
    date: dt.date | None = None
    memo: str | None = Field(None, max_length=500)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


class LineOut(Schema):
    line_no: int
    account: str
    account_name: str
    currency: str
    amount: int
    debit: int
    credit: int
    memo: str


class EntryOut(Schema):
    id: int
    date: dt.date
    memo: str
    source_ref: str
    idempotency_key: str | None
    author: str | None
    posted_at: dt.datetime
    reverses: int | None
    reversed_by: int | None
    lines: list[LineOut]


class EntrySummaryOut(Schema):
    id: int
    date: dt.date
    memo: str
    source_ref: str
    reverses: int | None = Field(None, alias="reverses_id")


class BalanceOut(Schema):
    account_id: int
    code: str
    name: str
    currency: str
    balance: int


class PeriodOut(Schema):
    id: int
    fiscal_year: str
    name: str
    start: dt.date
    end: dt.date
    is_locked: bool


class FiscalYearIn(Schema):
    year: int = Field(..., ge=1970, le=2200)
    start_month: int = Field(1, ge=1, le=12)


class RateIn(Schema):
    date: dt.date
    base: str = Field(..., min_length=3, max_length=3)
    quote: str = Field(..., min_length=3, max_length=3)
    rate: Decimal = Field(..., gt=0)


class RateOut(Schema):
    date: dt.date
    base: str
    quote: str
    rate: Decimal


class ReportRowOut(Schema):
    account_id: int
    code: str
    name: str
    type: str
    currency: str
    debit: int
    credit: int
    balance: int
    translated: int | None


class ReportOut(Schema):
    title: str
    currency: str
    rows: list[ReportRowOut]
    totals: dict[str, Any]
    untranslated: list[str]


class LedgerLineOut(Schema):
    entry_id: int
    date: dt.date
    memo: str
    currency: str
    debit: int
    credit: int
    running: int
    translated: int | None = Field(
        None, description="The amount in the reporting currency; null without a rate"
    )
    translated_running: int = Field(
        0, description="The account's balance after the line, all currencies translated"
    )


class GeneralLedgerOut(Schema):
    account: AccountOut
    currency: str = Field(..., description="The tenant's reporting currency")
    rate_date: dt.date = Field(..., description="Rates on or before this day translate")
    opening: dict[str, int]
    opening_translated: int
    lines: list[LedgerLineOut]
    closing: dict[str, int]
    closing_translated: int
    untranslated: list[str] = Field(..., description="Currencies without a rate")


# --- helpers --------------------------------------------------------------------------


def _account_out(a: Account, codes: dict[int, str] | None = None) -> dict:
    parent = None
    if a.parent_id:
        parent = codes.get(a.parent_id) if codes is not None else a.parent.code  # type: ignore[union-attr]
    return {
        "id": a.pk,
        "code": a.code,
        "name": a.name,
        "type": a.type,
        "parent": parent,
        "currency": a.currency_id,
        "is_active": a.is_active,
    }


def _entry_out(e: JournalEntry) -> dict:
    reversal = e.reversal
    return {
        "id": e.pk,
        "date": e.date,
        "memo": e.memo,
        "source_ref": e.source_ref,
        "idempotency_key": e.idempotency_key,
        "author": e.author.username if e.author else None,
        "posted_at": e.posted_at,
        "reverses": e.reverses_id,
        "reversed_by": reversal.pk if reversal else None,
        "lines": [
            {
                "line_no": ln.line_no,
                "account": ln.account.code,
                "account_name": ln.account.name,
                "currency": ln.currency,
                "amount": ln.amount,
                "debit": ln.debit,
                "credit": ln.credit,
                "memo": ln.memo,
            }
            for ln in selectors.entry_lines(e)
        ],
    }


def to_entry(payload: EntryIn, prefix: str = "") -> services.EntryIn:
    lines = []
    for i, ln in enumerate(payload.lines):
        if ln.amount is not None and (ln.debit or ln.credit):
            raise DomainError(
                "Give either amount or debit/credit.",
                fields={f"{prefix}lines[{i}].amount": ["either amount or debit/credit"]},
            )
        amount = ln.amount if ln.amount is not None else ln.debit - ln.credit
        lines.append(
            services.LineIn(account=ln.account, amount=amount, currency=ln.currency, memo=ln.memo)
        )
    return services.EntryIn(
        date=payload.date,
        lines=lines,
        memo=payload.memo,
        source_ref=payload.source_ref,
        idempotency_key=payload.idempotency_key,
    )


def _report_out(report: selectors.Report) -> dict:
    return {
        "title": report.title,
        "currency": report.currency,
        "rows": [asdict(r) for r in report.rows],
        "totals": report.totals,
        "untranslated": report.untranslated,
    }


# --- accounts -------------------------------------------------------------------------


@router.get("/accounts", response=list[AccountOut])
@paginate(Page)
def list_accounts(request: HttpRequest) -> list[dict]:
    accts = list(selectors.accounts(_access(request, Perm.VIEW_LEDGER).tenant))
    codes = {x.pk: x.code for x in accts}
    return [_account_out(x, codes) for x in accts]


def _tree_out(n: selectors.TreeNode) -> dict:
    return {
        "id": n.account.pk,
        "code": n.account.code,
        "name": n.account.name,
        "type": n.account.type,
        "depth": n.depth,
        "balance": n.own,
        "total": n.total,
        "children": [_tree_out(c) for c in n.children],
    }


@router.get("/accounts/tree", response=list[TreeOut])
def account_tree(request: HttpRequest) -> list[dict]:
    return [_tree_out(r) for r in selectors.account_tree(_access(request, Perm.VIEW_LEDGER).tenant)]


@router.get("/accounts/{account_id}", response=AccountOut)
def get_account(request: HttpRequest, account_id: int) -> dict:
    return _account_out(selectors.access_account_by_id(_access(request), account_id))


@router.post("/accounts", response={201: AccountOut})
def create_account(request: HttpRequest, payload: AccountIn) -> Status:
    a = _access(request, Perm.MANAGE_ACCOUNTS)

    def create() -> tuple[int, dict]:
        acc = services.create_account(
            tenant=a.tenant,
            actor=a.user,
            code=payload.code,
            name=payload.name,
            type=payload.type,
            parent_code=payload.parent,
            currency=payload.currency,
        )
        return 201, _account_out(acc)

    return run_idempotent(request, create)


@router.patch("/accounts/{account_id}", response=AccountOut)
def update_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> dict:
    a = _access(request)
    acc = selectors.access_account_by_id(a, account_id, perm=Perm.MANAGE_ACCOUNTS)
    acc = services.update_account(
        tenant=a.tenant,
        actor=a.user,
        account_id=acc.pk,
        name=payload.name,
        parent_code=payload.parent,
        is_active=payload.is_active,
        currency=payload.currency,
    )
    return _account_out(acc)


# --- entries --------------------------------------------------------------------------


@router.get("/entries", response=list[EntrySummaryOut])
@paginate(Page)
def list_entries(
    request: HttpRequest,
    start: dt.date | None = None,
    end: dt.date | None = None,
    account: str | None = None,
    memo: str | None = None,
) -> Any:
    tenant = _access(request, Perm.VIEW_LEDGER).tenant
    return selectors.entries(tenant, start=start, end=end, account_code=account, memo=memo)


@router.post("/entries", response={200: EntryOut, 201: EntryOut})
def post_entry(request: HttpRequest, payload: EntryIn) -> Status:
    """Post one entry. A known `idempotency_key` (same content) returns the original (200)."""
    a = _access(request, Perm.POST_LEDGER)
    entry = to_entry(payload)

    def post() -> tuple[int, dict]:
        known = selectors.is_posted_key(a.tenant, entry.idempotency_key)
        je = services.post_journal_entry(tenant=a.tenant, actor=a.user, entry=entry)
        return (200 if known else 201), _entry_out(je)

    return run_idempotent(request, post)


@router.post("/entries/bulk", response={201: BulkOut})
def post_entries_bulk(request: HttpRequest, payload: BulkIn) -> Status:
    """Post up to 20,000 entries at once, all or nothing (errors keyed `entries[i]…`)."""
    a = _access(request, Perm.POST_LEDGER)
    entries = [to_entry(e, prefix=f"entries[{i}].") for i, e in enumerate(payload.entries)]

    def post() -> tuple[int, dict]:
        r = services.bulk_post_entries(tenant=a.tenant, actor=a.user, entries=entries)
        return 201, {
            "created": r.created,
            "lines": r.lines,
            "duplicates": r.duplicates,
            "first_id": r.entry_ids[0] if r.entry_ids else None,
            "last_id": r.entry_ids[-1] if r.entry_ids else None,
        }

    return run_idempotent(request, post)


@router.get("/entries/{entry_id}", response=EntryOut)
def get_entry(request: HttpRequest, entry_id: int) -> dict:
    return _entry_out(selectors.access_entry_by_id(_access(request), entry_id))


@router.post("/entries/{entry_id}/reverse", response={201: EntryOut})
def reverse(request: HttpRequest, entry_id: int, payload: ReverseIn) -> Status:
    a = _access(request)
    original = selectors.access_entry_by_id(a, entry_id, perm=Perm.POST_LEDGER)

    def post() -> tuple[int, dict]:
        je = services.reverse_entry(
            tenant=a.tenant,
            actor=a.user,
            entry_id=original.pk,
            date=payload.date,
            memo=payload.memo,
            idempotency_key=payload.idempotency_key,
        )
        return 201, _entry_out(je)

    return run_idempotent(request, post)


# --- balances and reports -------------------------------------------------------------


@router.get("/balances", response=list[BalanceOut])
def list_balances(request: HttpRequest, as_of: dt.date | None = None) -> list[dict]:
    return selectors.balance_rows(_access(request, Perm.VIEW_LEDGER).tenant, as_of=as_of)


@router.get("/reports/trial-balance", response=ReportOut)
def trial_balance(request: HttpRequest, as_of: dt.date | None = None) -> dict:
    tenant = _access(request, Perm.VIEW_LEDGER).tenant
    return _report_out(selectors.trial_balance(tenant, as_of=as_of))


@router.get("/reports/income-statement", response=ReportOut)
def income_statement(request: HttpRequest, start: dt.date, end: dt.date) -> dict:
    tenant = _access(request, Perm.VIEW_LEDGER).tenant
    return _report_out(selectors.income_statement(tenant, start=start, end=end))


@router.get("/reports/balance-sheet", response=ReportOut)
def balance_sheet(request: HttpRequest, as_of: dt.date) -> dict:
    tenant = _access(request, Perm.VIEW_LEDGER).tenant
    return _report_out(selectors.balance_sheet(tenant, as_of=as_of))


@router.get("/reports/general-ledger/{account_id}", response=GeneralLedgerOut)
def general_ledger(
    request: HttpRequest, account_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> dict:
    a = _access(request)
    account = selectors.access_account_by_id(a, account_id)
    gl = selectors.general_ledger(a.tenant, account=account, start=start, end=end)
    return {
        **gl,
        "account": _account_out(account),
        "lines": [asdict(x) for x in gl["lines"]],
    }


# --- periods and rates ----------------------------------------------------------------


def _period_out(p: Period) -> dict:
    return {
        "id": p.pk,
        "fiscal_year": p.fiscal_year.name,
        "name": p.name,
        "start": p.start,
        "end": p.end,
        "is_locked": p.is_locked,
    }


def _rate_out(r: ExchangeRate) -> dict:
    return {"date": r.date, "base": r.base_id, "quote": r.quote_id, "rate": r.rate}


@router.get("/periods", response=list[PeriodOut])
def list_periods(request: HttpRequest) -> list[dict]:
    return [_period_out(p) for p in selectors.periods(_access(request, Perm.VIEW_LEDGER).tenant)]


@router.post("/fiscal-years", response={201: list[PeriodOut]})
def create_fiscal_year(request: HttpRequest, payload: FiscalYearIn) -> Status:
    a = _access(request, Perm.LOCK_PERIODS)
    fy = services.create_fiscal_year(
        tenant=a.tenant, actor=a.user, year=payload.year, start_month=payload.start_month
    )
    return Status(201, [_period_out(p) for p in fy.periods.select_related("fiscal_year")])


def _set_lock(request: HttpRequest, period_id: int, *, locked: bool) -> dict:
    a = _access(request)
    period = selectors.access_period_by_id(a, period_id, perm=Perm.LOCK_PERIODS)
    return _period_out(
        services.set_period_lock(tenant=a.tenant, actor=a.user, period_id=period.pk, locked=locked)
    )


@router.post("/periods/{period_id}/lock", response=PeriodOut)
def lock_period(request: HttpRequest, period_id: int) -> dict:
    return _set_lock(request, period_id, locked=True)


@router.post("/periods/{period_id}/unlock", response=PeriodOut)
def unlock_period(request: HttpRequest, period_id: int) -> dict:
    return _set_lock(request, period_id, locked=False)


@router.get("/rates", response=list[RateOut])
def list_rates(request: HttpRequest) -> list[dict]:
    return [_rate_out(r) for r in selectors.rates(_access(request, Perm.VIEW_LEDGER).tenant)]


@router.post("/rates", response={201: RateOut})
def set_rate(request: HttpRequest, payload: RateIn) -> Status:
    a = _access(request, Perm.POST_LEDGER)
    r = services.set_exchange_rate(
        tenant=a.tenant,
        actor=a.user,
        day=payload.date,
        base=payload.base,
        quote=payload.quote,
        rate=payload.rate,
    )
    return Status(201, _rate_out(r))
