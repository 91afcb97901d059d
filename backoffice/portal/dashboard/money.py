"""The client dashboard's money: what this month costs so far (billing's month-to-date
estimate per contract) and the invoices and statements issued, with what is still open.

Only for viewers who may see invoices (`Perm.VIEW_BILLING`, which a client admin can
withhold per member). Billed figures are per contract, not per engagement: a member
limited to some engagements who may see invoices sees the whole bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from backoffice.billing import selectors as billing_selectors
from backoffice.billing.models import BillingInvoice
from backoffice.commerce.models import Document
from backoffice.core.errors import NotFound
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

RECENT_INVOICES = 12


@dataclass(frozen=True)
class InvoiceRow:
    invoice: BillingInvoice
    document: Document | None

    @property
    def total(self) -> int:
        return self.invoice.charges_total - self.invoice.credits_total

    @property
    def open_amount(self) -> int | None:
        d = self.document
        return None if d is None else d.gross - d.settled

    @property
    def is_open(self) -> bool:
        return bool(self.open_amount)


def read_tenants(access: TenantAccess) -> list[int]:
    """The client's rows and the provider's (its invoices to this client live in the
    provider's books); the queries below still read only this client's."""
    return [access.tenant.pk, *([access.tenant.provider_id] if access.tenant.provider_id else [])]


def estimates(
    access: TenantAccess, *, now: datetime | None = None
) -> list[billing_selectors.Estimate]:
    """Month to date per active contract of the client (nothing is written)."""
    if not access.can(Perm.VIEW_BILLING):
        return []
    now = now or timezone.now()
    contracts = billing_selectors.contracts(access).filter(is_active=True).order_by("name")
    return [billing_selectors.month_to_date(access, c.pk, now=now) for c in contracts]


def invoices(access: TenantAccess) -> list[InvoiceRow]:
    """The client's issued invoices, newest first, each with its posted document."""
    if not access.can(Perm.VIEW_BILLING):
        return []
    rows = list(billing_selectors.invoices(access)[:RECENT_INVOICES])
    docs = _documents(access, [r.document_id for r in rows if r.document_id])
    return [InvoiceRow(r, docs.get(r.document_id or 0)) for r in rows]


def _documents(access: TenantAccess, ids: list[int]) -> dict[int, Document]:
    provider = access.tenant.provider_id
    if not ids or provider is None:
        return {}
    return {d.pk: d for d in Document.objects.for_tenant(provider).filter(pk__in=ids)}


def access_invoice_document(access: TenantAccess, invoice_id: int) -> Document:
    """The posted document of one of the client's issued invoices (another client's
    invoice, a draft or a missing one: the same 404)."""
    inv = billing_selectors.access_invoice_by_id(access, invoice_id)
    found = _documents(access, [inv.document_id] if inv.document_id else [])
    if not found:
        raise NotFound("This invoice has no document yet.")
    return next(iter(found.values()))
