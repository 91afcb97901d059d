"""Documents: draft, edit, issue (number, stock, posting) and cancel.

`create_from` (derive.py) drafts the next document of a flow from an issued one; the
posting a document makes is built in document_posting.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from backoffice.commerce import events, locks
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import (
    POSTED_KINDS,
    SALES_KINDS,
    DocKind,
    DocStatus,
    Document,
    DocumentLine,
    DocumentSeries,
    LineTax,
    Party,
    Product,
    TaxRate,
    TaxRounding,
)
from backoffice.commerce.services._common import (
    actor_or_none,
    amount_words,
    document_party,
    exchange_rate,
    functional,
    functional_share,
    is_minor_units,
    parse_quantity,
    settle,
)
from backoffice.commerce.services._tail import post_and_record
from backoffice.commerce.services.document_posting import document_entry
from backoffice.commerce.services.parties_products import find_location, get_settings, tax_rates
from backoffice.commerce.services.stock import issue_stock, moves_stock
from backoffice.commerce.tax import DocumentTotals, LineInput, compute
from backoffice.core.dates import check_date, check_optional_date
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.core.numbers import MAX_AMOUNT
from backoffice.ledger import money
from backoffice.tenancy.models import Organization, User

SERIES = {
    DocKind.QUOTE: "QT",
    DocKind.SALES_ORDER: "SO",
    DocKind.DELIVERY: "DN",
    DocKind.INVOICE: "INV",
    DocKind.CREDIT_NOTE: "CN",
    DocKind.PURCHASE_ORDER: "PO",
    DocKind.GOODS_RECEIPT: "GR",
    DocKind.BILL: "BILL",
    DocKind.DEBIT_NOTE: "DBN",
}


def series_prefix(tenant: Organization, kind: str) -> str:
    """The prefix documents of `kind` are numbered under: the tenant's own, else the default."""
    chosen = DocumentSeries.objects.for_tenant(tenant).filter(kind=kind).first()
    return chosen.prefix if chosen is not None else SERIES[DocKind(kind)]


# Documents that correct another one (their source) and settle what is open on it.
NOTE_KINDS = (DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE)


@dataclass(frozen=True)
class LineSpec:
    """One line as entered. `unit_price` in minor units of the document currency; None takes
    the product's price (sale price on sales documents, cost on purchase documents)."""

    product_id: int | None = None
    quantity: Decimal | int | str = 1
    unit_price: int | None = None
    description: str = ""
    tax_codes: Sequence[str] | None = None
    source_line_id: int | None = None


# --- lines -----------------------------------------------------------------------------------


@dataclass
class _PreparedLine:
    product: Product | None
    quantity: Decimal
    unit_price: int
    description: str
    taxes: list[TaxRate]
    source_line_id: int | None


@dataclass(frozen=True)
class _Known:
    """What the lines of one document refer to, read once for all of them."""

    tenant: Organization
    sales: bool
    currency: str
    products: Mapping[int, Product]
    rates: Mapping[str, TaxRate]


def _known(tenant: Organization, kind: str, currency: str, specs: Sequence[LineSpec]) -> _Known:
    sales = kind in SALES_KINDS
    ids = {spec.product_id for spec in specs if spec.product_id is not None}
    products = {
        p.pk: p
        for p in Product.objects.for_tenant(tenant)
        .filter(pk__in=ids)
        .prefetch_related("sales_taxes" if sales else "purchase_taxes")
    }
    codes = {c for spec in specs if spec.tax_codes is not None for c in spec.tax_codes}
    rates = (
        {t.code: t for t in TaxRate.objects.for_tenant(tenant).filter(code__in=codes)}
        if codes
        else {}
    )
    return _Known(tenant, sales, currency, products, rates)


def _line_price(known: _Known, spec: LineSpec, product: Product | None) -> tuple[int | None, str]:
    """The line's unit price, or None and why not."""
    price = spec.unit_price
    if price is None:
        if product is None:
            return None, "required without a product"
        if known.currency != known.tenant.currency:
            return None, (
                f"required: product prices are in {known.tenant.currency}, "
                f"the document in {known.currency}"
            )
        price = product.sale_price if known.sales else product.cost
    if not is_minor_units(price):
        return None, amount_words(price)
    return price, ""


def _prepare_line(
    known: _Known, i: int, spec: LineSpec, errors: dict[str, list[str]]
) -> _PreparedLine | None:
    """The line checked and completed, or None with its problems added to `errors`."""
    where = f"lines[{i}]."
    try:
        q = parse_quantity(spec.quantity, f"{where}quantity")
    except DomainError as exc:
        errors.update(exc.fields)
        return None
    product = None
    if spec.product_id is not None:
        product = known.products.get(spec.product_id)
        if product is None:
            errors[f"{where}product_id"] = ["no such product"]
            return None
        if not product.is_active:
            errors[f"{where}product_id"] = [f"{product.sku} is inactive"]
    elif not spec.description.strip():
        errors[f"{where}description"] = ["a line without a product needs a description"]
    price, problem = _line_price(known, spec, product)
    if price is None:
        errors[f"{where}unit_price"] = [problem]
        return None
    if abs(q * price) > MAX_AMOUNT:
        errors[f"{where}quantity"] = ["the line total is too large: lower the quantity or price"]
        return None
    if spec.tax_codes is not None:
        try:
            codes = list(spec.tax_codes)
            taxes = tax_rates(known.tenant, codes, f"{where}tax_codes", known.rates)
        except DomainError as exc:
            errors.update(exc.fields)
            return None
    elif product is not None:
        taxes = list(product.sales_taxes.all() if known.sales else product.purchase_taxes.all())
    else:
        taxes = []
    description = spec.description or (product.name if product else "")
    return _PreparedLine(product, q, price, description, taxes, spec.source_line_id)


def _prepare_lines(
    tenant: Organization, kind: str, currency: str, specs: Sequence[LineSpec]
) -> list[_PreparedLine]:
    if not specs:
        raise DomainError("A document needs at least one line.", fields={"lines": ["empty"]})
    known = _known(tenant, kind, currency, specs)
    errors: dict[str, list[str]] = {}
    prepared = [_prepare_line(known, i, spec, errors) for i, spec in enumerate(specs)]
    if errors:
        raise DomainError("Some lines are not valid.", code=ErrorCode.INVALID_LINES, fields=errors)
    return [ln for ln in prepared if ln is not None]


def _totals(tenant: Organization, doc: Document, lines: list[_PreparedLine]) -> DocumentTotals:
    """The lines' and document's totals (pure); sets the document's net, tax and gross."""
    totals = compute(
        [LineInput(ln.quantity, ln.unit_price, [(t.pk, t.rate) for t in ln.taxes]) for ln in lines],
        prices_include_tax=doc.prices_include_tax,
        per_document=doc.tax_rounding == TaxRounding.DOCUMENT,
    )
    doc.net, doc.tax, doc.gross = totals.net, totals.tax, totals.gross
    _refuse_huge_totals(tenant, doc)
    return totals


def _refuse_huge_totals(tenant: Organization, doc: Document) -> None:
    """Totals no amount may reach, in the document's currency or, at its rate, the tenant's."""
    if max(abs(doc.net), abs(doc.gross)) > MAX_AMOUNT:
        raise DomainError(
            "The document's total is too large.",
            code=ErrorCode.INVALID_LINES,
            fields={"lines": ["the total is too large: lower the quantities or prices"]},
        )
    scale = Decimal(10) ** (money.exponent(tenant.currency) - money.exponent(doc.currency))
    if abs(doc.gross * Decimal(doc.rate) * scale) > MAX_AMOUNT:
        raise DomainError(
            f"At this rate the total is too large in {tenant.currency}.",
            fields={"rate": [f"the total in {tenant.currency} would be too large"]},
        )


def _write_lines(
    tenant: Organization, doc: Document, lines: list[_PreparedLine], totals: DocumentTotals
) -> None:
    """Insert the lines and their taxes: two statements (the inserts return the ids)."""
    rows = [
        DocumentLine(
            tenant=tenant,
            document=doc,
            line_no=n,
            product=ln.product,
            description=ln.description[:300],
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            net=lt.net,
            tax=lt.tax,
            gross=lt.gross,
            source_line_id=ln.source_line_id,
        )
        for n, (ln, lt) in enumerate(zip(lines, totals.lines, strict=True), start=1)
    ]
    DocumentLine.objects.bulk_create(rows)
    LineTax.objects.bulk_create(
        [
            LineTax(tenant=tenant, line=row, tax_rate_id=tid, amount=amount)
            for row, lt in zip(rows, totals.lines, strict=True)
            for tid, amount in lt.taxes.items()
        ]
    )


# --- drafts ----------------------------------------------------------------------------------


def create_document(
    *,
    tenant: Organization,
    actor: User | None,
    kind: str,
    party_id: int,
    day: date,
    lines: Sequence[LineSpec],
    currency: str | None = None,
    rate: Decimal | str | None = None,
    location_id: int | None = None,
    reference: str = "",
    notes: str = "",
    prices_include_tax: bool | None = None,
    due_date: date | None = None,
    source_id: int | None = None,
) -> Document:
    """A draft document with its lines and totals. Nothing moves or posts until issued."""
    check_date(day)
    check_optional_date(due_date, field="due_date")
    if kind not in DocKind.values:
        raise DomainError("Unknown document kind.", fields={"kind": ["unknown"]})
    who = document_party(tenant, party_id, kind)
    cur = (currency or who.currency).upper()
    money.exponent(cur)
    source = None
    if source_id is not None:
        source = Document.objects.for_tenant(tenant).filter(pk=source_id).first()
        if source is None:
            raise DomainError("Unknown source document.", fields={"source_id": ["not found"]})
    if kind == DocKind.DEBIT_NOTE:
        _check_debit_note_source(tenant, source, who, cur, lines)
    settings_ = get_settings(tenant)
    prepared = _prepare_lines(tenant, kind, cur, lines)
    if prices_include_tax is None:
        flags = {ln.product.prices_include_tax for ln in prepared if ln.product is not None}
        prices_include_tax = flags == {True} and kind in SALES_KINDS
    if kind == DocKind.BILL and reference.strip():
        _refuse_duplicate_bill(tenant, who, reference.strip())
    with transaction.atomic():
        loc = find_location(tenant, location_id) if moves_stock(kind) else None
        doc = Document(
            tenant=tenant,
            kind=kind,
            series=series_prefix(tenant, kind),
            party=who,
            date=day,
            due_date=due_date,
            currency=cur,
            rate=exchange_rate(tenant, cur, day, rate),
            location=loc,
            source=source,
            reference=reference.strip(),
            notes=notes,
            prices_include_tax=prices_include_tax,
            tax_rounding=settings_.tax_rounding,
            created_by=actor_or_none(actor),
        )
        if kind in NOTE_KINDS and source is not None:
            doc.rate = source.rate
        totals = _totals(tenant, doc, prepared)
        doc.save()
        _write_lines(tenant, doc, prepared, totals)
        events.record(tenant=tenant, actor=actor, event=events.document_created(doc))
    return doc


def _check_debit_note_source(
    tenant: Organization,
    source: Document | None,
    supplier: Party,
    currency: str,
    lines: Sequence[LineSpec],
) -> None:
    """A debit note corrects one issued bill, line by line (`create_from` makes it so)."""
    if source is None or source.kind != DocKind.BILL or source.status != DocStatus.ISSUED:
        raise DomainError(
            "A debit note is made from an issued supplier bill.",
            code=ErrorCode.DEBIT_NOTE_SOURCE,
            fields={"source_id": ["an issued bill"]},
        )
    errors: dict[str, list[str]] = {}
    if source.party_id != supplier.pk:
        errors["party_id"] = [f"{source.number} is another supplier's bill"]
    if source.currency != currency:
        errors["currency"] = [f"{source.number} is in {source.currency}"]
    bill_lines = set(
        DocumentLine.objects.for_tenant(tenant).filter(document=source).values_list("pk", flat=True)
    )
    for i, spec in enumerate(lines):
        if spec.source_line_id not in bill_lines:
            errors[f"lines[{i}].source_line_id"] = [f"not a line of {source.number}"]
    if errors:
        raise DomainError(
            "The debit note does not match its bill.",
            code=ErrorCode.DEBIT_NOTE_SOURCE,
            fields=errors,
        )


def _refuse_duplicate_bill(tenant: Organization, supplier: Party, reference: str) -> None:
    """A supplier's invoice number is recorded once (the database constraint agrees)."""
    dup = (
        Document.objects.for_tenant(tenant)
        .filter(kind=DocKind.BILL, party=supplier, reference=reference)
        .exclude(status=DocStatus.CANCELLED)
        .first()
    )
    if dup is not None:
        raise Conflict(
            f"{supplier.name}'s invoice {reference} is already recorded as {dup}.",
            code=ErrorCode.DUPLICATE_REFERENCE,
            fields={"reference": [f"already recorded as {dup}"]},
        )


def _refuse_if_issued(doc: Document) -> None:
    if doc.status != DocStatus.DRAFT:
        hint = " Correct it with a credit note." if doc.kind == DocKind.INVOICE else ""
        raise Conflict(
            f"{doc.number} is {doc.status} and cannot be changed.{hint}",
            code=ErrorCode.DOCUMENT_IMMUTABLE,
            fields={"status": [doc.status]},
        )


def update_document(
    *,
    tenant: Organization,
    actor: User | None,
    document_id: int,
    lines: Sequence[LineSpec] | None = None,
    day: date | None = None,
    reference: str | None = None,
    notes: str | None = None,
    party_id: int | None = None,
    due_date: date | None = None,
    clear_due_date: bool = False,
    prices_include_tax: bool | None = None,
) -> Document:
    """Edit a draft; an issued document is refused (it is corrected by a credit note).

    Another party must be billed in the draft's currency (the rate and prices are in it);
    `clear_due_date` leaves the due date to the party's terms when it is issued.
    """
    check_optional_date(day, field="date")
    check_optional_date(due_date, field="due_date")
    with transaction.atomic():
        doc = locks.document(tenant, document_id)
        _refuse_if_issued(doc)
        before = events.document_state(doc)
        if party_id is not None and party_id != doc.party_id:
            doc.party = _same_currency_party(tenant, doc, party_id)
        if day is not None:
            doc.date = day
        if due_date is not None or clear_due_date:
            doc.due_date = due_date
        if doc.due_date is not None and doc.due_date < doc.date:
            raise DomainError(
                "The due date is before the document's date.",
                fields={"due_date": ["on or after the document's date"]},
            )
        if prices_include_tax is not None and prices_include_tax != doc.prices_include_tax:
            doc.prices_include_tax = prices_include_tax
            lines = _current_lines(doc) if lines is None else lines
        if reference is not None and reference.strip() != doc.reference:
            if doc.kind == DocKind.BILL and reference.strip():
                _refuse_duplicate_bill(tenant, doc.party, reference.strip())
            doc.reference = reference.strip()
        if notes is not None:
            doc.notes = notes
        if lines is not None:
            _replace_lines(tenant, doc, lines)
        doc.save()
        events.record(tenant=tenant, actor=actor, event=events.document_updated(doc, before=before))
    return doc


def _current_lines(doc: Document) -> list[LineSpec]:
    """A draft's lines as entered, to total them again under another tax rule."""
    return [
        LineSpec(
            product_id=ln.product_id,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            description=ln.description,
            tax_codes=[t.code for t in ln.taxes.all()],
            source_line_id=ln.source_line_id,
        )
        for ln in doc.lines.prefetch_related("taxes").order_by("line_no")
    ]


def _same_currency_party(tenant: Organization, doc: Document, party_id: int) -> Party:
    who = document_party(tenant, party_id, doc.kind)
    if who.currency != doc.currency or doc.kind in NOTE_KINDS:
        why = (
            "a note keeps the party of the document it corrects"
            if doc.kind in NOTE_KINDS
            else f"{who.name} is billed in {who.currency}, this draft is in {doc.currency}: "
            "cancel it and make a new one"
        )
        raise DomainError("The party cannot be changed.", fields={"party_id": [why]})
    return who


def _refuse_foreign_source_lines(
    tenant: Organization, doc: Document, lines: Sequence[LineSpec]
) -> None:
    """An edited line may keep its link to a line of the draft's source document, no other."""
    linked = {spec.source_line_id for spec in lines} - {None}
    if not linked:
        return
    allowed = set(
        DocumentLine.objects.for_tenant(tenant)
        .filter(document_id=doc.source_id, pk__in=linked)
        .values_list("pk", flat=True)
    )
    errors = {
        f"lines[{i}].source_line_id": ["not a line of the document this one is made from"]
        for i, spec in enumerate(lines)
        if spec.source_line_id is not None and spec.source_line_id not in allowed
    }
    if errors:
        raise DomainError("Some lines are not valid.", code=ErrorCode.INVALID_LINES, fields=errors)


def _replace_lines(tenant: Organization, doc: Document, lines: Sequence[LineSpec]) -> None:
    if doc.kind == DocKind.DEBIT_NOTE:
        raise DomainError(
            "A debit note's lines come from its bill: cancel the draft and make another.",
            code=ErrorCode.DEBIT_NOTE_SOURCE,
            fields={"lines": ["taken from the bill"]},
        )
    _refuse_foreign_source_lines(tenant, doc, lines)
    prepared = _prepare_lines(tenant, doc.kind, doc.currency, lines)
    LineTax.objects.for_tenant(tenant).filter(line__document=doc).delete()
    DocumentLine.objects.for_tenant(tenant).filter(document=doc).delete()
    _write_lines(tenant, doc, prepared, _totals(tenant, doc, prepared))


def cancel_document(*, tenant: Organization, actor: User | None, document_id: int) -> Document:
    """Cancel a draft (issued documents are corrected by a credit note instead)."""
    with transaction.atomic():
        doc = locks.document(tenant, document_id)
        _refuse_if_issued(doc)
        doc.status = DocStatus.CANCELLED
        doc.number = f"X{doc.pk}"
        doc.save(update_fields=["status", "number"])
        events.record(tenant=tenant, actor=actor, event=events.document_cancelled(doc))
    return doc


# --- issuing ---------------------------------------------------------------------------------


def issue_document(*, tenant: Organization, actor: User | None, document_id: int) -> Document:
    """Number the document, move its stock, post it to the ledger: all or nothing.

    Locks (see `locks`): the counter, then the document and, for a credit or debit note,
    the document it corrects (settled last), then the products, then the ledger's.
    """
    with transaction.atomic():
        peek = Document.objects.for_tenant(tenant).filter(pk=document_id).first()
        if peek is None:
            raise NotFound("No such document.")
        number = locks.next_number(tenant, peek.series, peek.date.year)
        corrected = peek.source_id if peek.kind in NOTE_KINDS else None
        ids = [document_id] if corrected is None else [document_id, corrected]
        docs = locks.documents(tenant, ids, related=("party", "location__warehouse"))
        doc = docs.get(document_id)
        if doc is None:
            raise NotFound("No such document.")
        _refuse_if_issued(doc)
        lines = list(doc.lines.select_related("product", "source_line").order_by("line_no"))
        if doc.source_id is not None:
            _check_not_over_source(tenant, doc, lines)
        issue_stock(tenant, doc, lines, get_settings(tenant))
        doc.number = number
        doc.status = DocStatus.ISSUED
        doc.issued_at = timezone.now()
        entry = None
        if doc.kind in POSTED_KINDS:
            if doc.due_date is None and doc.kind in (DocKind.INVOICE, DocKind.BILL):
                doc.due_date = doc.date + timedelta(days=doc.party.payment_terms_days)
            doc.gross_functional = functional(tenant, doc, doc.gross)
            entry = document_entry(tenant, doc, lines)
        event = partial(events.document_issued, doc)
        post_and_record(tenant=tenant, actor=actor, obj=doc, entry=entry, save=None, event=event)
        if doc.kind in NOTE_KINDS and doc.source_id is not None:
            _settle_source(tenant, doc, docs[doc.source_id])
    return doc


def _check_not_over_source(tenant: Organization, doc: Document, lines: list[DocumentLine]) -> None:
    source = doc.source
    assert source is not None
    taken = dict(
        DocumentLine.objects.for_tenant(tenant)
        .filter(
            source_line__document=source, document__kind=doc.kind, document__status=DocStatus.ISSUED
        )
        .values("source_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("source_line_id", "q")
    )
    for line in lines:
        if line.source_line is None:
            continue
        left = line.source_line.quantity - (taken.get(line.source_line_id) or Decimal(0))
        if line.quantity > left:
            raise DomainError(
                f"Line {line.line_no}: only {left.normalize():f} left on {source.number}.",
                code=ErrorCode.OVER_SOURCE,
                fields={f"lines[{line.line_no - 1}].quantity": [f"at most {left.normalize():f}"]},
            )


def _settle_source(tenant: Organization, note: Document, source: Document) -> None:
    """A credit note first pays what is open on its invoice (a debit note on its bill); the
    rest is the party's credit. `source` is locked already (with the note)."""
    amount = min(note.gross, source.open_amount)
    if amount <= 0:
        return
    settle(source, amount, functional_share(source, amount))
    share = functional(tenant, note, amount) if amount < note.gross else note.gross_functional
    settle(note, amount, share)
