"""Changes to the ledger. Each is one transaction that writes its audit event.

Posting order (every path, so concurrent postings cannot deadlock): the period row (shared
lock on PostgreSQL), then the entry and its lines, then balance rows in (account id,
currency) order, then daily rows in (account id, currency, date) order, then the audit head.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backoffice.audit.services import PendingEvent, record_event, record_events
from backoffice.core import pgcopy
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger import money
from backoffice.ledger.charts import TEMPLATES
from backoffice.ledger.models import (
    Account,
    AccountType,
    Currency,
    ExchangeRate,
    FiscalYear,
    JournalEntry,
    JournalLine,
    Period,
)
from backoffice.tenancy.models import Organization, User

MAX_LINES = 500
MAX_BULK_ERRORS = 200
_EPOCH = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class LineIn:
    """One line to post: `amount` in minor units, debit > 0, credit < 0."""

    account: str
    amount: int
    currency: str | None = None
    memo: str = ""


@dataclass(frozen=True)
class EntryIn:
    date: date
    lines: Sequence[LineIn]
    memo: str = ""
    source_ref: str = ""
    idempotency_key: str | None = None


@dataclass
class BulkResult:
    created: int = 0
    lines: int = 0
    duplicates: int = 0
    entry_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _AccountInfo:
    id: int
    code: str
    currency: str | None
    is_active: bool


# --- chart of accounts ----------------------------------------------------------------


def apply_chart_template(
    *, tenant: Organization, template: str = "general", actor: User | None = None
) -> int:
    """Create the template's accounts the tenant lacks; returns how many were created.

    Safe to call again (existing codes are left alone), so the tenant-creation hook and
    the demo can both call it.
    """
    if template not in TEMPLATES:
        raise DomainError(
            f"Unknown chart template {template!r}.",
            fields={"template": [f"choose one of {', '.join(TEMPLATES)}"]},
        )
    _, rows = TEMPLATES[template]
    with transaction.atomic():
        existing = dict(Account.objects.for_tenant(tenant).values_list("code", "id"))
        created = 0
        for code, name, type_, parent_code in rows:
            if code in existing:
                continue
            account = Account.objects.create(
                tenant=tenant,
                code=code,
                name=name,
                type=type_,
                parent_id=existing.get(parent_code) if parent_code else None,
            )
            existing[code] = account.pk
            created += 1
        record_event(
            tenant=tenant,
            actor=actor,
            action="ledger.chart_applied",
            after={"template": template, "created": created},
        )
    return created


def _check_parent(tenant: Organization, parent_code: str | None, type_: str) -> Account | None:
    if not parent_code:
        return None
    parent = Account.objects.for_tenant(tenant).filter(code=parent_code).first()
    if parent is None:
        raise DomainError("No such parent account.", fields={"parent": ["unknown account code"]})
    if parent.type != type_:
        raise DomainError(
            "A sub-account has its parent's type.",
            fields={"parent": [f"parent is {parent.type}, account is {type_}"]},
        )
    return parent


def _check_currency(code: str | None, field_name: str = "currency") -> str | None:
    if code is None or code == "":
        return None
    code = code.upper()
    if not Currency.objects.filter(code=code).exists():
        raise DomainError(
            f"Unknown currency {code!r}.", fields={field_name: ["not an ISO 4217 code"]}
        )
    return code


def create_account(
    *,
    tenant: Organization,
    actor: User | None,
    code: str,
    name: str,
    type: str,
    parent_code: str | None = None,
    currency: str | None = None,
) -> Account:
    code = code.strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["required"]
    if not name.strip():
        errors["name"] = ["required"]
    if type not in AccountType.values:
        errors["type"] = [f"one of {', '.join(AccountType.values)}"]
    if errors:
        raise DomainError("The account is not valid.", fields=errors)
    if Account.objects.for_tenant(tenant).filter(code=code).exists():
        raise Conflict("An account with this code exists.", fields={"code": ["already used"]})
    parent = _check_parent(tenant, parent_code, type)
    cur = _check_currency(currency)
    with transaction.atomic():
        account = Account.objects.create(
            tenant=tenant, code=code, name=name.strip(), type=type, parent=parent, currency_id=cur
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="ledger.account_created",
            obj=account,
            after={"code": code, "name": account.name, "type": type, "currency": cur},
        )
    return account


def update_account(
    *,
    tenant: Organization,
    actor: User | None,
    account_id: int,
    name: str | None = None,
    parent_code: str | None = None,
    is_active: bool | None = None,
    currency: str | None = None,
) -> Account:
    """Rename, re-parent, (de)activate, restrict currency. Code and type never change."""
    with transaction.atomic():
        account = Account.objects.for_tenant(tenant).select_for_update().filter(pk=account_id)
        acc = account.first()
        if acc is None:
            raise NotFound("No such account.")
        before = {
            "name": acc.name,
            "parent": acc.parent_id,
            "is_active": acc.is_active,
            "currency": acc.currency_id,
        }
        if name is not None:
            if not name.strip():
                raise DomainError("Name is required.", fields={"name": ["required"]})
            acc.name = name.strip()
        if parent_code is not None:
            parent = _check_parent(tenant, parent_code, acc.type)
            if parent is not None and _is_descendant(tenant, parent.pk, acc.pk):
                raise DomainError(
                    "An account cannot sit under itself.", fields={"parent": ["cycle"]}
                )
            acc.parent = parent
        if is_active is not None:
            acc.is_active = is_active
        if currency is not None:
            cur = _check_currency(currency)
            if cur is not None:
                other = (
                    JournalLine.objects.for_tenant(tenant)
                    .filter(account_id=acc.pk)
                    .exclude(currency=cur)
                    .exists()
                )
                if other:
                    raise DomainError(
                        "The account has lines in another currency.",
                        fields={"currency": ["lines in other currencies exist"]},
                    )
            acc.currency_id = cur
        acc.save(update_fields=["name", "parent", "is_active", "currency"])
        record_event(
            tenant=tenant,
            actor=actor,
            action="ledger.account_updated",
            obj=acc,
            before=before,
            after={
                "name": acc.name,
                "parent": acc.parent_id,
                "is_active": acc.is_active,
                "currency": acc.currency_id,
            },
        )
    return acc


def _is_descendant(tenant: Organization, candidate_id: int, ancestor_id: int) -> bool:
    parents = dict(Account.objects.for_tenant(tenant).values_list("id", "parent_id"))
    node: int | None = candidate_id
    while node is not None:
        if node == ancestor_id:
            return True
        node = parents.get(node)
    return False


# --- validation -----------------------------------------------------------------------


class _Context:
    """What validation needs about a tenant, read once per call (or once per bulk)."""

    def __init__(
        self, tenant: Organization, codes: set[str] | None = None, *, periods: bool = True
    ) -> None:
        self.tenant = tenant
        rows: list[Any] = []
        if codes:
            # A single posting's few accounts: plain SQL, no queryset to compile per call.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, code, currency_id, is_active FROM ledger_account "
                    f"WHERE tenant_id = %s AND code IN ({', '.join(['%s'] * len(codes))})",
                    [tenant.pk, *codes],
                )
                rows = cursor.fetchall()
        elif codes is None:
            rows = list(
                Account.objects.for_tenant(tenant).values_list(
                    "id", "code", "currency_id", "is_active"
                )
            )
        self.accounts: dict[str, _AccountInfo] = {
            code: _AccountInfo(pk, code, cur, bool(active)) for pk, code, cur, active in rows
        }
        self.exponents = money.exponents()
        self.locked: list[tuple[date, date, str]] = []
        if periods:  # single postings learn about locks from _guard_period, under the lock
            self.locked = list(
                Period.objects.for_tenant(tenant)
                .filter(is_locked=True)
                .values_list("start", "end", "name")
            )

    def locked_period(self, d: date) -> str | None:
        for start, end, name in self.locked:
            if start <= d <= end:
                return name
        return None


def _text_problem(text: str) -> str | None:
    """Text the databases cannot store: NUL characters, lone UTF-16 surrogates."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode text"
    return None


def _validate(ctx: _Context, entry: EntryIn, prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = defaultdict(list)
    if not isinstance(entry.date, date):
        errors[f"{prefix}date"].append("a date (YYYY-MM-DD) is required")
    else:
        locked = ctx.locked_period(entry.date)
        if locked:
            errors[f"{prefix}date"].append(f"period {locked} is locked")
    if len(entry.memo) > 500:
        errors[f"{prefix}memo"].append("at most 500 characters")
    if len(entry.source_ref) > 200:
        errors[f"{prefix}source_ref"].append("at most 200 characters")
    if entry.idempotency_key is not None and not 0 < len(entry.idempotency_key) <= 200:
        errors[f"{prefix}idempotency_key"].append("1 to 200 characters")
    for name in ("memo", "source_ref", "idempotency_key"):
        problem = _text_problem(getattr(entry, name) or "")
        if problem:
            errors[f"{prefix}{name}"].append(problem)
    if len(entry.lines) < 2:
        errors[f"{prefix}lines"].append("an entry needs at least two lines")
    if len(entry.lines) > MAX_LINES:
        errors[f"{prefix}lines"].append(f"at most {MAX_LINES} lines")
    totals: dict[str, int] = defaultdict(int)
    for i, line in enumerate(entry.lines):
        where = f"{prefix}lines[{i}]."
        info = ctx.accounts.get(line.account)
        if info is None:
            errors[f"{where}account"].append(f"unknown account {line.account!r}")
        elif not info.is_active:
            errors[f"{where}account"].append(f"account {line.account} is inactive")
        currency = line.currency or (info.currency if info else None) or ctx.tenant.currency
        currency = currency.upper()
        if currency not in ctx.exponents:
            errors[f"{where}currency"].append(f"unknown currency {currency!r}")
        elif info is not None and info.currency and info.currency != currency:
            errors[f"{where}currency"].append(
                f"account {info.code} only takes {info.currency}, not {currency}"
            )
        if isinstance(line.amount, bool) or not isinstance(line.amount, int):
            errors[f"{where}amount"].append("an integer number of minor units")
            continue
        if line.amount == 0:
            errors[f"{where}amount"].append("must not be zero")
        elif abs(line.amount) >= 10**17:
            errors[f"{where}amount"].append("too large")
        if len(line.memo) > 200:
            errors[f"{where}memo"].append("at most 200 characters")
        problem = _text_problem(line.memo)
        if problem:
            errors[f"{where}memo"].append(problem)
        totals[currency] += line.amount
    for currency, total in sorted(totals.items()):
        if total != 0:
            side = "debits exceed credits" if total > 0 else "credits exceed debits"
            errors[f"{prefix}lines"].append(
                f"does not balance in {currency}: {side} by {abs(total)} minor units"
            )
    return dict(errors)


def _line_currency(ctx: _Context, line: LineIn) -> str:
    info = ctx.accounts[line.account]
    return (line.currency or info.currency or ctx.tenant.currency).upper()


def fingerprint(entry: EntryIn) -> str:
    """Content hash: the same key with the same content is a retry, else a conflict."""
    body = [
        str(entry.date),
        entry.memo,
        entry.source_ref,
        [[ln.account, (ln.currency or "").upper(), ln.amount, ln.memo] for ln in entry.lines],
    ]
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()


def _existing_for_key(tenant: Organization, key: str, digest: str) -> JournalEntry | None:
    found = JournalEntry.objects.for_tenant(tenant).filter(idempotency_key=key).first()
    if found is not None and found.fingerprint != digest:
        raise Conflict(
            "This idempotency key was used for a different entry.",
            code="idempotency_key_reused",
            fields={"idempotency_key": [f"already used by entry {found.pk}"]},
        )
    return found


# --- balances -------------------------------------------------------------------------


def _pg_array(values: Iterable[int | str]) -> str:
    """An array literal of integers or currency codes (validated: no quoting needed);
    much cheaper to build than letting the driver adapt long Python lists."""
    return "{" + ",".join(map(str, values)) + "}"


# Balance and daily rows are added to, never overwritten: every write path ends its
# INSERT with the same merge clause.
_BALANCE_INSERT = "INSERT INTO ledger_accountbalance (tenant_id, account_id, currency, balance) "
_BALANCE_MERGE = (
    " ON CONFLICT (tenant_id, account_id, currency) "
    "DO UPDATE SET balance = ledger_accountbalance.balance + excluded.balance"
)
_DAILY_INSERT = "INSERT INTO ledger_dailybalance (tenant_id, account_id, currency, date, delta) "
_DAILY_MERGE = (
    " ON CONFLICT (tenant_id, account_id, currency, date) "
    "DO UPDATE SET delta = ledger_dailybalance.delta + excluded.delta"
)


def _apply_balances(
    tenant_id: int,
    deltas: dict[tuple[int, str], int],
    daily: dict[tuple[int, str, date], int],
) -> None:
    """Add deltas to balance and daily rows: set-based upserts, rows in account-id order."""
    bal = sorted((k, v) for k, v in deltas.items() if v)
    days = sorted((k, v) for k, v in daily.items() if v)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement each, whatever the size: arrays in, rows out in the given order.
            if bal:
                cursor.execute(
                    f"{_BALANCE_INSERT}SELECT %s, a, c, v "
                    f"FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS t(a, c, v)"
                    f"{_BALANCE_MERGE}",
                    [
                        tenant_id,
                        _pg_array(k[0] for k, _ in bal),
                        _pg_array(k[1] for k, _ in bal),
                        _pg_array(v for _, v in bal),
                    ],
                )
            if days:
                cursor.execute(
                    f"{_DAILY_INSERT}SELECT %s, a, c, DATE '1970-01-01' + d, v "
                    "FROM unnest(%s::bigint[], %s::varchar[], %s::int[], %s::bigint[]) "
                    f"AS t(a, c, d, v){_DAILY_MERGE}",
                    [
                        tenant_id,
                        _pg_array(k[0] for k, _ in days),
                        _pg_array(k[1] for k, _ in days),
                        _pg_array(k[2].toordinal() - _EPOCH for k, _ in days),
                        _pg_array(v for _, v in days),
                    ],
                )
            return
        cursor.executemany(
            f"{_BALANCE_INSERT}VALUES (%s, %s, %s, %s){_BALANCE_MERGE}",
            [(tenant_id, a, c, v) for (a, c), v in bal],
        )
        cursor.executemany(
            f"{_DAILY_INSERT}VALUES (%s, %s, %s, %s, %s){_DAILY_MERGE}",
            [(tenant_id, a, c, d, v) for (a, c, d), v in days],
        )


def _locked_period(tenant: Organization, first: date, last: date | None = None) -> str | None:
    """The first locked period in [first, last], if any; on PostgreSQL the periods' rows
    are held (FOR SHARE) so that a concurrent lock waits for this posting to commit."""
    last = last or first
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, is_locked FROM ledger_period WHERE tenant_id = %s AND start <= %s "
                'AND "end" >= %s ORDER BY id FOR SHARE',
                [tenant.pk, last, first],
            )
            rows = cursor.fetchall()
    else:
        rows = list(
            Period.objects.for_tenant(tenant)
            .filter(start__lte=last, end__gte=first)
            .values_list("name", "is_locked")
        )
    return next((name for name, is_locked in rows if is_locked), None)


def _period_locked_error(name: str) -> DomainError:
    return DomainError(
        f"Period {name} is locked.",
        code="period_locked",
        fields={"date": [f"period {name} is locked"]},
    )


def _guard_period(tenant: Organization, first: date, last: date | None = None) -> None:
    locked = _locked_period(tenant, first, last)
    if locked is not None:
        raise _period_locked_error(locked)


# --- posting --------------------------------------------------------------------------


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
    ctx = _Context(tenant, codes={ln.account for ln in entry.lines}, periods=False)
    errors = _validate(ctx, entry)
    if errors:
        raise DomainError("The journal entry is not valid.", code="invalid_entry", fields=errors)
    # A savepoint only where a unique key can lose a race (idempotency key, reversal);
    # otherwise any failure belongs to the caller's transaction anyway.
    try:
        with transaction.atomic(savepoint=bool(entry.idempotency_key or reverses)):
            locked = _locked_period(ctx.tenant, entry.date)
            if locked is None:
                return _write_entry(ctx, actor, entry, digest, reverses)
        # Raised outside the block: without a savepoint an exception leaving it would
        # doom the caller's transaction.
        raise _period_locked_error(locked)
    except IntegrityError:
        if entry.idempotency_key:
            found = _existing_for_key(tenant, entry.idempotency_key, digest)
            if found is not None:
                return found
        raise


def _write_entry(
    ctx: _Context,
    actor: User | None,
    entry: EntryIn,
    digest: str,
    reverses: JournalEntry | None,
) -> JournalEntry:
    tenant = ctx.tenant
    author = actor if actor is not None and actor.is_authenticated else None
    je = JournalEntry(
        tenant=tenant,
        date=entry.date,
        memo=entry.memo,
        source_ref=entry.source_ref,
        idempotency_key=entry.idempotency_key or None,
        fingerprint=digest,
        author=author,
        posted_at=timezone.now(),
        reverses=reverses,
    )
    lines = []
    deltas: dict[tuple[int, str], int] = defaultdict(int)
    daily: dict[tuple[int, str, date], int] = defaultdict(int)
    for n, line in enumerate(entry.lines, start=1):
        account_id = ctx.accounts[line.account].id
        currency = _line_currency(ctx, line)
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
        deltas[(account_id, currency)] += line.amount
        daily[(account_id, currency, entry.date)] += line.amount
    if connection.vendor == "postgresql":
        _insert_entry_pg(je, lines, deltas)
    else:
        je.save(force_insert=True)
        JournalLine.objects.bulk_create(lines)
        _apply_balances(tenant.pk, deltas, daily)
    record_event(
        tenant=tenant,
        actor=actor,
        action="ledger.entry_reversed" if reverses else "ledger.entry_posted",
        obj=je,
        after={
            "date": str(entry.date),
            "memo": entry.memo,
            "source_ref": entry.source_ref,
            "reverses": reverses.pk if reverses else None,
            "lines": [[ln.account, _line_currency(ctx, ln), ln.amount] for ln in entry.lines],
        },
    )
    return je


def _insert_entry_pg(
    je: JournalEntry, lines: list[JournalLine], deltas: dict[tuple[int, str], int]
) -> None:
    """Entry, lines, balance and daily rows in one statement: one round trip per posting.

    The statement triggers on lines and daily rows run at its end and see the entry.
    """
    bal = sorted((k, v) for k, v in deltas.items() if v)
    accounts = _pg_array(k[0] for k, _ in bal)
    currencies = _pg_array(k[1] for k, _ in bal)
    amounts = _pg_array(v for _, v in bal)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH e AS (INSERT INTO ledger_journalentry (tenant_id, date, memo, source_ref, "
            "idempotency_key, fingerprint, author_id, posted_at, reverses_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id), "
            "l AS (INSERT INTO ledger_journalline (tenant_id, entry_id, line_no, account_id, "
            "currency, amount, date, memo) SELECT %s, e.id, t.n, t.a, t.c, t.v, %s, t.m "
            "FROM e, unnest(%s::int[], %s::bigint[], %s::varchar[], %s::bigint[], %s::text[]) "
            "AS t(n, a, c, v, m)), "
            f"b AS ({_BALANCE_INSERT}SELECT %s, a, c, v "
            f"FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS t(a, c, v)"
            f"{_BALANCE_MERGE}), "
            f"d AS ({_DAILY_INSERT}SELECT %s, a, c, %s, v "
            f"FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS t(a, c, v)"
            f"{_DAILY_MERGE}) "
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
                _pg_array(ln.line_no for ln in lines),
                _pg_array(ln.account_id for ln in lines),
                _pg_array(ln.currency for ln in lines),
                _pg_array(ln.amount for ln in lines),
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


def reverse_entry(
    *,
    tenant: Organization,
    actor: User | None,
    entry_id: int,
    date: date | None = None,
    memo: str | None = None,
    idempotency_key: str | None = None,
) -> JournalEntry:
    """Post the mirror image of an entry, linked to it; an entry is reversed once."""
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
            code="already_reversed",
            fields={"entry": [f"reversed by {existing.pk}"]},
        )
    lines = [
        LineIn(account=ln.account.code, amount=-ln.amount, currency=ln.currency, memo=ln.memo)
        for ln in original.lines.select_related("account").order_by("line_no")
    ]
    mirror = EntryIn(
        date=date or original.date,
        lines=lines,
        memo=memo if memo is not None else f"Reversal of entry {original.pk}",
        source_ref=original.source_ref,
        idempotency_key=idempotency_key,
    )
    try:
        return post_journal_entry(tenant=tenant, actor=actor, entry=mirror, reverses=original)
    except IntegrityError as exc:
        raise Conflict(
            f"Entry {original.pk} was already reversed.", code="already_reversed"
        ) from exc


def validate_entries(
    *, tenant: Organization, entries: Sequence[EntryIn], limit: int = MAX_BULK_ERRORS
) -> dict[str, list[str]]:
    """Field errors of a batch, keyed `entries[i].…`, without writing (for importers)."""
    return _validate_batch(_Context(tenant), entries, limit)[0]


def _validate_batch(
    ctx: _Context, entries: Sequence[EntryIn], limit: int = MAX_BULK_ERRORS
) -> tuple[dict[str, list[str]], dict[str, int]]:
    errors: dict[str, list[str]] = {}
    keys: dict[str, int] = {}
    for i, entry in enumerate(entries):
        found = _validate(ctx, entry, prefix=f"entries[{i}].")
        if entry.idempotency_key:
            if entry.idempotency_key in keys:
                found[f"entries[{i}].idempotency_key"] = [
                    f"repeats entries[{keys[entry.idempotency_key]}]"
                ]
            keys[entry.idempotency_key] = i
        errors.update(found)
        if len(errors) >= limit:
            break
    return errors, keys


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
    ctx = _Context(tenant)
    errors, keys = _validate_batch(ctx, entries)
    if errors:
        raise DomainError(
            f"{len(errors)} problem(s) in the batch; nothing was posted.",
            code="invalid_entries",
            fields=errors,
        )
    result = BulkResult()
    digests = [fingerprint(e) if e.idempotency_key else "" for e in entries]
    skip: set[int] = set()
    if keys:
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
                    code="idempotency_key_reused",
                    fields={f"entries[{i}].idempotency_key": ["already used"]},
                )
            skip.add(i)
    todo = [(i, e) for i, e in enumerate(entries) if i not in skip]
    result.duplicates = len(skip)
    if not todo:
        return result
    with transaction.atomic():
        dates = [e.date for _, e in todo]
        _guard_period(tenant, min(dates), max(dates))
        ids = _reserve_entry_ids(len(todo))
        now = timezone.now()
        author_id = actor.pk if actor is not None and actor.is_authenticated else None
        entry_rows = []
        line_rows = []
        deltas: dict[tuple[int, str], int] = defaultdict(int)
        daily: dict[tuple[int, str, date], int] = defaultdict(int)
        batch_hash = hashlib.sha256()
        for entry_id, (i, e) in zip(ids, todo, strict=True):
            entry_rows.append(
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
                line_rows.append(
                    (tenant.pk, entry_id, n, info.id, currency, line.amount, e.date, line.memo)
                )
                deltas[(info.id, currency)] += line.amount
                daily[(info.id, currency, e.date)] += line.amount
            batch_hash.update(f"{entry_id}:{digests[i] or e.date}".encode())
        _insert_entries(entry_rows, line_rows)
        _apply_balances(tenant.pk, deltas, daily)
        record_events(
            tenant=tenant,
            actor=actor,
            events=[
                PendingEvent(
                    "ledger.entries_bulk_posted",
                    "ledger.journalentry",
                    f"{ids[0]}-{ids[-1]}",
                    None,
                    {
                        "entries": len(entry_rows),
                        "lines": len(line_rows),
                        "first_id": ids[0],
                        "last_id": ids[-1],
                        "digest": batch_hash.hexdigest(),
                    },
                )
            ],
        )
    result.created = len(entry_rows)
    result.lines = len(line_rows)
    result.entry_ids = ids
    return result


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


# --- periods and rates ----------------------------------------------------------------


def create_fiscal_year(
    *, tenant: Organization, actor: User | None, year: int, start_month: int = 1
) -> FiscalYear:
    """A fiscal year of twelve monthly periods starting on the first of `start_month`."""
    if not 1 <= start_month <= 12:
        raise DomainError("Start month is 1 to 12.", fields={"start_month": ["1 to 12"]})
    start = date(year, start_month, 1)
    months = []
    y, m = year, start_month
    for _ in range(12):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        months.append((date(y, m, 1), date.fromordinal(date(ny, nm, 1).toordinal() - 1)))
        y, m = ny, nm
    name = f"FY{year}" if start_month == 1 else f"FY{year}/{(year + 1) % 100:02d}"
    with transaction.atomic():
        if (
            FiscalYear.objects.for_tenant(tenant)
            .filter(start__lte=months[-1][1])
            .filter(end__gte=start)
            .exists()
        ):
            raise Conflict("Fiscal years may not overlap.", fields={"year": ["overlaps"]})
        fy = FiscalYear.objects.create(tenant=tenant, name=name, start=start, end=months[-1][1])
        Period.objects.bulk_create(
            [
                Period(tenant=tenant, fiscal_year=fy, name=f"{s:%Y-%m}", start=s, end=e)
                for s, e in months
            ]
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="ledger.fiscal_year_created",
            obj=fy,
            after={"name": name, "start": str(start), "end": str(months[-1][1])},
        )
    return fy


def set_period_lock(
    *, tenant: Organization, actor: User | None, period_id: int, locked: bool
) -> Period:
    """Lock or unlock a period (finance role; the caller checks Perm.LOCK_PERIODS)."""
    with transaction.atomic():
        period = Period.objects.for_tenant(tenant).select_for_update().filter(pk=period_id).first()
        if period is None:
            raise NotFound("No such period.")
        if period.is_locked == locked:
            return period
        period.is_locked = locked
        period.locked_at = timezone.now() if locked else None
        period.locked_by = actor if locked and actor is not None else None
        period.save(update_fields=["is_locked", "locked_at", "locked_by"])
        record_event(
            tenant=tenant,
            actor=actor,
            action="ledger.period_locked" if locked else "ledger.period_unlocked",
            obj=period,
            before={"is_locked": not locked},
            after={"is_locked": locked, "period": period.name},
        )
    return period


def set_exchange_rate(
    *,
    tenant: Organization,
    actor: User | None,
    day: date,
    base: str,
    quote: str,
    rate: Decimal,
) -> ExchangeRate:
    """Enter (or correct) the rate for one day: 1 `base` = `rate` `quote`."""
    base_code = _check_currency(base, "base")
    quote_code = _check_currency(quote, "quote")
    if base_code == quote_code:
        raise DomainError("Base and quote differ.", fields={"quote": ["same as base"]})
    if rate <= 0:
        raise DomainError("A rate is positive.", fields={"rate": ["must be > 0"]})
    with transaction.atomic():
        obj, _created = ExchangeRate.objects.for_tenant(tenant).update_or_create(
            tenant=tenant,
            date=day,
            base_id=base_code,
            quote_id=quote_code,
            defaults={"rate": rate},
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="ledger.rate_set",
            obj=obj,
            after={"date": str(day), "pair": f"{base_code}/{quote_code}", "rate": str(rate)},
        )
    return obj
