"""Intake of N items from a CSV file with validation, through the real import service.

    .venv/bin/python bench/work_intake.py --db postgresql --rows 1000000
    .venv/bin/python bench/work_intake.py --db sqlite --rows 200000

Creates and drops its own database (PostgreSQL: bo_bench_work; SQLite: /tmp). Prints
figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

from work_common import create_database, drop_database, machine, make_engagement, migrate

NAME = "bo_bench_work"


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("external_ref,name,amount,pages,doc_date\n")
        for i in range(rows):
            day = 1 + i % 28
            fh.write(
                f"INV-{i:08d},Supplier {i % 997},{rng.randint(1, 99999) / 100},"
                f"{1 + i % 5},2026-0{1 + i % 9}-{day:02d}\n"
            )


def backend_pid() -> int | None:
    """The PostgreSQL server process serving this connection (None on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a local process has used; 0 when it cannot be read."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    create_database(args.db, NAME)
    migrate()
    from django.db import transaction

    from backoffice.core.rls import set_rls_tenants
    from backoffice.work import intake
    from backoffice.work.models import WorkItem, WorkItemEvent

    try:
        _, (engagement,) = make_engagement()
        path = Path(f"/tmp/{NAME}.csv")
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        marks: dict[str, float] = {}

        def progress(validated: int, written: int | None = None) -> None:
            if written is not None and "validated" not in marks:
                marks["validated"] = time.perf_counter()

        backend = backend_pid()
        cpu0, server0 = time.process_time(), process_cpu(backend)
        t0 = time.perf_counter()
        with transaction.atomic():
            set_rls_tenants([engagement.tenant_id])
            result = intake.import_file(
                engagement=engagement,
                actor=None,
                filename=path.name,
                content=path.read_bytes(),
                progress=progress,
            )
        elapsed = time.perf_counter() - t0
        cpu, server = time.process_time() - cpu0, process_cpu(backend) - server0
        items = WorkItem.objects.for_tenant(engagement.tenant_id).count()
        events = WorkItemEvent.objects.for_tenant(engagement.tenant_id).count()
        assert result.created == args.rows == items == events, (result.created, items, events)
        print(f"machine: {machine()}")
        print(f"database: {args.db}")
        print(f"file: {args.rows:,} rows, {size_mb:.1f} MB CSV (4 schema fields + external_ref)")
        print(f"rows written: {items:,} items + {events:,} item events + 1 audit event")
        if "validated" in marks:
            first_batch = marks["validated"] - t0
            print(f"read + convert + validate + first batch written: {first_batch:.1f} s")
        print(f"total: {elapsed:.1f} s -> {args.rows / elapsed:,.0f} items/s")
        per_row = 1e6 / args.rows
        where = f"; database server process {server * per_row:.1f} µs" if backend else ""
        print(f"CPU per row: this Python process {cpu * per_row:.1f} µs{where}")
        path.unlink()
    finally:
        if not args.keep:
            drop_database(args.db, NAME)


if __name__ == "__main__":
    main()
