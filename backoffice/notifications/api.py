"""Notifications API: the caller's email preferences and the log of mails sent.

Thin: the same selectors and services as the pages. Preferences are the caller's own, in
the tenant the token (or `X-Tenant`) names; PUT sets the kinds it names and is idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from backoffice.api.pagination import Page
from backoffice.notifications import selectors, services
from backoffice.notifications.models import Mode
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["notifications"])


def caller(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    return access


class PreferenceOut(Schema):
    kind: str = Field(..., description="messages | mentions")
    label: str
    mode: str = Field(..., description="immediately | digest | off")


class PreferencesOut(Schema):
    preferences: list[PreferenceOut]


class PreferencesIn(Schema):
    messages: Mode | None = Field(None, description="New messages in conversations")
    mentions: Mode | None = Field(None, description="Someone mentions me")


class OutboundOut(Schema):
    id: int
    to_address: str
    sort: str
    subject: str
    message_id: str
    status: str
    attempts: int
    thread_id: int | None
    created_at: datetime
    sent_at: datetime | None


def _preferences(access: TenantAccess) -> dict[str, Any]:
    rows = selectors.preferences(access)
    return {"preferences": [{"kind": c.kind, "label": c.label, "mode": c.mode} for c in rows]}


@router.get("/preferences", response=PreferencesOut)
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    """How the caller hears of new messages in this tenant (unset kinds: immediately)."""
    return _preferences(caller(request))


@router.put("/preferences", response=PreferencesOut)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    """Set the modes named (immediately, digest or off); others keep theirs."""
    access = caller(request)
    modes = {k: str(v.value) for k, v in payload.dict(exclude_none=True).items()}
    services.set_preferences(access=access, modes=modes)
    return _preferences(access)


@router.get("/outbound", response=list[OutboundOut])
@paginate(Page)
def list_outbound(request: HttpRequest) -> Any:
    """Mails sent in this tenant: the caller's own (everyone's for those who read the audit)."""
    return selectors.outbound_log(caller(request))
