"""Document pages: the list (with CSV), the new-document form, editing a draft, the detail,
its files."""

import re
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


LINE_FIELDS = ("product", "description", "quantity", "unit_price", "tax", "source_line")
# The service's name for a line's field -> the form's column.
LINE_COLUMNS = {"product_id": "product", "tax_codes": "tax", "source_line_id": "product"}
# The service's name for a document's field -> the form's field.
DOC_FIELDS = {"party_id": "party", "day": "date"}
LINE_KEY = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


def _posted_rows(request: HttpRequest) -> list[dict[str, str]]:
    """The form's line rows as typed (empty ones too, so a re-rendered form looks the same)."""
    columns = [request.POST.getlist(k) for k in LINE_FIELDS]
    count = max(map(len, columns))
    return [
        {k: (c[i] if i < len(c) else "") for k, c in zip(LINE_FIELDS, columns, strict=True)}
        for i in range(count)
    ]


def _is_blank(row: dict[str, str]) -> bool:
    return not (row["product"] or row["description"].strip() or row["quantity"].strip())


def _lines_from_rows(
    rows: list[dict[str, str]], currency: str
) -> tuple[list[services.LineSpec], list[int]]:
    """The rows that are not blank as lines, and for each line the form row it came from.

    A price or product the form cannot read is refused with the row's own field path, so
    the message lands beside the field it is about.
    """
    specs: list[services.LineSpec] = []
    where: list[int] = []
    errors: dict[str, list[str]] = {}
    for i, row in enumerate(rows):
        if _is_blank(row):
            continue
        n = len(specs)
        try:
            unit_price = parse_major(row["unit_price"], currency)
        except ValueError as exc:
            errors[f"lines[{n}].unit_price"] = [str(exc)]
            unit_price = None
        product_id = None
        if row["product"]:
            try:
                product_id = parse_int(row["product"], field=f"lines[{n}].product_id", minimum=1)
            except DomainError as exc:
                errors |= exc.fields
        tax, source_line = row["tax"], row["source_line"]
        specs.append(
            services.LineSpec(
                product_id=product_id,
                quantity=row["quantity"].strip() or "0",
                unit_price=unit_price,
                description=row["description"],
                tax_codes=None if tax == "" else ([] if tax == "-" else [tax]),
                source_line_id=int(source_line) if source_line.isdigit() else None,
            )
        )
        where.append(i)
    if errors:
        raise DomainError("Some lines are not valid.", fields=errors)
    return specs, where


def _form_errors(exc: DomainError, where: list[int]) -> tuple[dict[str, Any], dict[int, Any]]:
    """The refusal's messages by document field and by form row and column."""
    fields: dict[str, list[str]] = {}
    rows: dict[int, dict[str, list[str]]] = {}
    for key, msgs in exc.fields.items():
        found = LINE_KEY.match(key)
        if found and int(found[1]) < len(where):
            column = LINE_COLUMNS.get(found[2], found[2])
            rows.setdefault(where[int(found[1])], {}).setdefault(column, []).extend(msgs)
        else:
            fields.setdefault(DOC_FIELDS.get(key, key), []).extend(msgs)
    return fields, rows


def _document_fields(request: HttpRequest) -> dict[str, Any]:
    """What the document form posts besides the lines, read for the services; a date that
    is typed but not a date is refused beside its field."""
    p = request.POST
    typed = {k: str(p.get(k, "")).strip() for k in ("date", "due_date")}
    bad = {k: ["a date such as 2026-11-30"] for k, v in typed.items() if v and not date_or_none(v)}
    if bad:
        raise DomainError("A date is not valid.", fields=bad)
    return {
        "day": date_or_none(typed["date"]) or date.today(),
        "due_date": date_or_none(typed["due_date"]),
        "reference": p.get("reference", ""),
        "notes": p.get("notes", ""),
        "prices_include_tax": "prices_include_tax" in p,
    }


def _party_id(request: HttpRequest) -> int:
    return parse_int(request.POST.get("party") or 0, field="party_id", minimum=0)


def _create_draft(request: HttpRequest, kind: str, rows: list[dict[str, str]]) -> Document:
    """The posted form as a draft; prices are read in the document's currency."""
    a = caller(request)
    party_id = _party_id(request)
    currency = request.POST.get("currency") or None
    cur = currency or a.tenant.currency
    if currency is None and party_id:
        cur = selectors.access_party_by_id(a, party_id, perm=Perm.MANAGE_COMMERCE).currency
    specs, _ = _lines_from_rows(rows, cur)
    fields = _document_fields(request)
    fields["prices_include_tax"] = fields["prices_include_tax"] or None
    with transaction.atomic():
        return services.create_document(
            tenant=a.tenant,
            actor=a.user,
            kind=kind,
            party_id=party_id,
            lines=specs,
            currency=currency,
            **fields,
        )


def _form_context(request: HttpRequest, kind: str) -> dict[str, Any]:
    tenant = caller(request).tenant
    sales = kind in SALES_KINDS
    return {
        "kind": kind,
        "kind_label": DocKind(kind).label,
        "parties": selectors.parties(tenant, role="customer" if sales else "supplier"),
        "products": selectors.products(tenant).prefetch_related("sales_taxes", "purchase_taxes"),
        "taxes": selectors.tax_rates(tenant),
        "sales": sales,
        "currency": tenant.currency,
    }


def _with_blank_rows(rows: list[dict[str, Any]], at_least: int = 5) -> list[dict[str, Any]]:
    blank = dict.fromkeys(LINE_FIELDS, "")
    return rows + [dict(blank) for _ in range(max(at_least - len(rows), 1))]


def _refused(
    request: HttpRequest, exc: DomainError, rows: list[dict[str, Any]], where: list[int]
) -> dict[str, Any]:
    """The form as typed, with the refusal's messages beside the fields and rows."""
    flash_domain_error(request, exc)
    fields, by_row = _form_errors(exc, where)
    for i, row in enumerate(rows):
        row["errors"] = by_row.get(i, {})
    return {"errors": fields, "rows": _with_blank_rows(rows, 1), "values": request.POST}


def _where(rows: list[dict[str, str]]) -> list[int]:
    return [i for i, row in enumerate(rows) if not _is_blank(row)]


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def document_new(request: HttpRequest) -> HttpResponse:
    """A draft with its lines; the totals update live in the page, the server decides."""
    kind = request.POST.get("kind") or request.GET.get("kind") or DocKind.INVOICE
    if kind not in DocKind.values:
        raise Http404("No such document kind.")
    if kind == DocKind.DEBIT_NOTE:
        messages.info(request, "A debit note is made from its bill: open the bill.")
        return redirect(f"{url(request, 'documents')}?kind={DocKind.BILL}&status=issued")
    context = _form_context(request, kind)
    context |= {"rows": _with_blank_rows([]), "values": {"date": date.today().isoformat()}}
    status = 200
    if request.method == "POST":
        rows = _posted_rows(request)
        try:
            d = _create_draft(request, kind, rows)
            messages.success(request, "Draft saved. Check it, then issue it.")
            return redirect(url(request, "document", document_id=d.pk))
        except DomainError as exc:
            context |= _refused(request, exc, rows, _where(rows))
            status = 400
    return render(request, "commerce/document_form.html", context, status=status)


def _line_row(line: Any, currency: str) -> dict[str, str]:
    taxes = list(line.taxes.all())
    return {
        "product": str(line.product_id or ""),
        "description": line.description,
        "quantity": f"{line.quantity.normalize():f}",
        "unit_price": major(line.unit_price, currency),
        "tax": "-" if not taxes else taxes[0].code if len(taxes) == 1 else "",
        "source_line": str(line.source_line_id or ""),
    }


def _save_draft(request: HttpRequest, d: Document, rows: list[dict[str, str]]) -> None:
    a = caller(request)
    if not _party_id(request):
        raise DomainError("Choose the party.", fields={"party_id": ["required"]})
    specs, _ = _lines_from_rows(rows, d.currency)
    fields = _document_fields(request)
    with transaction.atomic():
        services.update_document(
            tenant=a.tenant,
            actor=a.user,
            document_id=d.pk,
            party_id=_party_id(request),
            lines=specs,
            clear_due_date=fields["due_date"] is None,
            **fields,
        )


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def document_edit(request: HttpRequest, document_id: int) -> HttpResponse:
    """A draft's party, dates, reference and lines, edited until it is issued."""
    d = selectors.access_document_by_id(caller(request), document_id, perm=Perm.MANAGE_COMMERCE)
    if d.status != DocStatus.DRAFT or d.kind == DocKind.DEBIT_NOTE:
        messages.error(request, f"{d} is {d.get_status_display().lower()}: it cannot be edited.")
        return redirect(url(request, "document", document_id=d.pk))
    lines = d.lines.prefetch_related("taxes").order_by("line_no")
    context = _form_context(request, d.kind) | {
        "doc": d,
        "currency": d.currency,
        "rows": _with_blank_rows([_line_row(ln, d.currency) for ln in lines], len(lines) + 2),
        "values": {
            "party": str(d.party_id),
            "date": d.date.isoformat(),
            "due_date": d.due_date.isoformat() if d.due_date else "",
            "reference": d.reference,
            "notes": d.notes,
            "prices_include_tax": "on" if d.prices_include_tax else "",
        },
    }
    status = 200
    if request.method == "POST":
        rows = _posted_rows(request)
        try:
            _save_draft(request, d, rows)
            messages.success(request, "Draft saved. Check it, then issue it.")
            return redirect(url(request, "document", document_id=d.pk))
        except DomainError as exc:
            context |= _refused(request, exc, rows, _where(rows))
            status = 400
    return render(request, "commerce/document_form.html", context, status=status)


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
