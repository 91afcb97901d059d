"""The posting tail every service ends with: post to the ledger, save, record the event.

Written once so that each change lands the same way: the journal entry (if the change
posts one) is saved on the record that caused it, and the audit event is recorded after
both, in the same transaction, so a refused posting leaves neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import models

from backoffice.audit.services import PendingEvent
from backoffice.commerce import events, posting
from backoffice.tenancy.models import Organization, User


@dataclass(frozen=True)
class Entry:
    """A posting to make: its balanced lines and what the ledger records with them."""

    day: date
    memo: str
    source_ref: str
    journal: posting.Journal
    idempotency_key: str


def post_and_record(
    *,
    tenant: Organization,
    actor: User | None,
    obj: models.Model,
    event: Callable[[], PendingEvent],
    entry: Entry | None = None,
    entry_field: str = "journal_entry",
    save: Sequence[str] | None = (),
) -> None:
    """Post `entry` (if any) onto `obj.<entry_field>`, save `obj`, record `event()`.

    `save` names the fields to save besides the entry field, which is saved when a journal
    entry was made (a posting whose lines all net to zero makes none); None saves the
    whole record. `event` is built last, so it sees the record as saved.
    """
    made = None
    if entry is not None:
        made = posting.post(
            tenant=tenant,
            actor=actor,
            day=entry.day,
            memo=entry.memo,
            source_ref=entry.source_ref,
            journal=entry.journal,
            idempotency_key=entry.idempotency_key,
        )
        setattr(obj, entry_field, made)
    if save is None:
        obj.save()
    else:
        fields = [*save, entry_field] if made is not None else list(save)
        if fields:
            obj.save(update_fields=fields)
    events.record(tenant=tenant, actor=actor, event=event())
