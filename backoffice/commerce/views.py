"""Commerce pages: parties, products, stock, documents (with line editing and live totals),
payments and reports with CSV export.

Thin: objects come through the tenant-scoped selectors (another tenant's id is a 404),
changes go through the services, domain errors come back to the page as messages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backoffice.commerce import imports, pdf, posting, reports, selectors, services, ubl
from backoffice.commerce.models import DERIVABLE, DocKind, DocStatus, ProductKind
from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none, flash_domain_error
from backoffice.ledger.money import format_minor, parse_major
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"commerce:{name}", kwargs={"tenant": _access(request).tenant.slug, **kwargs})


def _major(amount: int, currency: str) -> str:
    return format_minor(amount, currency).replace(",", "")


def _page(request: HttpRequest, items: Any, size: int = 50) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


# --- overview --------------------------------------------------------------------------------


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def index(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    return render(
        request,
        "commerce/index.html",
        {
            "receivable": reports.open_items_total(tenant, side="receivable"),
            "payable": reports.open_items_total(tenant, side="payable"),
            "low": selectors.low_stock(tenant)[:10],
            "recent": selectors.documents(tenant)[:10],
            "currency": tenant.currency,
        },
    )


# --- parties and products --------------------------------------------------------------------


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def parties(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    if request.method == "POST" and "file" in request.FILES:
        _access(request).require(Perm.MANAGE_COMMERCE)
        upload = request.FILES.get("file")
        text = upload.read().decode("utf-8-sig", errors="replace") if upload else ""
        try:
            report = imports.import_parties(tenant=tenant, actor=_access(request).user, text=text)
        except DomainError as exc:
            flash_domain_error(request, exc)
        else:
            if report.ok:
                messages.success(request, f"{report.created} parties imported.")
            else:
                bad = [r for r in report.rows if not r.ok]
                messages.error(request, f"Nothing imported: {len(bad)} row(s) need fixing.")
                for r in bad[:20]:
                    detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in r.errors.items())
                    messages.error(request, f"Row {r.row} ({r.code or 'no code'}): {detail}")
        return redirect(_url(request, "parties"))
    if request.method == "POST":
        _access(request).require(Perm.MANAGE_COMMERCE)
        p = request.POST
        try:
            with transaction.atomic():
                services.create_party(
                    tenant=tenant,
                    actor=_access(request).user,
                    code=p.get("code", ""),
                    name=p.get("name", ""),
                    is_customer="is_customer" in p,
                    is_supplier="is_supplier" in p,
                    email=p.get("email", ""),
                    address_line1=p.get("address_line1", ""),
                    city=p.get("city", ""),
                    postal_code=p.get("postal_code", ""),
                    country=p.get("country", ""),
                    tax_id=p.get("tax_id", ""),
                    payment_terms_days=int(p.get("payment_terms_days") or 30),
                    currency=p.get("currency") or tenant.currency,
                )
            messages.success(request, "Party created.")
            return redirect(_url(request, "parties"))
        except DomainError as exc:
            flash_domain_error(request, exc)
    q, role = request.GET.get("q", ""), request.GET.get("role", "")
    qs = selectors.parties(tenant, search=q, role=role)
    return render(
        request, "commerce/parties.html", {"page": _page(request, qs), "q": q, "role": role}
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def party(request: HttpRequest, party_id: int) -> HttpResponse:
    tenant = _access(request).tenant
    p = selectors.get_party(tenant, party_id)
    return render(
        request,
        "commerce/party.html",
        {
            "party": p,
            "documents": selectors.documents(tenant, party_id=p.pk)[:50],
            "payments": selectors.payments(tenant, party_id=p.pk)[:50],
            "refunds": selectors.refunds(tenant, party_id=p.pk)[:50],
            "credit": selectors.customer_credit(tenant, p.pk) if p.is_customer else 0,
            "supplier_credit": selectors.supplier_credit(tenant, p.pk) if p.is_supplier else 0,
        },
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def products(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    if request.method == "POST":
        _access(request).require(Perm.MANAGE_COMMERCE)
        p = request.POST
        try:
            with transaction.atomic():
                services.create_product(
                    tenant=tenant,
                    actor=_access(request).user,
                    sku=p.get("sku", ""),
                    name=p.get("name", ""),
                    kind=p.get("kind", ProductKind.STOCK),
                    unit=p.get("unit") or "pcs",
                    sale_price=parse_major(p.get("sale_price", ""), tenant.currency) or 0,
                    cost=parse_major(p.get("cost", ""), tenant.currency) or 0,
                    prices_include_tax="prices_include_tax" in p,
                    sales_taxes=p.getlist("sales_taxes"),
                    purchase_taxes=p.getlist("purchase_taxes"),
                )
            messages.success(request, "Product created.")
            return redirect(_url(request, "products"))
        except ValueError as exc:
            messages.error(request, f"Price: {exc}")
        except DomainError as exc:
            flash_domain_error(request, exc)
    q, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    qs = selectors.products(tenant, search=q, kind=kind).prefetch_related("sales_taxes")
    stock = {r.product_id: r for r in selectors.stock_on_hand(tenant)}
    return render(
        request,
        "commerce/products.html",
        {
            "page": _page(request, qs),
            "q": q,
            "kind": kind,
            "stock": stock,
            "taxes": selectors.tax_rates(tenant),
            "currency": tenant.currency,
        },
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def stock(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    as_of = date_or_none(request.GET.get("as_of"))
    rows = selectors.stock_on_hand(tenant, by_location=True, as_of=as_of)
    if request.GET.get("format") in EXPORT_FORMATS:
        return tabular_response(
            "stock",
            ["sku", "name", "location", "quantity", "unit", "value"],
            [
                [r.sku, r.name, r.location, r.quantity, r.unit, _major(r.value, tenant.currency)]
                for r in rows
            ],
            request.GET["format"],
        )
    return render(
        request,
        "commerce/stock.html",
        {
            "rows": rows,
            "as_of": as_of,
            "currency": tenant.currency,
            "moves": selectors.stock_moves(tenant).order_by("-date", "-id")[:50],
        },
    )


# --- documents -------------------------------------------------------------------------------


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def documents(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    g = request.GET
    f = {
        "kind": g.get("kind", ""),
        "status": g.get("status", ""),
        "q": g.get("q", ""),
        "start": g.get("start", ""),
        "end": g.get("end", ""),
        "open": g.get("open", ""),
    }
    qs = selectors.documents(
        tenant,
        kind=f["kind"],
        status=f["status"],
        search=f["q"],
        start=date_or_none(f["start"]),
        end=date_or_none(f["end"]),
        open_only=bool(f["open"]),
    )
    if g.get("format") in EXPORT_FORMATS:
        return tabular_response(
            "documents",
            [
                "kind",
                "number",
                "status",
                "date",
                "party",
                "currency",
                "net",
                "tax",
                "gross",
                "open",
            ],
            [
                [
                    d.kind,
                    d.number,
                    d.status,
                    d.date,
                    d.party.name,
                    d.currency,
                    _major(d.net, d.currency),
                    _major(d.tax, d.currency),
                    _major(d.gross, d.currency),
                    _major(d.open_amount, d.currency),
                ]
                for d in qs
            ],
            g["format"],
        )
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(
        request,
        "commerce/documents.html",
        {
            "page": _page(request, qs),
            "f": f,
            "kinds": DocKind.choices,
            "statuses": DocStatus.choices,
            "query": query,
        },
    )


def _lines_from_post(request: HttpRequest, currency: str) -> list[services.LineSpec]:
    p = request.POST
    specs = []
    for prod, qty, price, desc, tax in zip(
        p.getlist("product"),
        p.getlist("quantity"),
        p.getlist("unit_price"),
        p.getlist("description"),
        p.getlist("tax"),
        strict=False,
    ):
        if not (prod or desc) and not qty.strip():
            continue
        try:
            unit_price = parse_major(price, currency)
        except ValueError as exc:
            raise DomainError("A price is not valid.", fields={"unit_price": [str(exc)]}) from exc
        specs.append(
            services.LineSpec(
                product_id=int(prod) if prod else None,
                quantity=qty.strip() or "0",
                unit_price=unit_price,
                description=desc,
                tax_codes=None if tax == "" else ([] if tax == "-" else [tax]),
            )
        )
    return specs


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def document_new(request: HttpRequest) -> HttpResponse:
    """A draft with its lines; the totals update live in the page, the server decides."""
    tenant = _access(request).tenant
    kind = request.POST.get("kind") or request.GET.get("kind") or DocKind.INVOICE
    if kind not in DocKind.values:
        raise Http404("No such document kind.")
    if kind == DocKind.DEBIT_NOTE:
        messages.info(request, "A debit note is made from its bill: open the bill.")
        return redirect(f"{_url(request, 'documents')}?kind={DocKind.BILL}&status=issued")
    if request.method == "POST":
        try:
            party_id = int(request.POST.get("party") or 0)
            currency = request.POST.get("currency") or None
            cur = currency or (
                selectors.get_party(tenant, party_id).currency if party_id else tenant.currency
            )
            with transaction.atomic():
                d = services.create_document(
                    tenant=tenant,
                    actor=_access(request).user,
                    kind=kind,
                    party_id=party_id,
                    day=date_or_none(request.POST.get("date")) or date.today(),
                    lines=_lines_from_post(request, cur),
                    currency=currency,
                    reference=request.POST.get("reference", ""),
                    notes=request.POST.get("notes", ""),
                    prices_include_tax="prices_include_tax" in request.POST or None,
                )
            messages.success(request, "Draft saved. Check it, then issue it.")
            return redirect(_url(request, "document", document_id=d.pk))
        except DomainError as exc:
            flash_domain_error(request, exc)
    sales = kind in {
        DocKind.QUOTE,
        DocKind.SALES_ORDER,
        DocKind.DELIVERY,
        DocKind.INVOICE,
        DocKind.CREDIT_NOTE,
    }
    return render(
        request,
        "commerce/document_form.html",
        {
            "kind": kind,
            "kind_label": DocKind(kind).label,
            "kinds": DocKind.choices,
            "parties": selectors.parties(tenant, role="customer" if sales else "supplier"),
            "products": selectors.products(tenant).prefetch_related(
                "sales_taxes", "purchase_taxes"
            ),
            "taxes": selectors.tax_rates(tenant),
            "sales": sales,
            "today": date.today().isoformat(),
            "currency": tenant.currency,
            "rows": range(5),
        },
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    tenant = _access(request).tenant
    d = selectors.get_document(tenant, document_id)
    lines = d.lines.select_related("product").prefetch_related("taxes").order_by("line_no")
    can_pay = d.is_issued and d.kind in (DocKind.INVOICE, DocKind.BILL) and d.open_amount > 0
    debit_lines: list[tuple[Any, str, str]] = []
    if d.is_issued and d.kind == DocKind.BILL:
        left = selectors.remaining(tenant, d, DocKind.DEBIT_NOTE)
        debit_lines = [
            (ln, f"{ln.quantity.normalize():f}", f"{left[ln.pk].normalize():f}") for ln in lines
        ]
    return render(
        request,
        "commerce/document.html",
        {
            "d": d,
            "lines": lines,
            "postings": selectors.postings(tenant, d.journal_entry_id),
            "moves": selectors.stock_moves(tenant, document_id=d.pk),
            "derived": d.derived.order_by("id"),
            "derivable": [(k, DocKind(k).label) for k in DERIVABLE.get(d.kind, ())],
            "allocations": d.allocations.select_related("payment").order_by("id"),
            "credits": selectors.credits_applied(tenant, d.pk),
            "credit_sources": selectors.credit_sources(tenant, d) if can_pay else [],
            "can_pay": can_pay,
            "debit_lines": debit_lines,
            "can_refund": d.is_issued and d.kind == DocKind.CREDIT_NOTE and d.open_amount > 0,
            "refunds": selectors.refunds(tenant, credit_note_id=d.pk)
            if d.kind == DocKind.CREDIT_NOTE
            else [],
        },
    )


def _quantities_from_post(request: HttpRequest) -> dict[int, str] | None:
    """`qty-<line no>` fields of a derive form (None without any: take what remains)."""
    found = {
        name.removeprefix("qty-"): request.POST.get(name, "").strip()
        for name in request.POST
        if name.startswith("qty-")
    }
    if not found:
        return None
    bad = [no for no in found if not no.isdigit()]
    if bad:
        raise DomainError("A quantity is not valid.", fields={f"qty-{bad[0]}": ["unknown line"]})
    return {int(no): value or "0" for no, value in found.items()}


def _prices_from_post(request: HttpRequest, currency: str) -> dict[int, int]:
    """`price-<line no>` fields (major units) of a derive form, as minor units."""
    prices: dict[int, int] = {}
    for name in request.POST:
        value = request.POST.get(name, "")
        no = name.removeprefix("price-")
        if no == name or not value.strip():
            continue
        if not no.isdigit():
            raise DomainError("A price is not valid.", fields={name: ["unknown line"]})
        try:
            amount = parse_major(value, currency)
        except ValueError as exc:
            raise DomainError(
                "A price is not valid.", fields={f"unit_prices.{no}": [str(exc)]}
            ) from exc
        if amount is not None:
            prices[int(no)] = amount
    return prices


@require_POST
@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def document_action(request: HttpRequest, document_id: int, action: str) -> HttpResponse:
    tenant, actor = _access(request).tenant, _access(request).user
    selectors.get_document(tenant, document_id)
    target = document_id
    try:
        with transaction.atomic():
            if action == "issue":
                d = services.issue_document(tenant=tenant, actor=actor, document_id=document_id)
                messages.success(request, f"Issued as {d.number}.")
            elif action == "cancel":
                services.cancel_document(tenant=tenant, actor=actor, document_id=document_id)
                messages.success(request, "Draft cancelled.")
            elif action == "derive":
                source = selectors.get_document(tenant, document_id)
                d = services.create_from(
                    tenant=tenant,
                    actor=actor,
                    source_id=document_id,
                    kind=request.POST.get("kind", ""),
                    day=date_or_none(request.POST.get("date")),
                    reference=request.POST.get("reference", "").strip(),
                    unit_prices=_prices_from_post(request, source.currency),
                    quantities=_quantities_from_post(request),
                )
                target = d.pk
                messages.success(request, f"Draft {d.get_kind_display().lower()} created.")
            elif action == "pay":
                d = selectors.get_document(tenant, document_id)
                amount = parse_major(request.POST.get("amount", ""), d.currency) or 0
                p = services.record_payment(
                    tenant=tenant,
                    actor=actor,
                    direction="in" if d.kind == DocKind.INVOICE else "out",
                    party_id=d.party_id,
                    day=date_or_none(request.POST.get("date")) or date.today(),
                    amount=amount,
                    currency=d.currency,
                    allocations=[(d.pk, min(amount, d.open_amount))] if amount > 0 else [],
                    keep_overpayment="keep_overpayment" in request.POST,
                )
                messages.success(request, f"Payment {p.number} recorded.")
            elif action == "credit":
                d = selectors.get_document(tenant, document_id)
                kind, _, source_id = request.POST.get("source", "").partition(":")
                if kind not in ("payment", "credit_note", "debit_note") or not source_id.isdigit():
                    raise DomainError("Choose a credit.", fields={"source": ["choose a credit"]})
                c = services.apply_credit(
                    tenant=tenant,
                    actor=actor,
                    document_id=document_id,
                    amount=parse_major(request.POST.get("amount", ""), d.currency) or 0,
                    payment_id=int(source_id) if kind == "payment" else None,
                    credit_note_id=int(source_id) if kind != "payment" else None,
                    day=date_or_none(request.POST.get("date")),
                )
                messages.success(request, f"Credit of {_major(c.amount, d.currency)} applied.")
            elif action == "unapply":
                credit_id = request.POST.get("credit", "")
                if not credit_id.isdigit():
                    raise DomainError("Choose a credit.", fields={"credit": ["choose a credit"]})
                c = services.unapply_credit(
                    tenant=tenant,
                    actor=actor,
                    credit_id=int(credit_id),
                    document_id=document_id,
                    day=date_or_none(request.POST.get("date")),
                )
                messages.success(
                    request, f"Credit of {_major(c.amount, c.document.currency)} undone."
                )
            elif action == "refund":
                d = selectors.get_document(tenant, document_id)
                r = services.refund_credit(
                    tenant=tenant,
                    actor=actor,
                    credit_note_id=document_id,
                    amount=parse_major(request.POST.get("amount", ""), d.currency) or 0,
                    day=date_or_none(request.POST.get("date")),
                    bank_account=request.POST.get("bank_account", "").strip(),
                )
                messages.success(request, f"Refund {r.number} recorded.")
            else:
                raise Http404("No such action.")
    except ValueError as exc:
        messages.error(request, f"Amount: {exc}")
    except DomainError as exc:
        flash_domain_error(request, exc)
    return redirect(_url(request, "document", document_id=target))


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def payments(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    direction = request.GET.get("direction", "")
    qs = selectors.payments(tenant, direction=direction)
    return render(
        request, "commerce/payments.html", {"page": _page(request, qs), "direction": direction}
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def payment(request: HttpRequest, payment_id: int) -> HttpResponse:
    tenant = _access(request).tenant
    p = selectors.get_payment(tenant, payment_id)
    return render(
        request,
        "commerce/payment.html",
        {
            "p": p,
            "allocations": p.allocations.select_related("document").order_by("id"),
            "postings": selectors.postings(tenant, p.journal_entry_id),
            "refunds": selectors.refunds(tenant, payment_id=p.pk),
            "can_refund": p.direction == "in" and p.unallocated > 0,
        },
    )


@require_POST
@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def payment_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Pay (part of) a receipt's kept credit back to the customer."""
    tenant = _access(request).tenant
    p = selectors.get_payment(tenant, payment_id)
    try:
        with transaction.atomic():
            r = services.refund_credit(
                tenant=tenant,
                actor=_access(request).user,
                payment_id=p.pk,
                amount=parse_major(request.POST.get("amount", ""), p.currency) or 0,
                day=date_or_none(request.POST.get("date")),
                bank_account=request.POST.get("bank_account", "").strip(),
            )
        messages.success(request, f"Refund {r.number} recorded.")
    except ValueError as exc:
        messages.error(request, f"Amount: {exc}")
    except DomainError as exc:
        flash_domain_error(request, exc)
    return redirect(_url(request, "payment", payment_id=p.pk))


# --- reports ---------------------------------------------------------------------------------

REPORTS = {
    "receivables": "Receivables aging",
    "payables": "Payables aging",
    "valuation": "Inventory valuation",
    "sales": "Sales by period",
    "purchases": "Purchases by period",
    "statement": "Customer statement",
}


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def report(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in REPORTS:
        raise Http404("No such report.")
    tenant = _access(request).tenant
    cur = tenant.currency
    g = request.GET
    today = date.today()
    start = date_or_none(g.get("start")) or today.replace(month=1, day=1)
    end = date_or_none(g.get("end")) or today
    group = g.get("group", "month")
    header: list[str] = []
    rows: list[list[Any]] = []
    extra: dict[str, Any] = {}
    if kind in ("receivables", "payables"):
        side = "receivable" if kind == "receivables" else "payable"
        header = ["party", "currency", *reports.BUCKETS, "total"]
        for r in reports.aging(tenant, side=side, as_of=end):
            rows.append(
                [
                    r.party,
                    r.currency,
                    *[_major(r.buckets[b], r.currency) for b in reports.BUCKETS],
                    _major(r.total, r.currency),
                ]
            )
    elif kind == "valuation":
        header = ["sku", "name", "quantity", "unit", "unit cost", "value"]
        for s in reports.valuation(tenant, as_of=end):
            rows.append(
                [
                    s.sku,
                    s.name,
                    s.quantity,
                    s.unit,
                    _major(int(s.unit_cost), cur),
                    _major(s.value, cur),
                ]
            )
    elif kind in ("sales", "purchases"):
        header = [group, "net", "tax", "gross"]
        for pr in reports.by_period(tenant, side=kind, start=start, end=end, group=group):
            rows.append([pr.key, _major(pr.net, cur), _major(pr.tax, cur), _major(pr.gross, cur)])
    else:
        party_id = g.get("party")
        extra["parties"] = selectors.parties(tenant, role="customer")
        if party_id and party_id.isdigit():
            p = selectors.get_party(tenant, int(party_id))
            opening, lines = reports.statement(tenant, party_id=p.pk, start=start, end=end)
            extra["party"] = p
            header = ["date", "document", "number", "debit", "credit", "balance"]
            rows.append([start, "opening balance", "", "", "", _major(opening, p.currency)])
            for ln in lines:
                rows.append(
                    [
                        ln.date,
                        ln.kind,
                        ln.number,
                        _major(ln.debit, p.currency),
                        _major(ln.credit, p.currency),
                        _major(ln.balance, p.currency),
                    ]
                )
    if g.get("format") in EXPORT_FORMATS:
        return tabular_response(f"commerce-{kind}-{end}", header, rows, g["format"])
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "commerce/report.html",
        {
            "kind": kind,
            "title": REPORTS[kind],
            "reports": REPORTS,
            "header": header,
            "rows": rows,
            "start": start,
            "end": end,
            "group": group,
            "csv_query": query.urlencode(),
            "xlsx_query": query.urlencode().replace("format=csv", "format=xlsx"),
            **extra,
        },
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def settings_page(request: HttpRequest) -> HttpResponse:
    tenant = _access(request).tenant
    if request.method == "POST":
        _access(request).require(Perm.MANAGE_COMMERCE)
        try:
            with transaction.atomic():
                services.update_settings(
                    tenant=tenant,
                    actor=_access(request).user,
                    valuation=request.POST.get("valuation"),
                    tax_rounding=request.POST.get("tax_rounding"),
                    allow_negative_stock="allow_negative_stock" in request.POST,
                )
                for key in posting.DEFAULT_ACCOUNTS:
                    code = request.POST.get(f"rule-{key}", "").strip()
                    if code and code != posting.rules(tenant)[key]:
                        services.set_posting_account(
                            tenant=tenant, actor=_access(request).user, key=key, account_code=code
                        )
            messages.success(request, "Settings saved.")
            return redirect(_url(request, "settings"))
        except DomainError as exc:
            flash_domain_error(request, exc)
    rules = posting.rules(tenant)
    return render(
        request,
        "commerce/settings.html",
        {
            "s": services.get_settings(tenant),
            "rules": [(k, rules[k], d) for k, (_, d) in posting.DEFAULT_ACCOUNTS.items()],
        },
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def document_file(request: HttpRequest, document_id: int, fmt: str) -> HttpResponse:
    """PDF of any document, UBL 2.1 XML of an issued invoice or credit note."""
    tenant = _access(request).tenant
    d = selectors.get_document(tenant, document_id)
    try:
        if fmt == "pdf":
            response = HttpResponse(pdf.document_pdf(tenant, d), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{d.number or d.pk}.pdf"'
            return response
        if fmt == "xml":
            response = HttpResponse(ubl.export(tenant, d), content_type="application/xml")
            response["Content-Disposition"] = f'attachment; filename="{d.number}.xml"'
            return response
    except DomainError as exc:
        flash_domain_error(request, exc)
        return redirect(_url(request, "document", document_id=d.pk))
    raise Http404("No such format.")


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def payment_pdf(request: HttpRequest, payment_id: int) -> HttpResponse:
    tenant = _access(request).tenant
    p = selectors.get_payment(tenant, payment_id)
    response = HttpResponse(pdf.receipt_pdf(tenant, p), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{p.number}.pdf"'
    return response
