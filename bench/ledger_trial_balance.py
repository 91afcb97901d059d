"""Trial balance on a tenant with many lines (target: 10,000,000 lines under 200 ms).

    .venv/bin/python bench/ledger_trial_balance.py --lines 10000000

The lines are loaded set-based in SQL (INSERT ... SELECT generate_series, 1,000,000 lines
per transaction, with every ledger trigger active), then balance and daily rows are built
from them the way the service maintains them, and checked. Timed: `selectors.trial_balance`
as of now (balance rows) and as of a past date (daily rows), medians of 20 runs each.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from ledger_common import (
    Timer,
    bypass,
    machine,
    make_tenants,
    setup_django,
    teardown,
    verify_balances,
)

CHUNK = 1_000_000


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lines", type=int, default=10_000_000)
    p.add_argument("--accounts", type=int, default=100)
    args = p.parse_args()
    setup_django("postgres")
    try:
        run(args)
    finally:
        teardown("postgres")


def load(tenant_id: int, account_ids: list[int], lines: int) -> None:
    from django.db import connection

    entries = lines // 2
    done = 0
    while done < entries:
        n = min(CHUNK // 2, entries - done)
        with bypass(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO ledger_journalentry (id, tenant_id, date, memo, source_ref, "
                "fingerprint, posted_at) SELECT g, %s, DATE '2026-01-01' + (g %% 365), "
                "'bench', '', '', now() FROM generate_series(%s, %s) g",
                [tenant_id, done + 1, done + n],
            )
            cur.execute(
                "INSERT INTO ledger_journalline (tenant_id, entry_id, line_no, account_id, "
                "currency, amount, date, memo) SELECT %s, g, l, "
                "(%s::bigint[])[1 + (g * 7 + l * 13) %% %s], 'USD', "
                "CASE WHEN l = 1 THEN 1 + g %% 100000 ELSE -(1 + g %% 100000) END, "
                "DATE '2026-01-01' + (g %% 365), '' "
                "FROM generate_series(%s, %s) g, generate_series(1, 2) l",
                [tenant_id, account_ids, len(account_ids), done + 1, done + n],
            )
        done += n
        print(f"  loaded {done * 2:,} lines", flush=True)
    with bypass(), connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('ledger_journalentry', 'id'), %s)", [entries]
        )
        cur.execute(
            "INSERT INTO ledger_accountbalance (tenant_id, account_id, currency, balance) "
            "SELECT tenant_id, account_id, currency, SUM(amount) FROM ledger_journalline "
            "WHERE tenant_id = %s GROUP BY 1, 2, 3",
            [tenant_id],
        )
        cur.execute(
            "INSERT INTO ledger_dailybalance (tenant_id, account_id, currency, date, delta) "
            "SELECT tenant_id, account_id, currency, date, SUM(amount) FROM ledger_journalline "
            "WHERE tenant_id = %s GROUP BY 1, 2, 3, 4",
            [tenant_id],
        )
        cur.execute("ANALYZE")


def run(args: argparse.Namespace) -> None:
    from backoffice.ledger import selectors
    from backoffice.ledger.models import Account

    (tenant,) = make_tenants(1, args.accounts)
    with bypass():
        ids = list(Account.objects.for_tenant(tenant).values_list("id", flat=True))
    with Timer() as t_load:
        load(tenant.pk, ids, args.lines)
    ok, detail = verify_balances([tenant])

    def timed(**kw: object) -> tuple[float, int]:
        runs = []
        rows = 0
        for _ in range(20):
            t0 = time.perf_counter()
            with bypass():
                rep = selectors.trial_balance(tenant, **kw)  # type: ignore[arg-type]
            runs.append((time.perf_counter() - t0) * 1000)
            rows = len(rep.rows)
        return statistics.median(runs), rows

    now_ms, rows = timed()
    past_ms, _ = timed(as_of=date(2026, 6, 30))
    print(f"machine: {machine()}")
    print(f"loaded {args.lines:,} lines in {t_load.seconds:.0f} s (SQL, triggers active)")
    print(
        f"trial balance [postgres, {args.lines:,} lines, {rows} rows]: "
        f"current {now_ms:.1f} ms, as of 2026-06-30 {past_ms:.1f} ms (median of 20)"
    )
    print(f"verified: {'OK' if ok else 'FAILED'} ({detail})")


if __name__ == "__main__":
    main()
