"""Document pages: the list (with CSV), the new-document form, the detail, its files."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.commerce import files, selectors, services
from backoffice.commerce.models import DERIVABLE, SALES_KINDS, DocKind, DocStatus, Document
from backoffice.commerce.views._common import caller, major, page, url
from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none, flash_domain_error
from backoffice.core.numbers import parse_int
from backoffice.ledger.money import parse_major
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm

EXPORT_HEADER = [
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
]


def _export_row(d: Document) -> list[Any]:
    amounts = (d.net, d.tax, d.gross, d.open_amount)
    return [
        d.kind,
        d.number,
        d.status,
        d.date,
        d.party.name,
        d.currency,
        *(major(x, d.currency) for x in amounts),
    ]


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def documents(request: HttpRequest) -> HttpResponse:
    tenant = caller(request).tenant
    g = request.GET
    f = {k: g.get(k, "") for k in ("kind", "status", "q", "start", "end", "open")}
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
        rows = [_export_row(d) for d in qs]
        return tabular_response("documents", EXPORT_HEADER, rows, g["format"])
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(
        request,
        "commerce/documents.html",
        {
            "page": page(request, qs),
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
                product_id=parse_int(prod, field="product", minimum=1) if prod else None,
                quantity=qty.strip() or "0",
                unit_price=unit_price,
                description=desc,
                tax_codes=None if tax == "" else ([] if tax == "-" else [tax]),
            )
        )
    return specs


def _create_draft(request: HttpRequest, kind: str) -> Document:
    """The posted form as a draft; prices are read in the document's currency."""
    a = caller(request)
    party_id = parse_int(request.POST.get("party") or 0, field="party", minimum=0)
    currency = request.POST.get("currency") or None
    cur = currency or a.tenant.currency
    if currency is None and party_id:
        cur = selectors.access_party_by_id(a, party_id, perm=Perm.MANAGE_COMMERCE).currency
    with transaction.atomic():
        return services.create_document(
            tenant=a.tenant,
            actor=a.user,
            kind=kind,
            party_id=party_id,
            day=date_or_none(request.POST.get("date")) or date.today(),
            lines=_lines_from_post(request, cur),
            currency=currency,
            reference=request.POST.get("reference", ""),
            notes=request.POST.get("notes", ""),
            prices_include_tax="prices_include_tax" in request.POST or None,
        )


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def document_new(request: HttpRequest) -> HttpResponse:
    """A draft with its lines; the totals update live in the page, the server decides."""
    tenant = caller(request).tenant
    kind = request.POST.get("kind") or request.GET.get("kind") or DocKind.INVOICE
    if kind not in DocKind.values:
        raise Http404("No such document kind.")
    if kind == DocKind.DEBIT_NOTE:
        messages.info(request, "A debit note is made from its bill: open the bill.")
        return redirect(f"{url(request, 'documents')}?kind={DocKind.BILL}&status=issued")
    if request.method == "POST":
        try:
            d = _create_draft(request, kind)
            messages.success(request, "Draft saved. Check it, then issue it.")
            return redirect(url(request, "document", document_id=d.pk))
        except DomainError as exc:
            flash_domain_error(request, exc)
    sales = kind in SALES_KINDS
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
    tenant = caller(request).tenant
    d = selectors.access_document_by_id(caller(request), document_id)
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


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def document_file(request: HttpRequest, document_id: int, fmt: str) -> HttpResponse:
    """PDF of any document, UBL 2.1 XML of an issued invoice or credit note."""
    tenant = caller(request).tenant
    d = selectors.access_document_by_id(caller(request), document_id)
    try:
        if fmt == "pdf":
            return files.document_pdf(tenant, d)
        if fmt == "xml":
            return files.document_ubl(tenant, d)
    except DomainError as exc:
        flash_domain_error(request, exc)
        return redirect(url(request, "document", document_id=d.pk))
    raise Http404("No such format.")
