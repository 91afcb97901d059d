"""A retention run over N finished items with three confidential fields (two blind-
indexed), then an offboarding (archive + erase + key destruction) of a second client.

    .venv/bin/python bench/privacy_retention.py --db postgresql --rows 20000

Items come in through the real intake (`submit_items`), are marked done 40 days ago, and
a 30-day `delete` rule is applied by `apply_rule` (500 items per transaction, what the
periodic task runs). Creates and drops its own database (bo_bench_privacy). Prints
figures; asserts only that every item was erased and the audit chain verifies.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from sensitive_intake import intake, setup
from work_common import create_database, drop_database, machine, migrate

NAME = "bo_bench_privacy"


def finish_all(engagement) -> None:  # type: ignore[no-untyped-def]
    from django.db import transaction
    from django.utils import timezone

    from backoffice.core.rls import set_rls_tenants
    from backoffice.work.models import WorkItem

    with transaction.atomic():
        set_rls_tenants([engagement.tenant_id])
        WorkItem.objects.for_tenant(engagement.tenant_id).update(
            state="done", completed_at=timezone.now() - timedelta(days=40)
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    create_database(args.db, NAME)
    migrate()
    try:
        from django.db import transaction

        from backoffice.audit.verify import verify_tenant_chain
        from backoffice.core.rls import set_rls_tenants
        from backoffice.privacy import offboarding, services
        from backoffice.privacy.models import ErasedItem
        from backoffice.tenancy.models import Organization

        engagements = setup()
        sealed, plain = engagements[True], engagements[False]
        intake(sealed, args.rows)
        intake(plain, args.rows)
        finish_all(sealed)
        rule = services.set_retention_rule(engagement=sealed, actor=None, days=30, action="delete")
        t0 = time.perf_counter()
        with transaction.atomic():
            set_rls_tenants([sealed.tenant_id])
            preview = services.preview_rule(rule)
        t_preview = time.perf_counter() - t0
        t0 = time.perf_counter()
        services.apply_rule(rule=rule)
        t_apply = time.perf_counter() - t0
        with transaction.atomic():
            set_rls_tenants([sealed.tenant_id])
            erased = ErasedItem.objects.for_tenant(sealed.tenant_id).count()
        assert erased == args.rows == preview.due, (erased, preview.due)
        assert verify_tenant_chain(sealed.tenant_id) is None
        org = Organization.objects.get(pk=plain.tenant_id)
        t0 = time.perf_counter()
        job = offboarding.start_offboarding(org=org, actor=None, confirm=org.name, enqueue=False)
        job = offboarding.continue_offboarding(tenant_id=org.pk, job_id=job.pk)
        t_off = time.perf_counter() - t0
        assert job.status == "done" and job.erased["items"] == args.rows
        n = args.rows
        print(f"machine: {machine()}")
        print(f"database: {args.db}; {n:,} finished items, 3 confidential fields, 2 indexed")
        print(f"retention preview: {t_preview * 1000:.0f} ms")
        rate = n / t_apply
        print(f"retention run (delete, 500 a transaction): {t_apply:.1f} s, {rate:,.0f} items/s")
        print(
            f"offboarding of {n:,} plain items (archive {job.archive_bytes / 1e6:.1f} MB, "
            f"then erase): {t_off:.1f} s -> {n / t_off:,.0f} items/s"
        )
    finally:
        drop_database(args.db, NAME)


if __name__ == "__main__":
    main()
