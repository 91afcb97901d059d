"""Webhook endpoints: add, change, rotate the secret. Every one audited, no secret in events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.delivery import crypto, events
from backoffice.delivery.error_codes import ErrorCode
from backoffice.delivery.models import EventType, WebhookEndpoint
from backoffice.delivery.targets import check_url
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

MAX_GRACE_HOURS = 168
DEFAULT_GRACE_HOURS = 24
_UNSET: Any = object()


def _clean_events(values: Any) -> list[str]:
    chosen = [v for v in (values or []) if v]
    known = set(EventType.values)
    unknown = [v for v in chosen if v not in known]
    if unknown or not chosen:
        words = ", ".join(f"{t.label.lower()} ({t.value})" for t in EventType)
        message = "Choose at least one event to be told about: " + words + "."
        raise DomainError(message, code=ErrorCode.INVALID_EVENTS, fields={"events": [message]})
    return [v for v in EventType.values if v in chosen]


def _require_client(access: TenantAccess) -> None:
    access.require(Perm.MANAGE_DELIVERY)
    if access.tenant.is_provider:
        raise DomainError(
            "Webhooks belong to a client: open the client's account to add one.",
            code=ErrorCode.NOT_A_CLIENT,
        )


def _refuse_duplicate(access: TenantAccess, url: str, *, exclude: int | None = None) -> None:
    same = WebhookEndpoint.objects.for_tenant(access.tenant).filter(url=url)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise Conflict(
            "There is already an endpoint with this address.",
            code=ErrorCode.ENDPOINT_EXISTS,
            fields={"url": ["already added"]},
        )


def create_endpoint(
    *,
    access: TenantAccess,
    url: str,
    event_types: list[str],
    description: str = "",
    is_active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it and its signing secret — the only time it is shown."""
    _require_client(access)
    clean_url = check_url(url)
    chosen = _clean_events(event_types)
    secret = crypto.new_secret()
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        _refuse_duplicate(access, clean_url)
        endpoint = WebhookEndpoint.objects.create(
            tenant=access.tenant,
            url=clean_url,
            description=description.strip()[:200],
            events=chosen,
            is_active=is_active,
            secret_encrypted=crypto.encrypt(secret),
            secret_hint=crypto.hint(secret),
            created_by=access.user,
        )
        events.record(
            tenant=access.tenant, actor=access.user, event=events.endpoint_created(endpoint)
        )
    return endpoint, secret


def update_endpoint(
    *,
    access: TenantAccess,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's address, events, description or switch it on or off."""
    _require_client(access)
    clean_url = check_url(url) if url is not None else None
    chosen = _clean_events(event_types) if event_types is not None else None
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        endpoint = (
            WebhookEndpoint.objects.for_tenant(access.tenant)
            .select_for_update()
            .get(pk=endpoint.pk)
        )
        before = events.endpoint_state(endpoint)
        if clean_url is not None and clean_url != endpoint.url:
            _refuse_duplicate(access, clean_url, exclude=endpoint.pk)
            endpoint.url = clean_url
        if chosen is not None:
            endpoint.events = chosen
        if description is not None:
            endpoint.description = description.strip()[:200]
        if is_active is not None:
            endpoint.is_active = is_active
        if events.endpoint_state(endpoint) == before:
            return endpoint
        endpoint.save(update_fields=["url", "events", "description", "is_active"])
        events.record(
            tenant=access.tenant,
            actor=access.user,
            event=events.endpoint_changed(endpoint, before),
        )
    return endpoint


def rotate_secret(
    *,
    access: TenantAccess,
    endpoint: WebhookEndpoint,
    grace_hours: int = DEFAULT_GRACE_HOURS,
    now: datetime | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the current one keeps signing beside it for `grace_hours` (0: at once
    retired). Returns the endpoint and the new secret, shown this once."""
    _require_client(access)
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int):
        grace_hours = -1
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        message = f"The grace window is 0 to {MAX_GRACE_HOURS} hours."
        raise DomainError(message, code=ErrorCode.INVALID_GRACE, fields={"grace_hours": [message]})
    now = now or timezone.now()
    secret = crypto.new_secret()
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        endpoint = (
            WebhookEndpoint.objects.for_tenant(access.tenant)
            .select_for_update()
            .get(pk=endpoint.pk)
        )
        if grace_hours:
            endpoint.previous_secret_encrypted = endpoint.secret_encrypted
            endpoint.previous_secret_expires_at = now + timedelta(hours=grace_hours)
        else:
            endpoint.previous_secret_encrypted = ""
            endpoint.previous_secret_expires_at = None
        endpoint.secret_encrypted = crypto.encrypt(secret)
        endpoint.secret_hint = crypto.hint(secret)
        endpoint.secret_rotated_at = now
        endpoint.save(
            update_fields=[
                "previous_secret_encrypted",
                "previous_secret_expires_at",
                "secret_encrypted",
                "secret_hint",
                "secret_rotated_at",
            ]
        )
        events.record(
            tenant=access.tenant, actor=access.user, event=events.secret_rotated(endpoint)
        )
    return endpoint, secret


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets a request is signed with now: the current one, then the previous one
    while its grace window lasts. Raises `crypto.SecretUnreadable`."""
    out = [crypto.decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > now:
        out.append(crypto.decrypt(endpoint.previous_secret_encrypted))
    return out
