"""Posting journal entries: one at a time (`post_journal_entry`, the benchmarked hot path)
or many at once (`bulk_post_entries`, all or nothing).

Both validate first (every problem keyed by field), then write the entry and its lines,
the balance and daily rows and one audit event in one transaction, in the order the
package docstring gives.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backoffice.core import pgcopy
from backoffice.core.errors import Conflict, DomainError
from backoffice.core.stats import analyze_after_commit
from backoffice.ledger import events
from backoffice.ledger.error_codes import ErrorCode
from backoffice.ledger.models import JournalEntry, JournalLine
from backoffice.ledger.services.balances import (
    BALANCE_INSERT,
    BALANCE_MERGE,
    DAILY_INSERT,
    DAILY_MERGE,
    apply_balances,
    pg_array,
)
from backoffice.ledger.services.periods import guard_period, locked_period, period_locked_error
from backoffice.ledger.services.validation import (
    Context,
    EntryIn,
    fingerprint,
    validate_batch,
    validate_entry,
)
from backoffice.tenancy.models import Organization, User

Deltas = dict[tuple[int, str], int]
Daily = dict[tuple[int, str, date], int]


# --- one entry ------------------------------------------------------------------------


def post_journal_entry(
    *,
    tenant: Organization,
    actor: User | None,
    entry: EntryIn,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry. A known idempotency key returns the original entry."""
    digest = fingerprint(entry)
    if entry.idempotency_key:
        found = _existing_for_key(tenant, entry.idempotency_key, digest)
        if found is not None:
            return found
    ctx = Context(tenant, codes={ln.account for ln in entry.lines}, periods=False)
    errors = validate_entry(ctx, entry)
    if errors:
        raise DomainError(
            "The journal entry is not valid.", code=ErrorCode.INVALID_ENTRY, fields=errors
        )
    # A savepoint only where a unique key can lose a race (idempotency key, reversal);
    # otherwise any failure belongs to the caller's transaction anyway.
    try:
        with transaction.atomic(savepoint=bool(entry.idempotency_key or reverses)):
            locked = locked_period(ctx.tenant, entry.date)
            if locked is None:
                return _write_entry(ctx, actor, entry, digest, reverses)
        # Raised outside the block: without a savepoint an exception leaving it would
        # doom the caller's transaction.
        raise period_locked_error(locked)
    except IntegrityError:
        if entry.idempotency_key:
            found = _existing_for_key(tenant, entry.idempotency_key, digest)
            if found is not None:
                return found
        raise


def _existing_for_key(tenant: Organization, key: str, digest: str) -> JournalEntry | None:
    found = JournalEntry.objects.for_tenant(tenant).filter(idempotency_key=key).first()
    if found is not None and found.fingerprint != digest:
        raise Conflict(
            "This idempotency key was used for a different entry.",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
            fields={"idempotency_key": [f"already used by entry {found.pk}"]},
        )
    return found


def _write_entry(
    ctx: Context,
    actor: User | None,
    entry: EntryIn,
    digest: str,
    reverses: JournalEntry | None,
) -> JournalEntry:
    tenant = ctx.tenant
    je = JournalEntry(
        tenant=tenant,
        date=entry.date,
        memo=entry.memo,
        source_ref=entry.source_ref,
        idempotency_key=entry.idempotency_key or None,
        fingerprint=digest,
        author=actor if actor is not None and actor.is_authenticated else None,
        posted_at=timezone.now(),
        reverses=reverses,
    )
    lines = []
    audited = []
    deltas: Deltas = defaultdict(int)
    daily: Daily = defaultdict(int)
    for n, line in enumerate(entry.lines, start=1):
        account_id = ctx.accounts[line.account].id
        currency = ctx.line_currency(line)
        lines.append(
            JournalLine(
                tenant=tenant,
                entry=je,
                line_no=n,
                account_id=account_id,
                currency=currency,
                amount=line.amount,
                date=entry.date,
                memo=line.memo,
            )
        )
        audited.append([line.account, currency, line.amount])
        deltas[(account_id, currency)] += line.amount
        daily[(account_id, currency, entry.date)] += line.amount
    if connection.vendor == "postgresql":
        _insert_entry_pg(je, lines, deltas)
    else:
        je.save(force_insert=True)
        JournalLine.objects.bulk_create(lines)
        apply_balances(tenant.pk, deltas, daily)
    events.record(tenant=tenant, actor=actor, event=events.entry_posted_event(je, lines=audited))
    return je


def _insert_entry_pg(je: JournalEntry, lines: list[JournalLine], deltas: Deltas) -> None:
    """Entry, lines, balance and daily rows in one statement: one round trip per posting.

    The statement triggers on lines and daily rows run at its end and see the entry.
    """
    bal = sorted((k, v) for k, v in deltas.items() if v)
    accounts = pg_array(k[0] for k, _ in bal)
    currencies = pg_array(k[1] for k, _ in bal)
    amounts = pg_array(v for _, v in bal)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH e AS (INSERT INTO ledger_journalentry (tenant_id, date, memo, source_ref, "
            "idempotency_key, fingerprint, author_id, posted_at, reverses_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id), "
            "l AS (INSERT INTO ledger_journalline (tenant_id, entry_id, line_no, account_id, "
            "currency, amount, date, memo) SELECT %s, e.id, t.n, t.a, t.c, t.v, %s, t.m "
            "FROM e, unnest(%s::int[], %s::bigint[], %s::varchar[], %s::bigint[], %s::text[]) "
            "AS t(n, a, c, v, m)), "
            f"b AS ({BALANCE_INSERT}SELECT %s, a, c, v "
            f"FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS t(a, c, v)"
            f"{BALANCE_MERGE}), "
            f"d AS ({DAILY_INSERT}SELECT %s, a, c, %s, v "
            f"FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS t(a, c, v)"
            f"{DAILY_MERGE}) "
            "SELECT id FROM e",
            [
                je.tenant_id,
                je.date,
                je.memo,
                je.source_ref,
                je.idempotency_key,
                je.fingerprint,
                je.author_id,
                je.posted_at,
                je.reverses_id,
                je.tenant_id,
                je.date,
                pg_array(ln.line_no for ln in lines),
                pg_array(ln.account_id for ln in lines),
                pg_array(ln.currency for ln in lines),
                pg_array(ln.amount for ln in lines),
                [ln.memo for ln in lines],
                je.tenant_id,
                accounts,
                currencies,
                amounts,
                je.tenant_id,
                je.date,
                accounts,
                currencies,
                amounts,
            ],
        )
        je.pk = cursor.fetchone()[0]
    je._state.adding = False
    je._state.db = connection.alias
    for ln in lines:
        ln.entry_id = je.pk


# --- many entries ---------------------------------------------------------------------


@dataclass
class BulkResult:
    created: int = 0
    lines: int = 0
    duplicates: int = 0
    entry_ids: list[int] = field(default_factory=list)


@dataclass
class _BulkRows:
    """A batch turned into rows: entries, lines, what they add to balances, and a digest."""

    entries: list[tuple] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)
    deltas: Deltas = field(default_factory=lambda: defaultdict(int))
    daily: Daily = field(default_factory=lambda: defaultdict(int))
    digest: str = ""


# The tables a bulk posting writes, analysed after a big one (core.stats).
_BULK_TABLES = [
    "ledger_journalentry",
    "ledger_journalline",
    "ledger_accountbalance",
    "ledger_dailybalance",
]


def bulk_post_entries(
    *, tenant: Organization, actor: User | None, entries: Sequence[EntryIn]
) -> BulkResult:
    """Post many entries at once, all or nothing.

    Everything is validated in Python first (errors come back keyed `entries[i].…`); then
    entries and lines go in set-based (COPY on PostgreSQL, executemany on SQLite), balance
    and daily rows get one upsert per 500 keys, and one audit event covers the batch (with
    the id range and a digest of every entry) rather than one per entry.
    Entries whose idempotency key is already posted with the same content are skipped.
    """
    ctx = Context(tenant)
    errors, keys = validate_batch(ctx, entries)
    if errors:
        raise DomainError(
            f"{len(errors)} problem(s) in the batch; nothing was posted.",
            code=ErrorCode.INVALID_ENTRIES,
            fields=errors,
        )
    result = BulkResult()
    digests = [fingerprint(e) if e.idempotency_key else "" for e in entries]
    skip = _already_posted(tenant, keys, digests)
    todo = [(i, e) for i, e in enumerate(entries) if i not in skip]
    result.duplicates = len(skip)
    if not todo:
        return result
    with transaction.atomic():
        dates = [e.date for _, e in todo]
        guard_period(tenant, min(dates), max(dates))
        ids = _reserve_entry_ids(len(todo))
        author_id = actor.pk if actor is not None and actor.is_authenticated else None
        rows = _bulk_rows(ctx, todo, ids, digests, author_id, timezone.now())
        _insert_entries(rows.entries, rows.lines)
        apply_balances(tenant.pk, rows.deltas, rows.daily)
        event = events.entries_bulk_posted_event(ids=ids, lines=len(rows.lines), digest=rows.digest)
        events.record(tenant=tenant, actor=actor, event=event)
        analyze_after_commit(_BULK_TABLES, rows=len(rows.lines))
    result.created = len(rows.entries)
    result.lines = len(rows.lines)
    result.entry_ids = ids
    return result


def _already_posted(tenant: Organization, keys: dict[str, int], digests: list[str]) -> set[int]:
    """Indexes of entries whose key is posted with the same content (to skip); a key
    posted with other content refuses the whole batch."""
    skip: set[int] = set()
    if not keys:
        return skip
    existing = dict(
        JournalEntry.objects.for_tenant(tenant)
        .filter(idempotency_key__in=list(keys))
        .values_list("idempotency_key", "fingerprint")
    )
    for key, fp in existing.items():
        i = keys[key]
        if fp != digests[i]:
            raise Conflict(
                "An idempotency key was used for a different entry.",
                code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                fields={f"entries[{i}].idempotency_key": ["already used"]},
            )
        skip.add(i)
    return skip


def _bulk_rows(
    ctx: Context,
    todo: list[tuple[int, EntryIn]],
    ids: list[int],
    digests: list[str],
    author_id: int | None,
    now: datetime,
) -> _BulkRows:
    tenant = ctx.tenant
    rows = _BulkRows()
    batch_hash = hashlib.sha256()
    for entry_id, (i, e) in zip(ids, todo, strict=True):
        rows.entries.append(
            (
                entry_id,
                tenant.pk,
                e.date,
                e.memo,
                e.source_ref,
                e.idempotency_key or None,
                digests[i],
                author_id,
                now,
            )
        )
        for n, line in enumerate(e.lines, start=1):
            info = ctx.accounts[line.account]
            currency = (line.currency or info.currency or tenant.currency).upper()
            rows.lines.append(
                (tenant.pk, entry_id, n, info.id, currency, line.amount, e.date, line.memo)
            )
            rows.deltas[(info.id, currency)] += line.amount
            rows.daily[(info.id, currency, e.date)] += line.amount
        batch_hash.update(f"{entry_id}:{digests[i] or e.date}".encode())
    rows.digest = batch_hash.hexdigest()
    return rows


_ENTRY_COLS = (
    "id, tenant_id, date, memo, source_ref, idempotency_key, fingerprint, author_id, posted_at"
)
_LINE_COLS = "tenant_id, entry_id, line_no, account_id, currency, amount, date, memo"


def _copy_entries(rows: list[tuple]) -> Iterator[str]:
    """Entry rows as COPY text lines, formatted per column."""
    for i, t, d, memo, source_ref, key, fp, author, at in rows:
        yield (
            f"{i}\t{t}\t{d}\t{pgcopy.text(memo)}\t{pgcopy.text(source_ref)}\t{pgcopy.text(key)}\t"
            f"{fp}\t{pgcopy.ref(author)}\t{at}\n"
        )


def _copy_lines(rows: list[tuple]) -> Iterator[str]:
    for t, e, n, a, c, amount, d, memo in rows:
        yield f"{t}\t{e}\t{n}\t{a}\t{c}\t{amount}\t{d}\t{pgcopy.text(memo)}\n"


def _reserve_entry_ids(n: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('ledger_journalentry', 'id')) "
                "FROM generate_series(1, %s)",
                [n],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the IMMEDIATE transaction holds the only write lock, so max+1.. is ours.
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_journalentry")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + n))


def _insert_entries(entry_rows: list[tuple], line_rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            pgcopy.copy_lines(
                cursor.cursor, "ledger_journalentry", _ENTRY_COLS, _copy_entries(entry_rows)
            )
            pgcopy.copy_lines(
                cursor.cursor, "ledger_journalline", _LINE_COLS, _copy_lines(line_rows)
            )
            return
        cursor.executemany(
            f"INSERT INTO ledger_journalentry ({_ENTRY_COLS}) VALUES (?,?,?,?,?,?,?,?,?)".replace(
                "?", "%s"
            ),
            entry_rows,
        )
        cursor.executemany(
            f"INSERT INTO ledger_journalline ({_LINE_COLS}) VALUES (?,?,?,?,?,?,?,?)".replace(
                "?", "%s"
            ),
            line_rows,
        )
