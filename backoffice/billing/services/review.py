"""A drafted invoice's review (adjust, approve, issue), the prepaid retainer, and credits
against an issued invoice (disputes).

Issuing posts, in one transaction: the commerce invoice in the provider's books (revenue
per service through each charge's product, tax, receivable); a credit note with one line
per service-level credit or negative adjustment (a reduction of revenue); the retainer
drawn down (the retainer liability pays the receivable); and, when the client keeps its
books here, the same in theirs: a bill from the provider (expense, payable), a debit note
for the credits, the prepaid retainer (1400) paying the bill.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from backoffice.billing import events, metering
from backoffice.billing.error_codes import ErrorCode
from backoffice.billing.models import (
    BillingInvoice,
    Contract,
    Dispute,
    RetainerMovement,
    UsageLine,
)
from backoffice.billing.services.contracts import keeps_books
from backoffice.billing.services.drafting import sync_document, totals
from backoffice.commerce import posting
from backoffice.commerce import services as commerce
from backoffice.commerce.models import Document, Party, PaymentDirection, TaxRate
from backoffice.core.dates import check_date
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.core.numbers import MAX_AMOUNT
from backoffice.core.rls import set_rls_tenants
from backoffice.ledger.models import Account
from backoffice.ledger.services import post_journal_entry
from backoffice.ledger.services.validation import EntryIn, LineIn
from backoffice.tenancy.models import Organization, User

# The client's own account for what it prepaid its provider (general chart: prepaid expenses).
CLIENT_PREPAID_ACCOUNT = "1400"


def _locked_invoice(tenant: Organization, invoice_id: int) -> BillingInvoice:
    inv = (
        BillingInvoice.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=invoice_id)
        .select_related("contract", "contract__client", "contract__tenant")
        .first()
    )
    if inv is None:
        raise NotFound("No such invoice.")
    set_rls_tenants([inv.tenant_id, inv.client_id])
    return inv


def _amount(value: object, *, signed: bool = False) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool)
    if ok and signed:
        ok = value != 0 and abs(value) <= MAX_AMOUNT  # type: ignore[operator,arg-type]
    elif ok:
        ok = 0 < value <= MAX_AMOUNT  # type: ignore[operator]
    if not ok:
        raise DomainError(
            "The amount is not valid.",
            code=ErrorCode.INVALID_AMOUNT,
            fields={"amount": ["a non-zero amount" if signed else "a positive amount"]},
        )
    return value  # type: ignore[return-value]


def adjust_invoice(
    *, tenant: Organization, actor: User | None, invoice_id: int, amount: int, description: str
) -> BillingInvoice:
    """Add a line to a draft (a charge, or a negative amount for a credit); the commerce
    draft follows."""
    _amount(amount, signed=True)
    if not description.strip():
        raise DomainError("Say what the adjustment is for.", fields={"description": ["required"]})
    with transaction.atomic():
        inv = _locked_invoice(tenant, invoice_id)
        if inv.status != BillingInvoice.Status.DRAFT:
            raise Conflict(
                "Only a draft invoice can be adjusted.",
                code=ErrorCode.INVOICE_NOT_DRAFT,
                fields={"amount": ["the invoice is no longer a draft"]},
            )
        lines = list(
            UsageLine.objects.for_tenant(tenant).filter(invoice=inv).select_related("charge")
        )
        last = max((ln.line_no for ln in lines), default=0)
        new = UsageLine(
            tenant=tenant,
            client_id=inv.client_id,
            invoice=inv,
            contract=inv.contract,
            line_no=last + 1,
            kind=UsageLine.Kind.ADJUSTMENT,
            description=description.strip()[:300],
            amount=amount,
            quantity=1,
        )
        charges, credits = totals([*lines, new])
        if credits > charges:
            raise DomainError(
                "The credits would be more than the charges.",
                code=ErrorCode.INVALID_AMOUNT,
                fields={"amount": ["at most the invoice's total"]},
            )
        new.save()
        inv.charges_total, inv.credits_total = charges, credits
        inv.document = sync_document(inv, inv.contract, [*lines, new], actor=actor)
        inv.save(update_fields=["charges_total", "credits_total", "document"])
        event = events.invoice_adjusted(inv, amount, new.description)
        events.record(tenant=tenant, actor=actor, event=event)
    return inv


def approve_invoice(*, tenant: Organization, actor: User | None, invoice_id: int) -> BillingInvoice:
    with transaction.atomic():
        inv = _locked_invoice(tenant, invoice_id)
        if inv.status == BillingInvoice.Status.APPROVED:
            raise Conflict("The invoice is already approved.", code=ErrorCode.ALREADY_APPROVED)
        if inv.status == BillingInvoice.Status.ISSUED:
            raise Conflict("The invoice is already issued.", code=ErrorCode.ALREADY_ISSUED)
        inv.status = BillingInvoice.Status.APPROVED
        inv.approved_by = actor if actor is not None and actor.is_authenticated else None
        inv.approved_at = timezone.now()
        inv.save(update_fields=["status", "approved_by", "approved_at"])
        events.record(tenant=tenant, actor=actor, event=events.invoice_approved(inv))
    return inv


def retainer_balance(contract: Contract) -> int:
    rows = dict(
        RetainerMovement.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract)
        .values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    return (rows.get("receipt") or 0) - (rows.get("drawdown") or 0)


def _supplier(client: Organization, provider: Organization, currency: str) -> Party:
    """The provider as a supplier in the client's books (made on first use)."""
    found = Party.objects.for_tenant(client).filter(code=provider.slug[:30]).first()
    if found is not None:
        return found
    return commerce.create_party(
        tenant=client,
        actor=None,
        code=provider.slug[:30],
        name=provider.name,
        currency=currency,
        is_customer=False,
        is_supplier=True,
    )


def _has_account(org: Organization, code: str) -> bool:
    return Account.objects.for_tenant(org).filter(code=code, is_active=True).exists()


def _note_specs(
    contract: Contract, lines: Sequence[UsageLine], taxes: list[str]
) -> list[commerce.LineSpec]:
    return [
        commerce.LineSpec(
            quantity=1, unit_price=-ln.amount, description=ln.description, tax_codes=taxes
        )
        for ln in lines
        if ln.amount < 0
    ]


def _debit_specs(
    bill: Document, amounts: Sequence[tuple[str, int]], taxes: list[str]
) -> list[commerce.LineSpec]:
    """Debit-note lines against the client's bill. A debit note corrects lines of its bill
    (commerce's rule), so each line takes a thousandth of the bill's first line at a
    thousand times the amount: exactly the amount, and room for a thousand credits."""
    first = bill.lines.order_by("line_no").first()
    assert first is not None
    return [
        commerce.LineSpec(
            quantity=Decimal("0.001"),
            unit_price=amount * 1000,
            description=text,
            tax_codes=taxes,
            source_line_id=first.pk,
        )
        for text, amount in amounts
    ]


def _client_taxes(client: Organization, contract: Contract) -> list[str]:
    if (
        contract.tax_code
        and TaxRate.objects.for_tenant(client).filter(code=contract.tax_code).exists()
    ):
        return [contract.tax_code]
    return []


def issue_invoice(*, tenant: Organization, actor: User | None, invoice_id: int) -> BillingInvoice:
    """Post an approved invoice in both books (see the module's docstring)."""
    with transaction.atomic():
        inv = _locked_invoice(tenant, invoice_id)
        if inv.status == BillingInvoice.Status.ISSUED:
            raise Conflict("The invoice is already issued.", code=ErrorCode.ALREADY_ISSUED)
        if inv.status != BillingInvoice.Status.APPROVED:
            raise DomainError("Approve the invoice before issuing it.", code=ErrorCode.NOT_APPROVED)
        contract = inv.contract
        lines = list(UsageLine.objects.for_tenant(tenant).filter(invoice=inv).order_by("line_no"))
        day = metering.month_end(inv.period)
        if inv.document_id is not None:
            doc = commerce.issue_document(tenant=tenant, actor=actor, document_id=inv.document_id)
            taxes = [contract.tax_code] if contract.tax_code else []
            notes = _note_specs(contract, lines, taxes)
            if notes:
                inv.credit_note = _issue_new(
                    tenant, actor, kind="credit_note", party_id=contract.customer_id, day=day,
                    lines=notes, source_id=doc.pk, currency=contract.currency,
                )  # fmt: skip
            _draw_retainer(inv, contract, actor, day)
            if keeps_books(contract.client):
                _client_books(inv, contract, lines, day)
        inv.status = BillingInvoice.Status.ISSUED
        inv.issued_at = timezone.now()
        inv.save()
        events.record(tenant=tenant, actor=actor, event=events.invoice_issued(inv))
    return inv


def _issue_new(tenant: Organization, actor: User | None, **kw: object) -> Document:
    draft = commerce.create_document(tenant=tenant, actor=actor, **kw)  # type: ignore[arg-type]
    return commerce.issue_document(tenant=tenant, actor=actor, document_id=draft.pk)


def _draw_retainer(inv: BillingInvoice, contract: Contract, actor: User | None, day: date) -> None:
    """The retainer pays what is open on the invoice, as far as it goes."""
    if not contract.retainer_account or inv.document_id is None:
        return
    doc = Document.objects.for_tenant(inv.tenant_id).get(pk=inv.document_id)
    drawn = min(retainer_balance(contract), doc.open_amount)
    if drawn <= 0:
        return
    pay = commerce.record_payment(
        tenant=contract.tenant,
        actor=actor,
        direction=PaymentDirection.RECEIVED,
        party_id=contract.customer_id,
        day=day,
        amount=drawn,
        currency=contract.currency,
        allocations=[(doc.pk, drawn)],
        bank_account=contract.retainer_account,
        reference=f"Retainer drawn for {doc.number}"[:60],
    )
    RetainerMovement.objects.create(
        tenant_id=inv.tenant_id,
        client_id=inv.client_id,
        contract=contract,
        kind=RetainerMovement.Kind.DRAWDOWN,
        day=day,
        amount=drawn,
        invoice=inv,
        payment=pay,
    )
    inv.retainer_drawn, inv.retainer_payment = drawn, pay


def _client_books(
    inv: BillingInvoice, contract: Contract, lines: Sequence[UsageLine], day: date
) -> None:
    """The matching bill (and debit note, and prepaid drawdown) in the client's books."""
    client, provider = contract.client, contract.tenant
    supplier = _supplier(client, provider, contract.currency)
    taxes = _client_taxes(client, contract)
    doc = Document.objects.for_tenant(provider).get(pk=inv.document_id)
    specs = [
        commerce.LineSpec(
            quantity=1, unit_price=ln.amount, description=ln.description, tax_codes=taxes
        )
        for ln in lines
        if ln.amount > 0
    ]
    bill = _issue_new(
        client, None, kind="bill", party_id=supplier.pk, day=day, lines=specs,
        currency=contract.currency, reference=doc.number, due_date=doc.due_date,
    )  # fmt: skip
    inv.client_bill = bill
    credits = [(ln.description, -ln.amount) for ln in lines if ln.amount < 0]
    if credits:
        inv.client_debit_note = _issue_new(
            client, None, kind="debit_note", party_id=supplier.pk, day=day,
            lines=_debit_specs(bill, credits, taxes), source_id=bill.pk,
            currency=contract.currency,
        )  # fmt: skip
    if inv.retainer_drawn and _has_account(client, CLIENT_PREPAID_ACCOUNT):
        bill.refresh_from_db()
        commerce.record_payment(
            tenant=client,
            actor=None,
            direction=PaymentDirection.MADE,
            party_id=supplier.pk,
            day=day,
            amount=min(inv.retainer_drawn, bill.open_amount),
            currency=contract.currency,
            allocations=[(bill.pk, min(inv.retainer_drawn, bill.open_amount))],
            bank_account=CLIENT_PREPAID_ACCOUNT,
            reference=f"Retainer drawn by {doc.number}"[:60],
        )


def receive_retainer(
    *,
    tenant: Organization,
    actor: User | None,
    contract_id: int,
    amount: int,
    day: date,
    bank_account: str = "",
) -> RetainerMovement:
    """Money a client prepaid: into the bank and onto the retainer liability (not revenue);
    in the client's books, when kept here, from its bank onto prepaid expenses."""
    _amount(amount)
    check_date(day, field="day")
    contract = (
        Contract.objects.for_tenant(tenant).filter(pk=contract_id).select_related("client").first()
    )
    if contract is None:
        raise NotFound("No such contract.")
    if not contract.retainer_account:
        raise DomainError(
            "The contract has no retainer account: name the liability account that holds it.",
            fields={"retainer_account": ["required for a retainer"]},
        )
    if contract.currency != tenant.currency:
        raise DomainError(
            f"A retainer is held in {tenant.currency}, the currency of your books.",
            fields={"amount": [f"only in {tenant.currency}"]},
        )
    with transaction.atomic():
        set_rls_tenants([tenant.pk, contract.client_id])
        bank = bank_account or posting.rules(tenant)["payment.bank"]
        n = (RetainerMovement.objects.for_tenant(tenant).aggregate(n=Max("id"))["n"] or 0) + 1
        je = post_journal_entry(
            tenant=tenant,
            actor=actor,
            entry=EntryIn(
                date=day,
                lines=[LineIn(bank, amount), LineIn(contract.retainer_account, -amount)],
                memo=f"Retainer received from {contract.client.name}",
                source_ref=contract.code,
            ),
        )
        movement = RetainerMovement.objects.create(
            tenant=tenant,
            client_id=contract.client_id,
            contract=contract,
            kind=RetainerMovement.Kind.RECEIPT,
            day=day,
            amount=amount,
            journal_entry=je,
        )
        client = contract.client
        if _has_account(client, CLIENT_PREPAID_ACCOUNT) and contract.currency == client.currency:
            post_journal_entry(
                tenant=client,
                actor=None,
                entry=EntryIn(
                    date=day,
                    lines=[
                        LineIn(CLIENT_PREPAID_ACCOUNT, amount),
                        LineIn(posting.rules(client)["payment.bank"], -amount),
                    ],
                    memo=f"Retainer prepaid to {tenant.name}",
                    source_ref=f"{contract.code}-{n}",
                ),
            )
        events.record(tenant=tenant, actor=actor, event=events.retainer_received(movement))
    return movement


def credit_invoice(
    *,
    tenant: Organization,
    actor: User | None,
    invoice_id: int,
    reason: str,
    amount: int | None = None,
) -> Dispute:
    """Credit an issued invoice, in part (`amount`, before tax) or whole (what is left of it
    after earlier credits): a credit note in the provider's books and a debit note in the
    client's, when kept here."""
    if amount is not None:
        _amount(amount)
    if not reason.strip():
        raise DomainError("Give the reason for the credit.", fields={"reason": ["required"]})
    with transaction.atomic():
        inv = _locked_invoice(tenant, invoice_id)
        if inv.status != BillingInvoice.Status.ISSUED or inv.document_id is None:
            raise DomainError(
                "Only an issued invoice can be credited.", code=ErrorCode.INVALID_CREDIT
            )
        contract = inv.contract
        credited = (
            Document.objects.for_tenant(tenant)
            .filter(source_id=inv.document_id, kind="credit_note", status="issued")
            .aggregate(n=Sum("net"))["n"]
            or 0
        )
        doc = Document.objects.for_tenant(tenant).get(pk=inv.document_id)
        left = doc.net - credited
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise DomainError(
                "The credit is more than what is left of the invoice.",
                code=ErrorCode.INVALID_CREDIT,
                fields={"amount": [f"at most {left} (before tax)"]},
            )
        taxes = [contract.tax_code] if contract.tax_code else []
        spec = [
            commerce.LineSpec(
                quantity=1, unit_price=amount, description=reason.strip()[:300], tax_codes=taxes
            )
        ]
        day = max(timezone.localdate(), doc.date)
        note = _issue_new(
            tenant, actor, kind="credit_note", party_id=contract.customer_id, day=day,
            lines=spec, source_id=doc.pk, currency=contract.currency,
            reference=f"{doc.number} {inv.period:%Y-%m}"[:60],
        )  # fmt: skip
        debit = None
        if inv.client_bill_id is not None:
            client = contract.client
            bill = Document.objects.for_tenant(client).get(pk=inv.client_bill_id)
            specs = _debit_specs(
                bill, [(reason.strip()[:300], amount)], _client_taxes(client, contract)
            )
            supplier = _supplier(client, contract.tenant, contract.currency)
            debit = _issue_new(
                client, None, kind="debit_note", party_id=supplier.pk, day=day, lines=specs,
                source_id=bill.pk, currency=contract.currency,
            )  # fmt: skip
        dispute = Dispute.objects.create(
            tenant=tenant,
            client_id=inv.client_id,
            invoice=inv,
            amount=amount,
            reason=reason.strip()[:300],
            credit_note=note,
            client_debit_note=debit,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        events.record(tenant=tenant, actor=actor, event=events.invoice_credited(dispute))
    return dispute
