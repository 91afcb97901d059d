"""The audit events commerce writes: one function per kind, each building its event.

The action names and the shapes of `before`/`after` are part of the audit trail (they are
hashed into the tenant's chain and read by auditors), so they are written here once and
never change for an existing action. A service builds its event with one of these and
records it with `record`, inside its own transaction (or hands the builder to the posting
tail, `services._tail.post_and_record`, when the event follows a ledger posting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from backoffice.commerce.models import (
        CommerceSettings,
        CreditApplication,
        Document,
        DocumentCounter,
        DocumentSeries,
        Location,
        Party,
        Payment,
        PostingAccount,
        Product,
        Refund,
        StockMove,
        TaxRate,
    )
    from backoffice.tenancy.models import Organization, User


class Action(StrEnum):
    SETTINGS_UPDATED = "commerce.settings_updated"
    POSTING_RULE_SET = "commerce.posting_rule_set"
    PARTY_CREATED = "commerce.party_created"
    PARTY_UPDATED = "commerce.party_updated"
    TAX_RATE_CREATED = "commerce.tax_rate_created"
    TAX_RATE_UPDATED = "commerce.tax_rate_updated"
    SERIES_NUMBERED = "commerce.series_numbered"
    SERIES_PREFIX_SET = "commerce.series_prefix_set"
    PRODUCT_CREATED = "commerce.product_created"
    LOCATION_CREATED = "commerce.location_created"
    STOCK_ADJUSTED = "commerce.stock_adjusted"
    STOCK_TRANSFERRED = "commerce.stock_transferred"
    DOCUMENT_CREATED = "commerce.document_created"
    DOCUMENT_UPDATED = "commerce.document_updated"
    DOCUMENT_ISSUED = "commerce.document_issued"
    DOCUMENT_CANCELLED = "commerce.document_cancelled"
    PAYMENT_RECORDED = "commerce.payment_recorded"
    CREDIT_APPLIED = "commerce.credit_applied"
    CREDIT_UNAPPLIED = "commerce.credit_unapplied"
    CREDIT_REFUNDED = "commerce.credit_refunded"


def record(*, tenant: Organization, actor: User | None, event: PendingEvent) -> None:
    """Append the event to the tenant's chain, in the caller's transaction."""
    record_events(tenant=tenant, actor=actor, events=[event])


def _event(
    action: Action, obj: models.Model, *, before: Any = None, after: Any = None
) -> PendingEvent:
    return PendingEvent(
        action=action.value,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
    )


# --- settings, parties, catalogue ------------------------------------------------------------


def settings_state(s: CommerceSettings) -> dict[str, Any]:
    return {
        "valuation": s.valuation,
        "allow_negative_stock": s.allow_negative_stock,
        "tax_rounding": s.tax_rounding,
    }


def settings_updated(s: CommerceSettings, *, before: Mapping[str, Any]) -> PendingEvent:
    return _event(Action.SETTINGS_UPDATED, s, before=dict(before), after=settings_state(s))


describe(Action.SETTINGS_UPDATED, "Commerce settings updated")


def posting_rule_set(rule: PostingAccount) -> PendingEvent:
    return _event(
        Action.POSTING_RULE_SET, rule, after={"key": rule.key, "account_code": rule.account_code}
    )


describe(
    Action.POSTING_RULE_SET,
    "Posting account for {after[key]} set to {after[account_code]}",
    labels={"key": "Posting"},
)


def party_created(party: Party) -> PendingEvent:
    return _event(
        Action.PARTY_CREATED,
        party,
        after={"code": party.code, "name": party.name, "tax_id": party.tax_id},
    )


describe(Action.PARTY_CREATED, "Party “{after[name]}” created")


def party_updated(party: Party, *, before: Mapping[str, Any]) -> PendingEvent:
    """`before` holds the changed fields' old values; both sides are written as text."""
    return _event(
        Action.PARTY_UPDATED,
        party,
        before={k: str(v) for k, v in before.items()},
        after={k: str(getattr(party, k)) for k in before},
    )


describe(Action.PARTY_UPDATED, "Party {object} updated")


def tax_rate_created(tax: TaxRate) -> PendingEvent:
    return _event(Action.TAX_RATE_CREATED, tax, after={"code": tax.code, "rate": str(tax.rate)})


describe(Action.TAX_RATE_CREATED, "Tax rate {after[code]} ({after[rate]}%) created")


def tax_rate_state(tax: TaxRate) -> dict[str, Any]:
    return {
        "name": tax.name,
        "rate": f"{Decimal(tax.rate).normalize():f}",
        "sales_account": tax.sales_account,
        "purchase_account": tax.purchase_account,
        "is_active": tax.is_active,
    }


def tax_rate_updated(tax: TaxRate, *, before: Mapping[str, Any]) -> PendingEvent:
    return _event(
        Action.TAX_RATE_UPDATED,
        tax,
        before=dict(before),
        after={"code": tax.code, **tax_rate_state(tax)},
    )


describe(Action.TAX_RATE_UPDATED, "Tax rate {after[code]} updated")


def series_numbered(counter: DocumentCounter, *, before_last: int) -> PendingEvent:
    """A series' numbering for a year moved on: the next number given is `last + 1`."""
    return _event(
        Action.SERIES_NUMBERED,
        counter,
        before={"last": before_last},
        after={"series": counter.series, "year": counter.year, "last": counter.last},
    )


describe(
    Action.SERIES_NUMBERED,
    "Numbering of series {after[series]} for {after[year]} set to continue after {after[last]}",
    labels={"last": "Last number given"},
)


def series_prefix_set(series: DocumentSeries, *, before: str) -> PendingEvent:
    """Documents of a kind are numbered under another prefix from now on."""
    return _event(
        Action.SERIES_PREFIX_SET,
        series,
        before={"prefix": before},
        after={"kind": series.kind, "prefix": series.prefix},
    )


describe(
    Action.SERIES_PREFIX_SET,
    "Documents of kind {after[kind]} numbered under {after[prefix]} from now on",
    kinds={"kind": "code"},
)


def product_created(product: Product) -> PendingEvent:
    return _event(
        Action.PRODUCT_CREATED,
        product,
        after={
            "sku": product.sku,
            "kind": product.kind,
            "sale_price": product.sale_price,
            "cost": product.cost,
        },
    )


describe(
    Action.PRODUCT_CREATED,
    "Product {after[sku]} created",
    kinds={"sale_price": "money", "cost": "money"},
)


def location_created(location: Location) -> PendingEvent:
    return _event(
        Action.LOCATION_CREATED,
        location,
        after={"warehouse": location.warehouse.code, "code": location.code},
    )


describe(Action.LOCATION_CREATED, "Location {after[warehouse]}/{after[code]} created")


# --- stock -----------------------------------------------------------------------------------


def stock_adjusted(move: StockMove, *, quantity: Decimal) -> PendingEvent:
    return _event(
        Action.STOCK_ADJUSTED,
        move,
        after={
            "product": move.product.sku,
            "location": str(move.location),
            "quantity": str(quantity),
            "value": move.value,
        },
    )


describe(
    Action.STOCK_ADJUSTED,
    "Stock of {after[product]} at {after[location]} adjusted by {after[quantity]}",
    kinds={"value": "money"},
)


def stock_transferred(into: StockMove, *, source: Location, quantity: Decimal) -> PendingEvent:
    """Recorded on the incoming move of the pair."""
    return _event(
        Action.STOCK_TRANSFERRED,
        into,
        after={
            "product": into.product.sku,
            "from": str(source),
            "to": str(into.location),
            "quantity": str(quantity),
        },
    )


describe(
    Action.STOCK_TRANSFERRED,
    "{after[quantity]} of {after[product]} moved from {after[from]} to {after[to]}",
)


# --- documents -------------------------------------------------------------------------------


# How the audit pages show a document state's amounts (`audit.descriptions`).
DOCUMENT_MONEY = {"net": "money", "tax": "money", "gross": "money"}


def document_state(doc: Document) -> dict[str, Any]:
    """What the trail keeps of a document, before and after a change."""
    return {
        "kind": doc.kind,
        "status": doc.status,
        "number": doc.number,
        "party": doc.party_id,
        "date": str(doc.date),
        "currency": doc.currency,
        "net": doc.net,
        "tax": doc.tax,
        "gross": doc.gross,
    }


def document_created(doc: Document) -> PendingEvent:
    return _event(Action.DOCUMENT_CREATED, doc, after=document_state(doc))


describe(Action.DOCUMENT_CREATED, "Document {object} created", kinds=DOCUMENT_MONEY)


def document_updated(doc: Document, *, before: Mapping[str, Any]) -> PendingEvent:
    return _event(Action.DOCUMENT_UPDATED, doc, before=dict(before), after=document_state(doc))


describe(Action.DOCUMENT_UPDATED, "Document {object} updated", kinds=DOCUMENT_MONEY)


def document_issued(doc: Document) -> PendingEvent:
    return _event(
        Action.DOCUMENT_ISSUED,
        doc,
        after={**document_state(doc), "journal_entry": doc.journal_entry_id},
    )


describe(Action.DOCUMENT_ISSUED, "{after[kind]} {after[number]} issued", kinds=DOCUMENT_MONEY)


def document_cancelled(doc: Document) -> PendingEvent:
    return _event(Action.DOCUMENT_CANCELLED, doc, after=document_state(doc))


describe(Action.DOCUMENT_CANCELLED, "Document {object} cancelled", kinds=DOCUMENT_MONEY)


# --- money: payments, credit, refunds --------------------------------------------------------


def payment_recorded(payment: Payment, *, plan: Sequence[tuple[Document, int]]) -> PendingEvent:
    """`plan` is what the payment settled: each document with the amount allocated to it."""
    return _event(
        Action.PAYMENT_RECORDED,
        payment,
        after={
            "number": payment.number,
            "direction": payment.direction,
            "party": payment.party_id,
            "amount": payment.amount,
            "currency": payment.currency,
            "unallocated": payment.unallocated,
            "allocations": [[d.number, a] for d, a in plan],
        },
    )


describe(
    Action.PAYMENT_RECORDED,
    "Payment {after[number]} recorded ({after[direction]})",
    kinds={"amount": "money", "unallocated": "money", "allocations": "allocations"},
    labels={"unallocated": "Kept as credit", "allocations": "Settled"},
)


def credit_applied(app: CreditApplication, *, source: str) -> PendingEvent:
    """`source` names the credit: the payment's number or the credit (debit) note."""
    doc = app.document
    return _event(
        Action.CREDIT_APPLIED,
        app,
        after={
            "document": doc.number,
            "source": source,
            "amount": app.amount,
            "currency": doc.currency,
            "open_after": doc.open_amount,
        },
    )


describe(
    Action.CREDIT_APPLIED,
    "Credit from {after[source]} applied to {after[document]}",
    kinds={"amount": "money", "open_after": "money"},
)


def credit_unapplied(app: CreditApplication, *, source: str, day: date) -> PendingEvent:
    doc = app.document
    return _event(
        Action.CREDIT_UNAPPLIED,
        app,
        before={"document": doc.number, "source": source, "amount": app.amount},
        after={"open_after": doc.open_amount, "date": str(day)},
    )


describe(
    Action.CREDIT_UNAPPLIED,
    "Credit from {before[source]} taken back from {before[document]}",
    kinds={"amount": "money", "open_after": "money"},
)


def credit_refunded(refund: Refund, *, source: Document | Payment, left: int) -> PendingEvent:
    """`left` is the credit still open on `source` after the refund."""
    return _event(
        Action.CREDIT_REFUNDED,
        refund,
        after={
            "number": refund.number,
            "party": source.party_id,
            "source": source.number,
            "amount": refund.amount,
            "currency": refund.currency,
            "credit_left": left,
        },
    )


describe(
    Action.CREDIT_REFUNDED,
    "Refund {after[number]} of the credit on {after[source]}",
    kinds={"amount": "money", "credit_left": "money"},
)
