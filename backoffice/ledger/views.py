"""Ledger pages: chart of accounts, journal entries, reports with CSV/XLSX export, periods.

Views are thin adapters: read the request, fetch objects through the same
`selectors.access_*_by_id` functions as the API (permission and tenant checked together;
another tenant's id is a 404), change through the services, render. Forms read their input
with a Django form (lengths, NUL characters, numbers) and show the service's
`DomainError.fields` beside each field; other pages show domain errors as messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError, Forbidden, NotFound
from backoffice.core.exports import tabular_response
from backoffice.core.forms import date_or_none, flash_domain_error
from backoffice.core.numbers import parse_int
from backoffice.core.rls import set_rls_tenants
from backoffice.ledger import selectors, services
from backoffice.ledger.models import AccountType
from backoffice.ledger.money import exponent, format_minor, parse_major
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

REPORTS = {
    "trial-balance": "Trial balance",
    "income-statement": "Income statement",
    "balance-sheet": "Balance sheet",
}


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"ledger:{name}", kwargs={"tenant": _access(request).tenant.slug, **kwargs})


def _export(name: str, header: Sequence[str], rows: list[list[Any]], fmt: str) -> HttpResponse:
    return tabular_response(name, header, rows, fmt)


def _major(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_minor(amount, currency).replace(",", "")


# --- chart of accounts ----------------------------------------------------------------


@tenant_view(Perm.VIEW_LEDGER)
@tenant_transaction
def index(request: HttpRequest) -> HttpResponse:
    tree = selectors.flatten(selectors.account_tree(_access(request).tenant))
    return render(request, "ledger/index.html", {"nodes": tree, "reports": REPORTS})


@tenant_view(Perm.VIEW_LEDGER)
@tenant_transaction
def account(request: HttpRequest, account_id: int) -> HttpResponse:
    a = _access(request)
    acc = selectors.access_account_by_id(a, account_id)
    start, end = date_or_none(request.GET.get("start")), date_or_none(request.GET.get("end"))
    gl = selectors.general_ledger(a.tenant, account=acc, start=start, end=end)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _general_ledger_export(acc, gl, fmt)
    return render(
        request,
        "ledger/account.html",
        {"account": acc, "gl": gl, "start": start, "end": end},
    )


def _general_ledger_export(acc: Any, gl: dict[str, Any], fmt: str) -> HttpResponse:
    """The account's lines, each amount in its currency and translated into the tenant's."""
    rows = [
        [
            x.date.isoformat(),
            x.entry_id,
            x.memo,
            x.currency,
            _major(x.debit, x.currency),
            _major(x.credit, x.currency),
            _major(x.running, x.currency),
            _major(x.translated, gl["currency"]),
            _major(x.translated_running, gl["currency"]),
        ]
        for x in gl["lines"]
    ]
    header = ["date", "entry", "memo", "currency", "debit", "credit", "balance"]
    header += [f"amount_{gl['currency']}", f"balance_{gl['currency']}"]
    return _export(f"ledger-{acc.code}", header, rows, fmt)


class AccountForm(forms.Form):
    """Create: every field. Edit: code and type are fixed (the service never changes them)."""

    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=200)
    type = forms.ChoiceField(choices=AccountType.choices)
    parent = forms.CharField(max_length=20, required=False)
    currency = forms.CharField(max_length=3, required=False)
    is_active = forms.BooleanField(required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"], self.fields["type"]
        else:
            del self.fields["is_active"]  # a new account is active; deactivate it by editing


def _add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """The service's field errors beside the form's fields; the rest above the form."""
    if isinstance(exc, NotFound | Forbidden):
        raise exc
    for key, msgs in exc.fields.items():
        for msg in msgs if isinstance(msgs, list | tuple) else [msgs]:
            if key in form.fields:
                form.add_error(key, str(msg))
            else:
                form.add_error(None, f"{key}: {msg}")
    if not exc.fields:
        form.add_error(None, exc.message)


def _submit[T](form: forms.Form, change: Callable[[dict[str, Any]], T]) -> T | None:
    """`change` applied to the form's cleaned data; None when the form or the service
    refuses, with the reasons on the form."""
    if not form.is_valid():
        return None
    try:
        return change(form.cleaned_data)
    except DomainError as exc:
        _add_domain_errors(form, exc)
        return None


def _account_form_page(
    request: HttpRequest, form: AccountForm, account: Any = None, status: int = 200
) -> HttpResponse:
    accts = list(selectors.accounts(_access(request).tenant))
    if account is not None:  # its own type, and not itself or one of its sub-accounts
        below = selectors.subtree_ids(accts, account.pk)
        accts = [x for x in accts if x.type == account.type and x.pk not in below]
    return render(
        request,
        "ledger/account_form.html",
        {
            "form": form,
            "account": account,
            "parents": accts,
            "currencies": selectors.currencies(),
            "types": AccountType.choices,
        },
        status=status,
    )


@tenant_view(Perm.MANAGE_ACCOUNTS)
@tenant_transaction
def account_new(request: HttpRequest) -> HttpResponse:
    a = _access(request)
    if request.method != "POST":
        initial: dict[str, Any] = {}
        parent_code = request.GET.get("parent", "")
        parent = selectors.accounts(a.tenant).filter(code=parent_code).first()
        if parent is not None:
            initial = {"parent": parent.code, "type": parent.type}
        return _account_form_page(request, AccountForm(initial=initial))
    form = AccountForm(request.POST)
    acc = _submit(
        form,
        lambda d: services.create_account(
            tenant=a.tenant,
            actor=a.user,
            code=d["code"],
            name=d["name"],
            type=d["type"],
            parent_code=d["parent"] or None,
            currency=d["currency"] or None,
        ),
    )
    if acc is None:
        return _account_form_page(request, form, status=400)
    messages.success(request, f"Account {acc.code} {acc.name} created.")
    return redirect(_url(request, "index"))


@tenant_view(Perm.MANAGE_ACCOUNTS)
@tenant_transaction
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    a = _access(request)
    acc = selectors.access_account_by_id(a, account_id, perm=Perm.MANAGE_ACCOUNTS)
    if request.method != "POST":
        form = AccountForm(
            editing=True,
            initial={
                "name": acc.name,
                "parent": acc.parent.code if acc.parent else "",
                "currency": acc.currency_id or "",
                "is_active": acc.is_active,
            },
        )
        return _account_form_page(request, form, acc)
    form = AccountForm(request.POST, editing=True)
    saved = _submit(
        form,
        lambda d: services.update_account(
            tenant=a.tenant,
            actor=a.user,
            account_id=acc.pk,
            name=d["name"],
            parent_code=d["parent"],  # "" takes the account to the top level
            is_active=d["is_active"],
            currency=d["currency"],  # "" lifts the restriction
        ),
    )
    if saved is None:
        return _account_form_page(request, form, acc, status=400)
    messages.success(request, f"Account {acc.code} saved.")
    return redirect(_url(request, "account", account_id=acc.pk))


# --- entries --------------------------------------------------------------------------


@tenant_view(Perm.VIEW_LEDGER)
@tenant_transaction
def entries(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    f = {
        "start": request.GET.get("start", ""),
        "end": request.GET.get("end", ""),
        "account": request.GET.get("account", ""),
        "memo": request.GET.get("memo", ""),
    }
    qs = selectors.entries(
        tenant,
        start=date_or_none(f["start"]),
        end=date_or_none(f["end"]),
        account_code=f["account"] or None,
        memo=f["memo"] or None,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in f.items() if v})
    return render(
        request,
        "ledger/entries.html",
        {"page": page, "f": f, "query": query, "accounts": selectors.accounts(tenant)},
    )


@tenant_view(Perm.VIEW_LEDGER)
@tenant_transaction
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.access_entry_by_id(_access(request), entry_id)
    lines = selectors.entry_lines(entry)
    return render(
        request,
        "ledger/entry.html",
        {"entry": entry, "lines": lines, "reversal": entry.reversal},
    )


@require_POST
@tenant_view(Perm.POST_LEDGER)
def entry_reverse(request: HttpRequest, entry_id: int) -> HttpResponse:
    a = _access(request)
    with transaction.atomic():
        set_rls_tenants([a.tenant.pk])
        original = selectors.access_entry_by_id(a, entry_id, perm=Perm.POST_LEDGER)
        try:
            rev = services.reverse_entry(
                tenant=a.tenant,
                actor=a.user,
                entry_id=original.pk,
                date=date_or_none(request.POST.get("date")),
            )
        except DomainError as exc:
            flash_domain_error(request, exc)
            return redirect(_url(request, "entry", entry_id=entry_id))
    messages.success(request, f"Entry {entry_id} reversed by entry {rev.pk}.")
    return redirect(_url(request, "entry", entry_id=rev.pk))


FORM_ROWS = 6


@tenant_view(Perm.POST_LEDGER)
def entry_new(request: HttpRequest) -> HttpResponse:
    """The entry form. Amounts are typed in major units (12.50) and posted as minor units."""
    a = _access(request)
    with transaction.atomic():
        set_rls_tenants([a.tenant.pk])
        accts = list(selectors.accounts(a.tenant).filter(is_active=True))
        values: dict[str, Any] = {"date": date.today().isoformat(), "rows": []}
        if request.method == "POST":
            entry, values, errors = _read_entry_form(request, a, accts)
            if entry is not None and not errors:
                try:
                    je = services.post_journal_entry(tenant=a.tenant, actor=a.user, entry=entry)
                except DomainError as exc:
                    flash_domain_error(request, exc)
                else:
                    messages.success(request, f"Entry {je.pk} posted.")
                    return redirect(_url(request, "entry", entry_id=je.pk))
            for e in errors:
                messages.error(request, e)
    rows = values["rows"] + [{}] * max(0, FORM_ROWS - len(values["rows"]))
    return render(
        request,
        "ledger/entry_form.html",
        {
            "accounts": accts,
            "values": values,
            "rows": rows,
            "currency": a.tenant.currency,
            "decimals": exponent(a.tenant.currency),
        },
    )


def _read_entry_form(
    request: HttpRequest, a: TenantAccess, accts: list[Any]
) -> tuple[services.EntryIn | None, dict[str, Any], list[str]]:
    post = request.POST
    by_code = {x.code: x for x in accts}
    values: dict[str, Any] = {
        "date": post.get("date", ""),
        "memo": post.get("memo", ""),
        "source_ref": post.get("source_ref", ""),
        "rows": [],
    }
    errors: list[str] = []
    lines = []
    for i, (code, debit, credit, memo) in enumerate(
        zip(
            post.getlist("account"),
            post.getlist("debit"),
            post.getlist("credit"),
            post.getlist("line_memo"),
            strict=False,
        ),
        start=1,
    ):
        values["rows"].append({"account": code, "debit": debit, "credit": credit, "memo": memo})
        if not code and not debit and not credit:
            continue
        acc = by_code.get(code)
        currency = (acc.currency_id if acc else None) or a.tenant.currency
        try:
            d = parse_major(debit, currency) or 0
            c = parse_major(credit, currency) or 0
        except ValueError as exc:
            errors.append(f"Line {i}: {exc}.")
            continue
        lines.append(services.LineIn(account=code, amount=d - c, currency=currency, memo=memo))
    day = date_or_none(values["date"])
    if day is None:
        errors.append("Date: a date (YYYY-MM-DD) is required.")
        return None, values, errors
    entry = services.EntryIn(
        date=day,
        lines=lines,
        memo=values["memo"],
        source_ref=values["source_ref"],
        idempotency_key=post.get("idempotency_key") or None,
    )
    return entry, values, errors


# --- reports --------------------------------------------------------------------------


@tenant_view(Perm.VIEW_LEDGER)
@tenant_transaction
def report(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in REPORTS:
        raise Http404("No such report.")
    tenant = _access(request).tenant
    today = date.today()
    as_of = date_or_none(request.GET.get("as_of"))
    start = date_or_none(request.GET.get("start")) or date(today.year, 1, 1)
    end = date_or_none(request.GET.get("end")) or today
    if kind == "trial-balance":
        rep = selectors.trial_balance(tenant, as_of=as_of)
    elif kind == "income-statement":
        rep = selectors.income_statement(tenant, start=start, end=end)
    else:
        rep = selectors.balance_sheet(tenant, as_of=as_of or today)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _report_export(kind, rep, fmt)
    return render(
        request,
        "ledger/report.html",
        {
            "kind": kind,
            "report": rep,
            "reports": REPORTS,
            "as_of": as_of,
            "start": start,
            "end": end,
            "query": request.GET.urlencode(),
        },
    )


def _report_export(kind: str, rep: selectors.Report, fmt: str) -> HttpResponse:
    header = ["code", "account", "type", "currency", "debit", "credit", "balance"]
    header.append(f"balance_{rep.currency}")
    rows = [
        [
            r.code,
            r.name,
            r.type,
            r.currency,
            _major(r.debit, r.currency),
            _major(r.credit, r.currency),
            _major(r.balance, r.currency),
            _major(r.translated, rep.currency),
        ]
        for r in rep.rows
    ]
    return _export(kind, header, rows, fmt)


# --- periods --------------------------------------------------------------------------


@tenant_view(Perm.VIEW_LEDGER)
@tenant_transaction
def periods(request: HttpRequest) -> HttpResponse:
    a = _access(request)
    if request.method == "POST":
        a.require(Perm.LOCK_PERIODS)
        try:
            year = parse_int(request.POST.get("year", ""), field="year")
            services.create_fiscal_year(tenant=a.tenant, actor=a.user, year=year)
        except DomainError as exc:
            flash_domain_error(request, exc)
        return redirect(_url(request, "periods"))
    return render(
        request,
        "ledger/periods.html",
        {"periods": selectors.periods(a.tenant), "can_lock": a.can(Perm.LOCK_PERIODS)},
    )


@require_POST
@tenant_view(Perm.LOCK_PERIODS)
@tenant_transaction
def period_lock(request: HttpRequest, period_id: int, action: str) -> HttpResponse:
    if action not in ("lock", "unlock"):
        raise Http404("No such action.")
    a = _access(request)
    period = selectors.access_period_by_id(a, period_id, perm=Perm.LOCK_PERIODS)
    p = services.set_period_lock(
        tenant=a.tenant, actor=a.user, period_id=period.pk, locked=action == "lock"
    )
    messages.success(request, f"Period {p.name} {'locked' if p.is_locked else 'unlocked'}.")
    return redirect(_url(request, "periods"))


# --- exchange rates -------------------------------------------------------------------


class RateForm(forms.Form):
    """1 `base` = `rate` `quote` on `date`; the same limits as the rate column."""

    date = forms.DateField()
    base = forms.CharField(max_length=3)
    quote = forms.CharField(max_length=3)
    rate = forms.DecimalField(max_digits=20, decimal_places=10)


def _rate_text(rate: Decimal) -> str:
    """'0.92', '150', '0.0066666667': ten decimals at most, no exponent, no trailing zeros."""
    text = f"{Decimal(rate).quantize(Decimal('1e-10')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@tenant_view(Perm.VIEW_LEDGER)
@tenant_transaction
def rates(request: HttpRequest) -> HttpResponse:
    """Rates with filters and pages; entering one needs `ledger.post`, as in the API."""
    a = _access(request)
    if request.method != "POST":
        form = RateForm(initial={"date": date.today().isoformat(), "quote": a.tenant.currency})
        return _rates_page(request, form)
    a.require(Perm.POST_LEDGER)
    form = RateForm(request.POST)
    r = _submit(
        form,
        lambda d: services.set_exchange_rate(
            tenant=a.tenant,
            actor=a.user,
            day=d["date"],
            base=d["base"],
            quote=d["quote"],
            rate=d["rate"],
        ),
    )
    if r is None:
        return _rates_page(request, form, status=400)
    messages.success(
        request,
        f"Rate saved: 1 {r.base_id} = {_rate_text(r.rate)} {r.quote_id} on {r.date.isoformat()}.",
    )
    return redirect(_url(request, "rates"))


def _rates_page(request: HttpRequest, form: RateForm, status: int = 200) -> HttpResponse:
    a = _access(request)
    f = {
        "currency": request.GET.get("currency", "").strip().upper(),
        "start": request.GET.get("start", ""),
        "end": request.GET.get("end", ""),
    }
    qs = selectors.rates(
        a.tenant,
        currency=f["currency"] or None,
        start=date_or_none(f["start"]),
        end=date_or_none(f["end"]),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/rates.html",
        {
            "page": page,
            "rows": [(r, _rate_text(r.rate), _rate_text(1 / r.rate)) for r in page],
            "f": f,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "form": form,
            "currencies": selectors.currencies(),
            "can_post": a.can(Perm.POST_LEDGER),
        },
        status=status,
    )
