"""The maintained balances: every posting adds its lines to one balance row per (account,
currency) and one daily row per (account, currency, date), in the posting's transaction.

Rows are added to, never overwritten: every write path ends its INSERT with the same merge
clause, and takes the rows in key order so that concurrent postings cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection

EPOCH = date(1970, 1, 1).toordinal()

BALANCE_INSERT = "INSERT INTO ledger_accountbalance (tenant_id, account_id, currency, balance) "
BALANCE_MERGE = (
    " ON CONFLICT (tenant_id, account_id, currency) "
    "DO UPDATE SET balance = ledger_accountbalance.balance + excluded.balance"
)
DAILY_INSERT = "INSERT INTO ledger_dailybalance (tenant_id, account_id, currency, date, delta) "
DAILY_MERGE = (
    " ON CONFLICT (tenant_id, account_id, currency, date) "
    "DO UPDATE SET delta = ledger_dailybalance.delta + excluded.delta"
)


def pg_array(values: Iterable[int | str]) -> str:
    """An array literal of integers or currency codes (validated: no quoting needed);
    much cheaper to build than letting the driver adapt long Python lists."""
    return "{" + ",".join(map(str, values)) + "}"


def apply_balances(
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
                    f"{BALANCE_INSERT}SELECT %s, a, c, v "
                    f"FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS t(a, c, v)"
                    f"{BALANCE_MERGE}",
                    [
                        tenant_id,
                        pg_array(k[0] for k, _ in bal),
                        pg_array(k[1] for k, _ in bal),
                        pg_array(v for _, v in bal),
                    ],
                )
            if days:
                cursor.execute(
                    f"{DAILY_INSERT}SELECT %s, a, c, DATE '1970-01-01' + d, v "
                    "FROM unnest(%s::bigint[], %s::varchar[], %s::int[], %s::bigint[]) "
                    f"AS t(a, c, d, v){DAILY_MERGE}",
                    [
                        tenant_id,
                        pg_array(k[0] for k, _ in days),
                        pg_array(k[1] for k, _ in days),
                        pg_array(k[2].toordinal() - EPOCH for k, _ in days),
                        pg_array(v for _, v in days),
                    ],
                )
            return
        cursor.executemany(
            f"{BALANCE_INSERT}VALUES (%s, %s, %s, %s){BALANCE_MERGE}",
            [(tenant_id, a, c, v) for (a, c), v in bal],
        )
        cursor.executemany(
            f"{DAILY_INSERT}VALUES (%s, %s, %s, %s, %s){DAILY_MERGE}",
            [(tenant_id, a, c, d, v) for (a, c, d), v in days],
        )
