"""Hooks run when an organization is created, so apps above tenancy can set it up
(e.g. the ledger applies a chart of accounts) without tenancy importing them."""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backoffice.tenancy.models import Organization, User

OrganizationHook = Callable[..., None]
_on_created: list[OrganizationHook] = []


def on_organization_created(hook: OrganizationHook) -> OrganizationHook:
    """Register `hook(organization=..., actor=...)`; runs inside the creating transaction."""
    if hook not in _on_created:
        _on_created.append(hook)
    return hook


def run_organization_created(*, organization: "Organization", actor: "User | None") -> None:
    for hook in _on_created:
        hook(organization=organization, actor=actor)
