"""The audit events the ledger records: every action name, and one builder per kind.

Each builder returns the `PendingEvent` for one kind of change, so an event's name and the
shape of its before/after JSON are written once, here. Both are part of the tenant's hash
chain: never change an existing name or shape (old events must still verify).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from django.db import models

    from backoffice.audit.models import AuditEvent
    from backoffice.ledger.models import Account, ExchangeRate, FiscalYear, JournalEntry, Period
    from backoffice.tenancy.models import Organization, User


class Action(StrEnum):
    """Audit action names of the ledger (`AuditEvent.action`)."""

    CHART_APPLIED = "ledger.chart_applied"
    ACCOUNT_CREATED = "ledger.account_created"
    ACCOUNT_UPDATED = "ledger.account_updated"
    ENTRY_POSTED = "ledger.entry_posted"
    ENTRY_REVERSED = "ledger.entry_reversed"
    ENTRIES_BULK_POSTED = "ledger.entries_bulk_posted"
    FISCAL_YEAR_CREATED = "ledger.fiscal_year_created"
    PERIOD_LOCKED = "ledger.period_locked"
    PERIOD_UNLOCKED = "ledger.period_unlocked"
    RATE_SET = "ledger.rate_set"


def record(*, tenant: Organization, actor: User | None, event: PendingEvent) -> AuditEvent:
    """Append one event to the tenant's chain inside the caller's transaction."""
    (recorded,) = record_events(tenant=tenant, actor=actor, events=[event])
    return recorded


def _event(
    action: Action, obj: models.Model | None, before: Any = None, after: Any = None
) -> PendingEvent:
    if obj is None:
        return PendingEvent(action.value, "", "", before, after)
    return PendingEvent(action.value, obj._meta.label_lower, str(obj.pk), before, after)


# --- chart of accounts ----------------------------------------------------------------


def chart_applied_event(*, template: str, created: int) -> PendingEvent:
    return _event(Action.CHART_APPLIED, None, after={"template": template, "created": created})


describe(
    Action.CHART_APPLIED,
    "Chart of accounts “{after[template]}” applied: {after[created]} accounts created",
    labels={"created": "Accounts created"},
)


def account_created_event(account: Account) -> PendingEvent:
    after = {
        "code": account.code,
        "name": account.name,
        "type": account.type,
        "currency": account.currency_id,
    }
    return _event(Action.ACCOUNT_CREATED, account, after=after)


describe(Action.ACCOUNT_CREATED, "Account {after[code]} “{after[name]}” created")


def account_state(account: Account) -> dict[str, Any]:
    """What an update may change: the before and after of `account_updated`."""
    return {
        "name": account.name,
        "parent": account.parent_id,
        "is_active": account.is_active,
        "currency": account.currency_id,
    }


def account_updated_event(account: Account, *, before: dict[str, Any]) -> PendingEvent:
    return _event(Action.ACCOUNT_UPDATED, account, before=before, after=account_state(account))


describe(Action.ACCOUNT_UPDATED, "Account {object} updated", labels={"parent": "Parent account"})


# --- entries --------------------------------------------------------------------------


def entry_posted_event(entry: JournalEntry, *, lines: list[list[Any]]) -> PendingEvent:
    """A posting, or a reversal when the entry reverses another; `lines` are
    `[account code, currency, amount]` in line order."""
    after = {
        "date": str(entry.date),
        "memo": entry.memo,
        "source_ref": entry.source_ref,
        "reverses": entry.reverses_id,
        "lines": lines,
    }
    action = Action.ENTRY_REVERSED if entry.reverses_id is not None else Action.ENTRY_POSTED
    return _event(action, entry, after=after)


describe(
    Action.ENTRY_POSTED,
    "Journal entry #{id} posted, dated {after[date]}",
    labels={"reverses": "Reverses entry"},
    kinds={"lines": "lines"},
)
describe(
    Action.ENTRY_REVERSED,
    "Journal entry #{id} posted, reversing entry #{after[reverses]}",
    labels={"reverses": "Reverses entry"},
    kinds={"lines": "lines"},
)


def entries_bulk_posted_event(*, ids: list[int], lines: int, digest: str) -> PendingEvent:
    """One event for a batch: the id range and a digest of every entry in it."""
    after = {
        "entries": len(ids),
        "lines": lines,
        "first_id": ids[0],
        "last_id": ids[-1],
        "digest": digest,
    }
    return PendingEvent(
        Action.ENTRIES_BULK_POSTED.value, "ledger.journalentry", f"{ids[0]}-{ids[-1]}", None, after
    )


describe(
    Action.ENTRIES_BULK_POSTED,
    "{after[entries]} journal entries posted in one batch"
    " (#{after[first_id]} to #{after[last_id]})",
    labels={"entries": "Entries", "lines": "Lines", "digest": "Digest of the batch"},
)


# --- periods and rates ----------------------------------------------------------------


def fiscal_year_created_event(fiscal_year: FiscalYear) -> PendingEvent:
    after = {
        "name": fiscal_year.name,
        "start": str(fiscal_year.start),
        "end": str(fiscal_year.end),
    }
    return _event(Action.FISCAL_YEAR_CREATED, fiscal_year, after=after)


describe(
    Action.FISCAL_YEAR_CREATED,
    "Fiscal year “{after[name]}” created, {after[start]} to {after[end]}",
)


def period_lock_set_event(period: Period) -> PendingEvent:
    """`period_locked` or `period_unlocked`, as the period now stands."""
    locked = period.is_locked
    return _event(
        Action.PERIOD_LOCKED if locked else Action.PERIOD_UNLOCKED,
        period,
        before={"is_locked": not locked},
        after={"is_locked": locked, "period": period.name},
    )


describe(Action.PERIOD_LOCKED, "Period “{after[period]}” locked")
describe(Action.PERIOD_UNLOCKED, "Period “{after[period]}” unlocked")


def rate_set_event(rate: ExchangeRate, *, day: date, value: Decimal) -> PendingEvent:
    after = {"date": str(day), "pair": f"{rate.base_id}/{rate.quote_id}", "rate": str(value)}
    return _event(Action.RATE_SET, rate, after=after)


describe(
    Action.RATE_SET,
    "Exchange rate {after[pair]} set to {after[rate]} from {after[date]}",
    labels={"pair": "Currencies"},
)
