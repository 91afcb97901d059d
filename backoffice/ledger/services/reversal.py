"""Reversal: the mirror image of a posted entry, linked to it both ways. An entry is
reversed once, and a reversal is not reversed again (post a new entry instead)."""

from __future__ import annotations

from datetime import date as date_

from django.db import IntegrityError

from backoffice.core.dates import check_optional_date
from backoffice.core.errors import Conflict, NotFound
from backoffice.ledger.error_codes import ErrorCode
from backoffice.ledger.models import JournalEntry
from backoffice.ledger.services.posting import post_journal_entry
from backoffice.ledger.services.validation import EntryIn, LineIn
from backoffice.tenancy.models import Organization, User


def reverse_entry(
    *,
    tenant: Organization,
    actor: User | None,
    entry_id: int,
    date: date_ | None = None,
    memo: str | None = None,
    idempotency_key: str | None = None,
) -> JournalEntry:
    """Post the mirror image of an entry, linked to it; an entry is reversed once."""
    check_optional_date(date, field="date")
    original = JournalEntry.objects.for_tenant(tenant).filter(pk=entry_id).first()
    if original is None:
        raise NotFound("No such journal entry.")
    if original.reverses_id is not None:
        raise Conflict(
            "This entry is itself a reversal; post a new entry instead.",
            fields={"entry": ["is a reversal"]},
        )
    existing = original.reversal
    if existing is not None:
        if idempotency_key and existing.idempotency_key == idempotency_key:
            return existing
        raise Conflict(
            f"Entry {original.pk} was already reversed by entry {existing.pk}.",
            code=ErrorCode.ALREADY_REVERSED,
            fields={"entry": [f"reversed by {existing.pk}"]},
        )
    mirror = EntryIn(
        date=date or original.date,
        lines=_mirrored_lines(original),
        memo=memo if memo is not None else f"Reversal of entry {original.pk}",
        source_ref=original.source_ref,
        idempotency_key=idempotency_key,
    )
    try:
        return post_journal_entry(tenant=tenant, actor=actor, entry=mirror, reverses=original)
    except IntegrityError as exc:
        raise Conflict(
            f"Entry {original.pk} was already reversed.", code=ErrorCode.ALREADY_REVERSED
        ) from exc


def _mirrored_lines(original: JournalEntry) -> list[LineIn]:
    return [
        LineIn(account=ln.account.code, amount=-ln.amount, currency=ln.currency, memo=ln.memo)
        for ln in original.lines.select_related("account").order_by("line_no")
    ]
