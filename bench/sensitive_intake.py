"""Intake of N items with three confidential fields, beside the same intake without them,
then a data-key rotation over the sealed items.

    .venv/bin/python bench/sensitive_intake.py --db postgresql --rows 100000
    .venv/bin/python bench/sensitive_intake.py --db postgresql --rows 1000000

Two clients of one provider get the same engagement but for the schema: one marks claimant
and policy number as personal data (searchable: blind index) and the bank account as
payment data; the other marks nothing. The same rows go through the real intake service
(`submit_items`: validation, sealing in the read-ahead thread, COPY, blind-index rows) for
each; then the sealed tenant's data key is rotated (`start_rotation` + `continue_rotation`,
what the background task runs) and every value re-sealed. Creates and drops its own
database (PostgreSQL: bo_bench_vault). Prints figures; asserts only that every value opens.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from typing import Any

from work_common import create_database, drop_database, machine, migrate

NAME = "bo_bench_vault"
FIELDS = {
    "claimant": {"type": "string", "minLength": 1},
    "policy_number": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{7}$"},
    "bank_account": {"type": "string"},
    "claimed_amount": {"type": "number", "minimum": 0},
    "loss_date": {"type": "string", "format": "date"},
}
MARKS = {
    "claimant": {"x-sensitive": "pii", "x-search": True},
    "policy_number": {"x-sensitive": "pii", "x-search": True},
    "bank_account": {"x-sensitive": "payment"},
}


def schema(sealed: bool) -> dict[str, Any]:
    props = {k: {**v, **(MARKS.get(k, {}) if sealed else {})} for k, v in FIELDS.items()}
    return {
        "type": "object",
        "properties": props,
        "required": list(FIELDS),
        "additionalProperties": False,
    }


def rows(n: int, start: int = 0) -> Iterator[Any]:
    from backoffice.work.services.submit import ItemInput

    rng = random.Random(7 + start)
    names = ["J. Rivera", "M. Chen", "A. Okafor", "S. Novak", "L. Moreau", "K. Tanaka"]
    for i in range(start, start + n):
        yield ItemInput(
            f"CL-{i:08d}",
            {
                "claimant": f"{rng.choice(names)} {i}",
                "policy_number": f"AC-{i:07d}",
                "bank_account": f"DE{10 + i % 89:02d}3704004405320{i:05d}",
                "claimed_amount": rng.randint(100, 50000),
                "loss_date": f"2026-{1 + i % 9:02d}-{1 + i % 28:02d}",
            },
        )


def setup() -> dict[bool, Any]:
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.tenancy import services as tenancy
    from backoffice.work import services

    org = {"country": "US", "timezone_name": "America/New_York", "currency": "USD"}
    engagements = {}
    with transaction.atomic():
        set_rls_bypass()
        provider = tenancy.create_organization(
            slug="bench-provider", name="Bench provider", kind="provider", **org
        )
        for sealed in (False, True):
            code = "sealed" if sealed else "plain"
            st = services.create_service_type(
                provider=provider,
                actor=None,
                code=code,
                name=code,
                input_schema=schema(sealed),
                output_schema={"type": "object"},
                workflow=[{"step": "capture", "role": "agent"}],
                qa_sample_percent=0,
            )
            client = tenancy.create_organization(
                slug=f"bench-{code}", name=f"Bench {code}", kind="client", provider=provider, **org
            )
            calendar = services.create_calendar(
                tenant=client, actor=None, name="ny", holiday_country=""
            )
            engagements[sealed] = services.create_engagement(
                tenant=client, actor=None, service_type=st, calendar=calendar, code=code
            )
    return engagements


def intake(engagement: Any, n: int, start: int = 0) -> float:
    from django.db import transaction

    from backoffice.core.rls import set_rls_tenants
    from backoffice.work.services import submit_items

    t0 = time.perf_counter()
    with transaction.atomic():
        set_rls_tenants([engagement.tenant_id])
        result = submit_items(engagement=engagement, actor=None, rows=rows(n, start))
    elapsed = time.perf_counter() - t0
    assert result.created == n, (result.created, result.rejected, result.errors[:3])
    return elapsed


def rotate(engagement: Any, chunk: int) -> tuple[float, int]:
    from backoffice.vault import services as vault

    t0 = time.perf_counter()
    job = vault.start_rotation(tenant_id=engagement.tenant_id, actor=None)
    job = vault.continue_rotation(tenant_id=engagement.tenant_id, job_id=job.pk, chunk=chunk)
    assert job.status == "done", job.status
    return time.perf_counter() - t0, job.done


def check_all_open(engagement: Any) -> int:
    """Open every sealed value of the tenant with its current keyring (raises if one fails)."""
    from django.db import transaction

    from backoffice.core.rls import set_rls_tenants
    from backoffice.vault import keys
    from backoffice.vault.fields import open_document, sensitive_fields
    from backoffice.work.models import WorkItem

    keys.forget()
    fields = sensitive_fields(engagement.input_schema)
    opened = 0
    with transaction.atomic():
        set_rls_tenants([engagement.tenant_id])
        ring = keys.keyring(engagement.tenant_id)
        qs = WorkItem.objects.for_tenant(engagement.tenant_id).only("data")
        for item in qs.iterator(chunk_size=5000):
            data = open_document(ring, fields, "data", item.data)
            assert data["bank_account"].startswith("DE")
            assert {v["kid"] for k, v in item.data.items() if k in MARKS} == {ring.active_kid}
            opened += 1
    return opened


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000, help="rotation chunk (records)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    create_database(args.db, NAME)
    migrate()
    try:
        engagements = setup()
        # A-B-B-A halves, so the tables' growth and the machine's drift weigh on both alike
        half = args.rows // 2
        plain = intake(engagements[False], half)
        sealed = intake(engagements[True], half)
        sealed += intake(engagements[True], args.rows - half, start=half)
        plain += intake(engagements[False], args.rows - half, start=half)
        rotation, done = rotate(engagements[True], args.chunk)
        opened = check_all_open(engagements[True])
        n = args.rows
        print(f"machine: {machine()}")
        print(f"database: {args.db}; {n:,} items per run, 5 fields, 3 of them confidential")
        print(f"intake without encryption: {plain:.1f} s -> {n / plain:,.0f} items/s")
        print(
            f"intake with 3 sealed fields (2 blind-indexed): {sealed:.1f} s -> "
            f"{n / sealed:,.0f} items/s"
        )
        print(f"cost of encryption: {sealed / plain:.2f}x the time ({plain / sealed:.0%} speed)")
        print(
            f"key rotation: {done:,} items, {3 * done:,} values re-sealed (+ {2 * done:,} "
            f"digests) in {rotation:.1f} s -> {3 * done / rotation:,.0f} values/s"
        )
        print(f"after rotation every value opens under the new key: {opened:,} items checked")
    finally:
        if not args.keep:
            drop_database(args.db, NAME)


if __name__ == "__main__":
    main()
