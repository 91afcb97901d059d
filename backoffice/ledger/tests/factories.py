"""Ledger test helpers: a tenant with the general chart, and terse entry builders."""

from __future__ import annotations

from datetime import date

from backoffice.ledger.models import Account
from backoffice.ledger.services import EntryIn, LineIn, apply_chart_template, create_account
from backoffice.tenancy.models import Organization


def with_chart(tenant: Organization, template: str = "general") -> Organization:
    apply_chart_template(tenant=tenant, template=template)
    return tenant


def usd_bank(tenant: Organization) -> Account:
    """A bank account under 1100 that only takes US dollars (code 1130)."""
    return create_account(
        tenant=tenant,
        actor=None,
        code="1130",
        name="USD bank",
        type="asset",
        parent_code="1100",
        currency="USD",
    )


def entry(
    day: date | str,
    *pairs: tuple[str, int] | tuple[str, int, str],
    memo: str = "",
    key: str | None = None,
) -> EntryIn:
    """`entry("2026-01-05", ("1120", 10000), ("4100", -10000))`: debit > 0, credit < 0."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    lines = [
        LineIn(account=p[0], amount=p[1], currency=p[2] if len(p) > 2 else None)  # type: ignore[misc]
        for p in pairs
    ]
    return EntryIn(date=d, lines=lines, memo=memo, idempotency_key=key)
