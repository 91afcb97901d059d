"""Reading journal entries from CSV or JSONL, with errors reported per row and column.

CSV: one line per row; rows sharing an `entry` value form one entry, and that value is
the entry's idempotency key (re-importing a file posts nothing twice). Columns: entry,
date, account, and either `amount` (signed minor units, debit > 0) or `debit` / `credit`
(major units, e.g. 12.50); optional: currency, memo, source_ref, line_memo.

JSONL: one entry per line, the API's shape: {"date", "memo", "source_ref",
"idempotency_key", "lines": [{"account", "amount" | "debit"/"credit" (minor units),
"currency", "memo"}]}.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from backoffice.ledger.money import parse_major
from backoffice.ledger.services import EntryIn, LineIn


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Parsed:
    entries: list[EntryIn] = field(default_factory=list)
    # entries[i] -> source row of the entry, and of each of its lines
    entry_rows: list[int] = field(default_factory=list)
    line_rows: list[list[int]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_file(path: Path, *, default_currency: str) -> Parsed:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return parse_jsonl(path.open(encoding="utf-8"), default_currency=default_currency)
    return parse_csv(path.open(encoding="utf-8", newline=""), default_currency=default_currency)


def parse_csv(lines: Any, *, default_currency: str) -> Parsed:
    out = Parsed()
    reader = csv.DictReader(lines)
    missing = {"entry", "date", "account"} - set(reader.fieldnames or [])
    if missing:
        out.errors.append(RowError(1, ",".join(sorted(missing)), "missing column(s)"))
        return out
    groups: dict[str, int] = {}
    for n, row in enumerate(reader, start=2):
        key = (row.get("entry") or "").strip()
        if not key:
            out.errors.append(RowError(n, "entry", "required"))
            continue
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            out.errors.append(RowError(n, "date", "a date (YYYY-MM-DD) is required"))
            continue
        currency = (row.get("currency") or "").strip().upper() or None
        amount = _csv_amount(row, n, currency or default_currency, out.errors)
        if amount is None:
            continue
        line = LineIn(
            account=(row.get("account") or "").strip(),
            amount=amount,
            currency=currency,
            memo=(row.get("line_memo") or "").strip(),
        )
        if key not in groups:
            groups[key] = len(out.entries)
            out.entries.append(
                EntryIn(
                    date=day,
                    lines=[],
                    memo=(row.get("memo") or "").strip(),
                    source_ref=(row.get("source_ref") or "").strip(),
                    idempotency_key=key,
                )
            )
            out.entry_rows.append(n)
            out.line_rows.append([])
        i = groups[key]
        if out.entries[i].date != day:
            out.errors.append(RowError(n, "date", f"differs from the entry's first row ({day})"))
        out.entries[i].lines.append(line)  # type: ignore[attr-defined]
        out.line_rows[i].append(n)
    return out


def _csv_amount(row: dict, n: int, currency: str, errors: list[RowError]) -> int | None:
    raw = (row.get("amount") or "").strip()
    if raw:
        try:
            return int(raw)
        except ValueError:
            errors.append(RowError(n, "amount", WHOLE))
            return None
    try:
        debit = parse_major(row.get("debit") or "", currency) or 0
        credit = parse_major(row.get("credit") or "", currency) or 0
    except ValueError as exc:
        errors.append(RowError(n, "debit/credit", str(exc)))
        return None
    if debit and credit:
        errors.append(RowError(n, "debit/credit", "give a debit or a credit, not both"))
        return None
    return debit - credit


def parse_jsonl(lines: Any, *, default_currency: str) -> Parsed:
    out = Parsed()
    for n, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            out.errors.append(RowError(n, "-", f"not a JSON object: {exc}"))
            continue
        try:
            day = date.fromisoformat(str(obj.get("date", "")))
        except ValueError:
            out.errors.append(RowError(n, "date", "a date (YYYY-MM-DD) is required"))
            continue
        key = obj.get("idempotency_key")
        if key is not None and not isinstance(key, str):
            out.errors.append(RowError(n, "idempotency_key", "a string"))
            continue
        lines_in = [
            line
            for j, ln in enumerate(obj.get("lines") or [])
            if (line := _jsonl_line(ln, n, j, out.errors)) is not None
        ]
        out.entries.append(
            EntryIn(
                date=day,
                lines=lines_in,
                memo=str(obj.get("memo", "")),
                source_ref=str(obj.get("source_ref", "")),
                idempotency_key=key,
            )
        )
        out.entry_rows.append(n)
        out.line_rows.append([n] * len(lines_in))
    return out


def _jsonl_line(ln: Any, n: int, j: int, errors: list[RowError]) -> LineIn | None:
    """One JSONL line object; amounts are integers of minor units (a signed `amount`, or
    `debit` / `credit`), never fractions to be cut."""
    if not isinstance(ln, dict):
        errors.append(RowError(n, f"lines[{j}]", "not an object"))
        return None
    amount = ln.get("amount")
    if amount is None:
        debit, credit = ln.get("debit") or 0, ln.get("credit") or 0
        for name, value in (("debit", debit), ("credit", credit)):
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append(RowError(n, f"lines[{j}].{name}", WHOLE))
                return None
        amount = debit - credit
    currency = ln.get("currency")
    if currency is not None and not isinstance(currency, str):
        errors.append(RowError(n, f"lines[{j}].currency", "an ISO 4217 code"))
        return None
    return LineIn(
        account=str(ln.get("account", "")),
        amount=amount,
        currency=currency,
        memo=str(ln.get("memo", "")),
    )


WHOLE = "a whole number in the currency's smallest unit (cents: 1250 for 12.50)"
_KEY = re.compile(r"entries\[(\d+)\]\.(?:lines\[(\d+)\]\.)?(.+)")


def locate(parsed: Parsed, fields: dict[str, list[str]]) -> Iterator[RowError]:
    """Turn service field errors (`entries[3].lines[1].account`) into row/column errors."""
    for key, messages in fields.items():
        m = _KEY.fullmatch(key)
        if not m:
            for msg in messages:
                yield RowError(0, key, msg)
            continue
        i, j, column = int(m.group(1)), m.group(2), m.group(3)
        row = parsed.entry_rows[i]
        if j is not None and int(j) < len(parsed.line_rows[i]):
            row = parsed.line_rows[i][int(j)]
        for msg in messages:
            yield RowError(row, column, msg)
