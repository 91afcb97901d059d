"""Invoice throughput: create and issue (number, move stock, post to the ledger) five-line
invoices one by one through the commerce service layer.

    .venv/bin/python bench/commerce_invoices.py --db postgres --invoices 10000
    .venv/bin/python bench/commerce_invoices.py --db sqlite --invoices 10000

Each invoice has 3 stock lines (moving-average valuation, COGS posted) and 2 service
lines, two tax rates, one customer out of 50. Timed: create_document + issue_document per
invoice (two transactions each, as the API does them). At the end the receivable balance
is checked against the sum of invoice totals, the inventory account against the sum of
moves, and the quantity-on-hand rows against the moves per product and location. One more
invoice, untimed, counts the queries of a create + issue.
PostgreSQL: creates and drops `bo_bench_commerce` ($BENCH_PG_DB) on $BENCH_PG. SQLite: a
temporary file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_common import setup_django, teardown

PG_DB = os.environ.get("BENCH_PG_DB", "bo_bench_commerce")


def seed() -> tuple[Any, list[Any], list[Any], list[Any]]:
    """A client with a chart, two tax rates, 50 customers, 20 stock and 5 service products."""
    from django.db import transaction

    from backoffice.commerce import services
    from backoffice.core.rls import set_rls_bypass
    from backoffice.ledger.services import apply_chart_template
    from backoffice.tenancy import services as tenancy

    with transaction.atomic():
        set_rls_bypass()
        provider = tenancy.create_organization(slug="bench-p", name="Bench", kind="provider")
        t = tenancy.create_organization(
            slug="bench-c",
            name="Bench client",
            kind="client",
            provider=provider,
            currency="EUR",
        )
        apply_chart_template(tenant=t, template="general")
        services.create_tax_rate(tenant=t, actor=None, code="VAT19", name="Std", rate="19")
        services.create_tax_rate(tenant=t, actor=None, code="VAT7", name="Red", rate="7")
        customers = [
            services.create_party(tenant=t, actor=None, code=f"C{i:03d}", name=f"Customer {i}")
            for i in range(50)
        ]
        stock = [
            services.create_product(
                tenant=t,
                actor=None,
                sku=f"S{i}",
                name=f"Stock {i}",
                sale_price=1000 + i * 37,
                cost=600 + i * 11,
                sales_taxes=["VAT19" if i % 2 else "VAT7"],
            )
            for i in range(20)
        ]
        svc = [
            services.create_product(
                tenant=t,
                actor=None,
                sku=f"V{i}",
                name=f"Service {i}",
                kind="service",
                sale_price=5000 + i * 100,
                sales_taxes=["VAT19"],
            )
            for i in range(5)
        ]
        for p in stock:
            services.adjust_stock(
                tenant=t, actor=None, product_id=p.pk, quantity=10**6, day=date(2026, 1, 1)
            )
    return t, customers, stock, svc


class Invoicer:
    """Create and issue one invoice, each step in its own transaction as a request would."""

    def __init__(self, tenant: Any) -> None:
        self.tenant = tenant

    def create(self, party_id: int, day: date, lines: list) -> int:
        from django.db import transaction

        from backoffice.commerce import services
        from backoffice.core.rls import set_rls_bypass

        with transaction.atomic():
            set_rls_bypass()
            return services.create_document(
                tenant=self.tenant,
                actor=None,
                kind="invoice",
                party_id=party_id,
                day=day,
                lines=lines,
            ).pk

    def issue(self, document_id: int) -> None:
        from django.db import transaction

        from backoffice.commerce import services
        from backoffice.core.rls import set_rls_bypass

        with transaction.atomic():
            set_rls_bypass()
            services.issue_document(tenant=self.tenant, actor=None, document_id=document_id)


def check(t: Any) -> tuple[bool, str]:
    """Receivables equal invoice totals, inventory equals stock moves, on-hand rows equal moves."""
    from django.db import transaction
    from django.db.models import Sum

    from backoffice.commerce.models import Document, StockLevel, StockMove
    from backoffice.core.rls import set_rls_bypass
    from backoffice.ledger.models import Account, AccountBalance

    with transaction.atomic():
        set_rls_bypass()
        gross = Document.objects.for_tenant(t).filter(kind="invoice").aggregate(s=Sum("gross"))["s"]
        ar = Account.objects.for_tenant(t).get(code="1200")
        ar_balance = AccountBalance.objects.for_tenant(t).get(account=ar).balance
        inv_acc = Account.objects.for_tenant(t).get(code="1300")
        inv_balance = AccountBalance.objects.for_tenant(t).get(account=inv_acc).balance
        moves_value = StockMove.objects.for_tenant(t).aggregate(s=Sum("value"))["s"]
        opening = (
            StockMove.objects.for_tenant(t).filter(kind="adjustment").aggregate(s=Sum("value"))["s"]
        )
        by_place = {
            (r["product_id"], r["location_id"]): r["q"]
            for r in StockMove.objects.for_tenant(t)
            .values("product_id", "location_id")
            .annotate(q=Sum("quantity"))
            .order_by()
        }
        levels = {
            (p, loc): q
            for p, loc, q in StockLevel.objects.for_tenant(t).values_list(
                "product_id", "location_id", "quantity"
            )
        }
    levels_ok = levels == by_place
    ok = gross == ar_balance and inv_balance == moves_value - opening and levels_ok
    return ok, (
        f"check: receivable {ar_balance} == invoice totals {gross}; inventory account "
        f"{inv_balance} == stock moves (less opening) {moves_value - opening}; on-hand rows "
        f"== moves per product and location: {levels_ok}: {'OK' if ok else 'MISMATCH'}"
    )


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice.commerce import services

    t, customers, stock, svc = seed()
    specs = []
    for n in range(args.invoices):
        lines = [
            services.LineSpec(product_id=stock[(n + k) % 20].pk, quantity=1 + (n + k) % 4)
            for k in range(3)
        ] + [services.LineSpec(product_id=svc[(n + k) % 5].pk, quantity=1) for k in range(2)]
        specs.append((customers[n % 50].pk, date(2026, 1, 2) + timedelta(days=n % 300), lines))
    invoicer = Invoicer(t)
    latencies = []
    start = time.perf_counter()
    for party_id, day, lines in specs:
        t0 = time.perf_counter()
        invoicer.issue(invoicer.create(party_id, day, lines))
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    connection.queries_log.clear()  # a full log (9,000 queries) would capture nothing
    with CaptureQueriesContext(connection) as created:
        document_id = invoicer.create(*specs[0])
    with CaptureQueriesContext(connection) as issued:
        invoicer.issue(document_id)
    captured = [q["sql"] for q in [*created.captured_queries, *issued.captured_queries]]
    others = [q for q in captured if "ledger_" in q or "audit_" in q]
    _ok, verdict = check(t)
    lat = sorted(latencies)
    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {connection.vendor}")
    print(f"invoices: {args.invoices} x 5 lines (3 stock, 2 service), 2 tax rates")
    print(f"elapsed: {elapsed:.1f} s  ->  {args.invoices / elapsed:.1f} invoices/s")
    print(
        f"latency per invoice (create + issue): p50 {statistics.median(lat) * 1000:.1f} ms, "
        f"p99 {lat[int(len(lat) * 0.99) - 1] * 1000:.1f} ms"
    )
    print(
        f"queries per invoice: {len(captured)} (create {len(created.captured_queries)}, "
        f"issue {len(issued.captured_queries)}, with BEGIN/COMMIT; ledger and audit {len(others)})"
    )
    print(verdict)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--invoices", type=int, default=10_000)
    args = p.parse_args()
    setup_django(args.db, pg_db=PG_DB)
    try:
        run(args)
    finally:
        teardown(args.db, pg_db=PG_DB)


if __name__ == "__main__":
    main()
