"""Hot statements plan with index probes whatever the statistics say (issue 13).

The test database is never analysed, so its tables have no statistics, as a production table
has stale ones right after a bulk load; bare rows stand in for a tenant's years of history
(the planner sizes an unanalysed table by its pages). Issuing an invoice and taking its payment on a
tenant with history must not read through the tenant's history: no sequential scan of a
table that grows with it, and no scan of a tenant-only index (that reads every row of the
tenant) on such a table.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.commerce.models import TaxRate
from backoffice.commerce.tests.factories import customer, doc, issue, record_payment
from backoffice.ledger.models import Account

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]

GROWING = (
    "commerce_documentline|commerce_linetax|commerce_stockmove|commerce_document|"
    "commerce_allocation|commerce_payment|ledger_journalline|ledger_journalentry|"
    "ledger_dailybalance|audit_auditevent"
)
HISTORY_READ = re.compile(
    rf"Seq Scan on ({GROWING})\b|Index Scan (using|on) ({GROWING})_tenant_id_\w+"
)


def _plans(statements: list[str]) -> dict[str, str]:
    plans = {}
    for sql in statements:
        if not re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)\b", sql, re.IGNORECASE):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (COSTS OFF) " + sql)
            plans[sql] = "\n".join(row[0] for row in cursor.fetchall())
    return plans


FILLER = 50_000


def _fill_history(tenant_id: int, tax_rate_id: int, account_id: int) -> None:
    """Years of the tenant's lines, taxes and postings as bare rows (triggers and reference
    checks off for the load: PostgreSQL's replica mode, superuser only), never analysed."""
    first = 10**9
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO commerce_documentline (line_no, description, quantity, unit_price, net,"
            " tax, gross, document_id, tenant_id) SELECT 1, '', 1, 0, 0, 0, 0, g, %s"
            " FROM generate_series(%s, %s) g",
            [tenant_id, first, first + FILLER],
        )
        cursor.execute(
            "INSERT INTO commerce_linetax (amount, line_id, tenant_id, tax_rate_id)"
            " SELECT 0, g, %s, %s FROM generate_series(%s, %s) g",
            [tenant_id, tax_rate_id, first, first + FILLER],
        )
        cursor.execute(
            "INSERT INTO ledger_journalline (tenant_id, entry_id, line_no, account_id, currency,"
            " amount, date, memo) SELECT %s, g, 1, %s, 'EUR', 1, '2025-01-01', ''"
            " FROM generate_series(%s, %s) g",
            [tenant_id, account_id, first, first + FILLER],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_issuing_and_paying_an_invoice_reads_no_history(books, catalogue):
    buyer = customer(books)
    issue(books, doc(books, "invoice", buyer, "2026-07-01", *[(p, 1) for p in catalogue]))
    _fill_history(books.pk, TaxRate.objects.for_tenant(books).first().pk, _account(books))
    with CaptureQueriesContext(connection) as captured:
        invoice = issue(
            books, doc(books, "invoice", buyer, "2026-08-01", *[(p, 2) for p in catalogue[:5]])
        )
        record_payment(
            books, buyer, "2026-08-02", invoice.gross, allocations=[(invoice.pk, invoice.gross)]
        )
    offending = {
        sql[:120]: [line.strip() for line in plan.splitlines() if HISTORY_READ.search(line)]
        for sql, plan in _plans([q["sql"] for q in captured.captured_queries]).items()
    }
    assert {sql: lines for sql, lines in offending.items() if lines} == {}


def _account(tenant) -> int:
    return Account.objects.for_tenant(tenant).get(code="1200").pk
