"""Shared set-up for the ledger benchmarks: an own database, migrated, with tenants.

PostgreSQL: creates (and at the end drops) `bo_bench_ledger` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432). SQLite: a fresh file in a temporary directory.
Benchmarks print figures; they are never tests.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_DB", "bo_bench_ledger")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django(db: str, *, pg_db: str = PG_DB) -> None:
    """Point Django at a fresh benchmark database (`pg_db` on PostgreSQL) and migrate it."""
    if db == "postgres":
        _pg_admin(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {pg_db}")
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{pg_db}"
    else:
        tmp = tempfile.mkdtemp(prefix=f"{pg_db}_")
        os.environ.pop("DATABASE_URL", None)
        os.environ["BACKOFFICE_DATA_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    # Production runs with DEBUG off; with it on, Django logs every query it sends.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def teardown(db: str, *, pg_db: str = PG_DB) -> None:
    """Drop the benchmark database (kept with BENCH_KEEP_DB=1)."""
    if os.environ.get("BENCH_KEEP_DB"):
        return
    from django.db import connections

    connections.close_all()
    if db == "postgres":
        _pg_admin(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)")
    else:
        shutil.rmtree(os.environ["BACKOFFICE_DATA_DIR"], ignore_errors=True)


def make_tenants(n: int, accounts: int) -> list[Any]:
    """A provider and `n` client tenants, each with `accounts` leaf accounts (A000...)."""
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.ledger.models import Account
    from backoffice.tenancy import services

    tenants = []
    with transaction.atomic():
        set_rls_bypass()
        provider = services.create_organization(
            slug="bench-provider", name="Bench provider", kind="provider"
        )
        for i in range(n):
            t = services.create_organization(
                slug=f"bench-{i}",
                name=f"Bench {i}",
                kind="client",
                provider=provider,
                currency="USD",
            )
            types = ["asset", "liability", "equity", "income", "expense"]
            Account.objects.bulk_create(
                [
                    Account(tenant=t, code=f"A{k:03d}", name=f"Account {k}", type=types[k % 5])
                    for k in range(accounts)
                ]
            )
            tenants.append(t)
    return tenants


@contextmanager
def bypass() -> Any:
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass

    with transaction.atomic():
        set_rls_bypass()
        yield


def verify_balances(tenants: list[Any]) -> tuple[bool, str]:
    """Every balance row equals the sum of its lines; balances sum to zero per currency."""
    from django.db import connection

    with bypass(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH l AS (
              SELECT tenant_id, account_id, currency, SUM(amount) AS s
              FROM ledger_journalline GROUP BY tenant_id, account_id, currency
            ), d AS (
              SELECT tenant_id, account_id, currency, SUM(delta) AS s
              FROM ledger_dailybalance GROUP BY tenant_id, account_id, currency
            )
            SELECT
              (SELECT COUNT(*) FROM l FULL JOIN ledger_accountbalance b
                 ON b.tenant_id = l.tenant_id AND b.account_id = l.account_id
                AND b.currency = l.currency
               WHERE COALESCE(b.balance, 0) <> COALESCE(l.s, 0)),
              (SELECT COUNT(*) FROM l FULL JOIN d
                 ON d.tenant_id = l.tenant_id AND d.account_id = l.account_id
                AND d.currency = l.currency
               WHERE COALESCE(d.s, 0) <> COALESCE(l.s, 0)),
              (SELECT COUNT(*) FROM (SELECT tenant_id, currency FROM ledger_accountbalance
                 GROUP BY tenant_id, currency HAVING SUM(balance) <> 0) z),
              (SELECT COUNT(*) FROM ledger_journalline)
            """
        )
        bad_bal, bad_daily, unbalanced, lines = cursor.fetchone()
    ok = bad_bal == 0 and bad_daily == 0 and unbalanced == 0
    return ok, (
        f"lines={lines} balance_mismatches={bad_bal} daily_mismatches={bad_daily} "
        f"tenant_currencies_not_zero={unbalanced}"
    )


def machine() -> str:
    return f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}"


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
