"""What a posting must satisfy before anything is written: the inputs (`EntryIn`, `LineIn`),
the checks that report every problem keyed by field, and the content fingerprint that
tells a retry from the reuse of an idempotency key."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from backoffice.core.dates import date_problem
from backoffice.core.errors import DomainError
from backoffice.core.numbers import MAX_AMOUNT
from backoffice.core.text import text_problem
from backoffice.ledger import money
from backoffice.ledger.models import Account, Currency, Period
from backoffice.tenancy.models import Organization

MAX_LINES = 500
MAX_BULK_ERRORS = 200


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


@dataclass(frozen=True)
class AccountInfo:
    id: int
    code: str
    currency: str | None
    is_active: bool


class Context:
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
        self.accounts: dict[str, AccountInfo] = {
            code: AccountInfo(pk, code, cur, bool(active)) for pk, code, cur, active in rows
        }
        self.exponents = money.exponents()
        self.locked: list[tuple[date, date, str]] = []
        if periods:  # single postings learn about locks from guard_period, under the lock
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

    def line_currency(self, line: LineIn) -> str:
        """The line's own currency, else the account's restriction, else the tenant's."""
        info = self.accounts[line.account]
        return (line.currency or info.currency or self.tenant.currency).upper()


def check_currency(code: str | None, field_name: str = "currency") -> str | None:
    """An ISO 4217 code in upper case, None for none; unknown codes are a field error."""
    if code is None or code == "":
        return None
    code = code.upper()
    if not Currency.objects.filter(code=code).exists():
        raise DomainError(
            f"Unknown currency {code!r}.", fields={field_name: ["not an ISO 4217 code"]}
        )
    return code


def _check_header(errors: dict[str, list[str]], ctx: Context, entry: EntryIn, prefix: str) -> None:
    """The entry's own fields and its number of lines."""
    problem = date_problem(entry.date)
    if problem:
        errors[f"{prefix}date"].append(problem)
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
        problem = text_problem(getattr(entry, name) or "")
        if problem:
            errors[f"{prefix}{name}"].append(problem)
    if len(entry.lines) < 2:
        errors[f"{prefix}lines"].append("an entry needs at least two lines")
    if len(entry.lines) > MAX_LINES:
        errors[f"{prefix}lines"].append(f"at most {MAX_LINES} lines")


def validate_entry(ctx: Context, entry: EntryIn, prefix: str = "") -> dict[str, list[str]]:
    """Every problem of one entry, keyed by field (`lines[2].account`); empty when valid."""
    errors: dict[str, list[str]] = defaultdict(list)
    _check_header(errors, ctx, entry, prefix)
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
            errors[f"{where}amount"].append("a whole number")
            continue
        if line.amount == 0:
            errors[f"{where}amount"].append("must not be zero")
        elif abs(line.amount) > MAX_AMOUNT:
            errors[f"{where}amount"].append(f"too large: at most {MAX_AMOUNT:,}")
        if len(line.memo) > 200:
            errors[f"{where}memo"].append("at most 200 characters")
        problem = text_problem(line.memo)
        if problem:
            errors[f"{where}memo"].append(problem)
        totals[currency] += line.amount
    for currency, total in sorted(totals.items()):
        if total != 0:
            side = "debits exceed credits" if total > 0 else "credits exceed debits"
            by = money.format_minor(abs(total), currency)
            errors[f"{prefix}lines"].append(f"does not balance in {currency}: {side} by {by}")
    return dict(errors)


def validate_batch(
    ctx: Context, entries: Sequence[EntryIn], limit: int = MAX_BULK_ERRORS
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """A batch's errors keyed `entries[i].…` (at most about `limit`), and the index of the
    entry holding each idempotency key; a key repeated within the batch is an error."""
    errors: dict[str, list[str]] = {}
    keys: dict[str, int] = {}
    for i, entry in enumerate(entries):
        found = validate_entry(ctx, entry, prefix=f"entries[{i}].")
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


def validate_entries(
    *, tenant: Organization, entries: Sequence[EntryIn], limit: int = MAX_BULK_ERRORS
) -> dict[str, list[str]]:
    """Field errors of a batch, keyed `entries[i].…`, without writing (for importers)."""
    return validate_batch(Context(tenant), entries, limit)[0]


def fingerprint(entry: EntryIn) -> str:
    """Content hash: the same key with the same content is a retry, else a conflict."""
    body = [
        str(entry.date),
        entry.memo,
        entry.source_ref,
        [[ln.account, (ln.currency or "").upper(), ln.amount, ln.memo] for ln in entry.lines],
    ]
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()
