"""Reads, always scoped to one tenant: a person's preferences, the outbound log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from backoffice.conversations.selectors import reads_notes
from backoffice.notifications.models import Kind, Mode, OutboundEmail, Preference
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

DEFAULT_MODE = Mode.IMMEDIATELY


@dataclass(frozen=True)
class Choice:
    kind: str
    label: str
    mode: str
    mode_label: str


def modes_of(*, tenant_id: int, user_id: int) -> dict[str, str]:
    """Every kind's mode for the person in that tenant (unset: immediately)."""
    modes = {kind: DEFAULT_MODE.value for kind in Kind.values}
    rows = Preference.objects.for_tenant(tenant_id).filter(user_id=user_id)
    modes.update({p.kind: p.mode for p in rows})
    return modes


def preferences(access: TenantAccess) -> list[Choice]:
    modes = modes_of(tenant_id=access.tenant.pk, user_id=access.user.pk)
    return [
        Choice(
            kind=k.value, label=k.label, mode=modes[k.value], mode_label=Mode(modes[k.value]).label
        )
        for k in Kind
    ]


def sees_everyones_mail(access: TenantAccess) -> bool:
    """Who reads the whole tenant's outbound log: the provider's staff who read its audit
    trail and its internal notes (the log names the mails about notes; a client's admin
    sees only the mails sent to them)."""
    return access.can(Perm.VIEW_AUDIT) and reads_notes(access, access.tenant.pk)


def outbound_log(access: TenantAccess) -> QuerySet[OutboundEmail]:
    """The mails sent in this tenant: one's own, or everyone's for those who read the audit."""
    rows = OutboundEmail.objects.for_tenant(access.tenant).select_related("user")
    if not sees_everyones_mail(access):
        rows = rows.filter(user=access.user)
    return rows.order_by("-created_at", "-pk")
