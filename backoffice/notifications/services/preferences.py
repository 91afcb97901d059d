"""Setting how a person hears of new messages, per kind."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.notifications import events
from backoffice.notifications.error_codes import ErrorCode
from backoffice.notifications.models import Kind, Mode, Preference
from backoffice.notifications.selectors import modes_of
from backoffice.tenancy.selectors import TenantAccess


def _check(modes: Mapping[str, str]) -> dict[str, str]:
    problems: dict[str, list[str]] = {}
    for kind, mode in modes.items():
        if kind not in Kind.values:
            problems[kind] = ["is not a kind of notification"]
        elif mode not in Mode.values:
            problems[kind] = ["choose immediately, daily digest or never"]
    if problems:
        names = ", ".join(Kind(k).label.lower() if k in Kind.values else k for k in problems)
        raise DomainError(
            f"Choose immediately, daily digest or never for: {names}.",
            code=ErrorCode.INVALID_PREFERENCE,
            fields=problems,
        )
    return dict(modes)


def set_preferences(*, access: TenantAccess, modes: Mapping[str, str]) -> dict[str, str]:
    """Save the caller's modes for this tenant (kinds not named keep theirs); all modes."""
    wanted = _check(modes)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        before = modes_of(tenant_id=access.tenant.pk, user_id=access.user.pk)
        for kind, mode in wanted.items():
            Preference.objects.for_tenant(access.tenant).update_or_create(
                tenant=access.tenant, user=access.user, kind=kind, defaults={"mode": mode}
            )
        after = {**before, **wanted}
        if after != before:
            events.record(
                tenant=access.tenant,
                actor=access.user,
                event=events.preferences_changed(access.user, before, after),
            )
    return after
