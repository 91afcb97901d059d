"""The audit events billing writes: one builder per kind, each action named here once.

The action names and the shapes of `before`/`after` are part of the audit trail (hashed
into the provider's chain), so they never change for an existing action. A service builds
its event here and records it with `record` inside its own transaction.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from django.db import models

    from backoffice.billing.models import (
        BillingInvoice,
        BillingRun,
        Contract,
        ContractVersion,
        Dispute,
        RetainerMovement,
    )
    from backoffice.tenancy.models import Organization, User


class Action(StrEnum):
    CONTRACT_CREATED = "billing.contract_created"
    VERSION_ADDED = "billing.version_added"
    VERSION_ENDED = "billing.version_ended"
    RUN_STARTED = "billing.run_started"
    RUN_FINISHED = "billing.run_finished"
    INVOICE_DRAFTED = "billing.invoice_drafted"
    INVOICE_ADJUSTED = "billing.invoice_adjusted"
    INVOICE_APPROVED = "billing.invoice_approved"
    INVOICE_ISSUED = "billing.invoice_issued"
    RETAINER_RECEIVED = "billing.retainer_received"
    INVOICE_CREDITED = "billing.invoice_credited"


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


def contract_created(c: Contract, engagement_ids: list[int]) -> PendingEvent:
    return _event(
        Action.CONTRACT_CREATED,
        c,
        after={
            "code": c.code,
            "client": c.client_id,
            "currency": c.currency,
            "payment_terms_days": c.payment_terms_days,
            "engagements": engagement_ids,
            "bill_cancelled_items": c.bill_cancelled_items,
        },
    )


describe(Action.CONTRACT_CREATED, "Contract {after[code]} created")


def version_added(v: ContractVersion, charges: list[dict[str, Any]]) -> PendingEvent:
    return _event(
        Action.VERSION_ADDED,
        v,
        after={
            "contract": v.contract_id,
            "number": v.number,
            "effective_from": v.effective_from.isoformat(),
            "effective_to": v.effective_to.isoformat() if v.effective_to else None,
            "minimum_commitment": v.minimum_commitment,
            "recurring_fee": v.recurring_fee,
            "setup_fee": v.setup_fee,
            "charges": charges,
        },
    )


describe(
    Action.VERSION_ADDED,
    "Rate card {after[number]} added, effective from {after[effective_from]}",
    labels={"effective_from": "Effective from", "effective_to": "Effective to"},
)


def version_ended(v: ContractVersion, before: str | None) -> PendingEvent:
    after = v.effective_to.isoformat() if v.effective_to else None
    return _event(
        Action.VERSION_ENDED, v, before={"effective_to": before}, after={"effective_to": after}
    )


describe(Action.VERSION_ENDED, "Rate card {object} ended on {after[effective_to]}")


def run_started(run: BillingRun) -> PendingEvent:
    return _event(
        Action.RUN_STARTED,
        run,
        after={"period": run.period.isoformat(), "client": run.client_id},
    )


describe(Action.RUN_STARTED, "Billing run for {after[period]} started")


def run_finished(run: BillingRun) -> PendingEvent:
    return _event(
        Action.RUN_FINISHED,
        run,
        after={
            "status": run.status,
            "contracts": run.contracts_total,
            "invoices_created": run.invoices_created,
        },
    )


describe(
    Action.RUN_FINISHED,
    "Billing run {after[status]}: {after[invoices_created]} invoices drafted",
)


def _invoice_state(inv: BillingInvoice) -> dict[str, Any]:
    return {
        "contract": inv.contract_id,
        "period": inv.period.isoformat(),
        "status": inv.status,
        "charges_total": inv.charges_total,
        "credits_total": inv.credits_total,
        "document": inv.document_id,
    }


def invoice_drafted(inv: BillingInvoice, items: int) -> PendingEvent:
    return _event(Action.INVOICE_DRAFTED, inv, after={**_invoice_state(inv), "items": items})


describe(Action.INVOICE_DRAFTED, "Billing invoice {object} drafted")


def invoice_adjusted(inv: BillingInvoice, amount: int, description: str) -> PendingEvent:
    return _event(
        Action.INVOICE_ADJUSTED,
        inv,
        after={**_invoice_state(inv), "adjustment": amount, "description": description},
    )


describe(Action.INVOICE_ADJUSTED, "Billing invoice {object} adjusted: {after[description]}")


def invoice_approved(inv: BillingInvoice) -> PendingEvent:
    return _event(
        Action.INVOICE_APPROVED, inv, before={"status": "draft"}, after=_invoice_state(inv)
    )


describe(Action.INVOICE_APPROVED, "Billing invoice {object} approved")


def invoice_issued(inv: BillingInvoice) -> PendingEvent:
    return _event(
        Action.INVOICE_ISSUED,
        inv,
        before={"status": "approved"},
        after={
            **_invoice_state(inv),
            "credit_note": inv.credit_note_id,
            "retainer_drawn": inv.retainer_drawn,
            "client_bill": inv.client_bill_id,
        },
    )


describe(Action.INVOICE_ISSUED, "Billing invoice {object} issued")


def retainer_received(m: RetainerMovement) -> PendingEvent:
    return _event(
        Action.RETAINER_RECEIVED,
        m,
        after={"contract": m.contract_id, "day": m.day.isoformat(), "amount": m.amount},
    )


describe(Action.RETAINER_RECEIVED, "Retainer received on {after[day]}")


def invoice_credited(d: Dispute) -> PendingEvent:
    return _event(
        Action.INVOICE_CREDITED,
        d,
        after={
            "invoice": d.invoice_id,
            "amount": d.amount,
            "reason": d.reason,
            "credit_note": d.credit_note_id,
            "client_debit_note": d.client_debit_note_id,
        },
    )


describe(Action.INVOICE_CREDITED, "Billing invoice credited after a dispute: {after[reason]}")
