"""Side by side with django-hordak: the same 100,000 lines on the same PostgreSQL.

    .venv/bin/python bench/ledger_hordak.py --lines 100000

django-hordak is installed by this script into its own virtualenv (default
/tmp/bo_hordak_venv; never a project dependency) and runs in a subprocess against its own
database (bo_bench_hordak) on the same server. Both sides post 2-line entries over 100
accounts in batches of 10,000 entries per database transaction:
  - ours: `bulk_post_entries` (validation, COPY, balance + daily rows, audit event);
  - hordak: its fastest ORM route, `Transaction`/`Leg` `bulk_create` (its deferred
    per-leg balance trigger checks at commit), plus its idiomatic `transfer_to` on a sample.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from ledger_common import PG_SERVER, Timer, bypass, machine, make_tenants, setup_django, teardown

VENV = Path(os.environ.get("HORDAK_VENV", "/tmp/bo_hordak_venv"))

HORDAK_SETTINGS = """
SECRET_KEY = "bench"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "mptt", "djmoney",
                  "hordak"]
import os
import dj_database_url
DATABASES = {"default": dj_database_url.parse(os.environ["HORDAK_DB"])}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DEFAULT_CURRENCY = "USD"
CURRENCIES = ["USD"]
HORDAK_DECIMAL_PLACES = 2
"""

HORDAK_RUN = r"""
import json, os, random, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from datetime import date, timedelta
from decimal import Decimal
from django.db import transaction
from djmoney.money import Money
from hordak.models import Account, Transaction, Leg

lines, batch, sample = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
types = ["AS", "LI", "EQ", "IN", "EX"]
accounts = [Account.objects.create(name=f"A{k:03d}", code=f"{k:03d}", type=types[k % 5],
                                   currencies=["USD"]) for k in range(100)]
rng = random.Random(7)
start = date(2026, 1, 1)
entries = lines // 2
t0 = time.perf_counter()
done = 0
while done < entries:
    n = min(batch, entries - done)
    with transaction.atomic():
        txs = Transaction.objects.bulk_create(
            [Transaction(date=start + timedelta(days=rng.randrange(365)), description="bench")
             for _ in range(n)])
        legs = []
        for tx in txs:
            a, b = rng.sample(accounts, 2)
            amount = Money(Decimal(rng.randint(1, 1_000_000)) / 100, "USD")
            legs.append(Leg(transaction=tx, account=a, debit=amount))
            legs.append(Leg(transaction=tx, account=b, credit=amount))
        Leg.objects.bulk_create(legs)
    done += n
bulk_s = time.perf_counter() - t0
t0 = time.perf_counter()
for i in range(sample):
    a, b = rng.sample(accounts, 2)
    with transaction.atomic():
        a.transfer_to(b, Money(Decimal("1.00"), "USD"), description="sample")
transfer_s = time.perf_counter() - t0
print(json.dumps({"lines": entries * 2, "bulk_s": bulk_s, "sample": sample,
                  "transfer_s": transfer_s}))
"""


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import hordak, dj_database_url"], check=False)
    if probe.returncode != 0:
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "django-hordak",
                "psycopg[binary]",
                "dj-database-url",
            ],
            check=True,
        )
    return python


def run_hordak(python: Path, lines: int, batch: int, sample: int) -> dict:
    import psycopg

    db = "bo_bench_hordak"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "hordak_bench_settings.py").write_text(textwrap.dedent(HORDAK_SETTINGS))
            Path(tmp, "run.py").write_text(HORDAK_RUN)
            env = {
                **os.environ,
                "PYTHONPATH": tmp,
                "DJANGO_SETTINGS_MODULE": "hordak_bench_settings",
                "HORDAK_DB": f"{PG_SERVER}/{db}",
            }
            env.pop("DATABASE_URL", None)
            out = subprocess.run(
                [str(python), str(Path(tmp, "run.py")), str(lines), str(batch), str(sample)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
        return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def run_ours(lines: int, batch: int, sample: int) -> dict:
    import random
    from datetime import date, timedelta

    from backoffice.ledger.services import EntryIn, LineIn, bulk_post_entries, post_journal_entry

    (tenant,) = make_tenants(1, 100)
    codes = [f"A{k:03d}" for k in range(100)]
    rng = random.Random(7)
    start = date(2026, 1, 1)
    entries = lines // 2
    batches = []
    for first in range(0, entries, batch):
        batch_entries = []
        for _ in range(min(batch, entries - first)):
            a, b = rng.sample(codes, 2)
            amount = rng.randint(1, 1_000_000)
            batch_entries.append(
                EntryIn(
                    date=start + timedelta(days=rng.randrange(365)),
                    memo="bench",
                    lines=[LineIn(a, amount), LineIn(b, -amount)],
                )
            )
        batches.append(batch_entries)
    with Timer() as t_bulk:
        for b in batches:
            with bypass():
                bulk_post_entries(tenant=tenant, actor=None, entries=b)
    with Timer() as t_single:
        for _ in range(sample):
            a, b = rng.sample(codes, 2)
            e = EntryIn(date=start, memo="sample", lines=[LineIn(a, 100), LineIn(b, -100)])
            with bypass():
                post_journal_entry(tenant=tenant, actor=None, entry=e)
    return {"lines": entries * 2, "bulk_s": t_bulk.seconds, "single_s": t_single.seconds}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lines", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--sample", type=int, default=1_000, help="single entries, each side")
    args = p.parse_args()
    python = ensure_venv()
    setup_django("postgres")
    try:
        ours = run_ours(args.lines, args.batch, args.sample)
    finally:
        teardown("postgres")
    theirs = run_hordak(python, args.lines, args.batch, args.sample)
    ours_rate = ours["lines"] / ours["bulk_s"]
    theirs_rate = theirs["lines"] / theirs["bulk_s"]
    print(f"machine: {machine()}")
    print(
        f"ours   bulk_post_entries: {ours['lines']:,} lines in {ours['bulk_s']:.1f} s "
        f"= {ours_rate:,.0f} lines/s"
    )
    print(
        f"hordak bulk_create:       {theirs['lines']:,} lines in {theirs['bulk_s']:.1f} s "
        f"= {theirs_rate:,.0f} lines/s"
    )
    print(f"ratio (ours / hordak), bulk: {ours_rate / theirs_rate:.2f}x")
    ours_single = args.sample / ours["single_s"]
    theirs_single = theirs["sample"] / theirs["transfer_s"]
    print(
        f"single entries, 1 writer: ours post_journal_entry {ours_single:,.0f}/s, "
        f"hordak transfer_to {theirs_single:,.0f}/s, ratio {ours_single / theirs_single:.2f}x"
    )


if __name__ == "__main__":
    main()
