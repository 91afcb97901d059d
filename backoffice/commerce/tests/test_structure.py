"""What the structure of commerce promises its callers: the row locks in one order, the access
selectors, the payment direction decided by the service, and names that must not drift
(audit actions, error codes, API operation ids)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.commerce import locks, selectors, services
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.events import Action
from backoffice.commerce.models import DocKind
from backoffice.commerce.tests.factories import customer, doc, issue, stock_item, supplier
from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import TenantAccess

pytestmark = pytest.mark.django_db


def _invoiced(tenant):
    c = customer(tenant)
    w = stock_item(tenant, "W", sale_price=1000, cost=400)
    services.adjust_stock(tenant=tenant, actor=None, product_id=w.pk, quantity=5)
    return c, w, issue(tenant, doc(tenant, DocKind.INVOICE, c, "2026-02-02", (w, 2)))


def test_documents_are_locked_in_id_order_and_only_the_tenants(books, books_b):
    c = customer(books)
    mine = [doc(books, DocKind.QUOTE, c, "2026-01-05", (None, 1, 100, [])) for _ in range(3)]
    theirs = doc(books_b, DocKind.QUOTE, customer(books_b), "2026-01-05", (None, 1, 100, []))
    ids = [mine[2].pk, mine[0].pk, theirs.pk, mine[1].pk, mine[0].pk]
    assert list(locks.documents(books, ids)) == sorted(d.pk for d in mine)
    with pytest.raises(NotFound):
        locks.document(books, theirs.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes no row locks")
def test_issuing_a_credit_note_takes_its_locks_in_the_documented_order(books):
    # given: an issued invoice of a stock item and a credit note drafted from it
    _, _, inv = _invoiced(books)
    note = services.create_from(
        tenant=books, actor=None, source_id=inv.pk, kind=DocKind.CREDIT_NOTE
    )
    # when
    with CaptureQueriesContext(connection) as ctx:
        services.issue_document(tenant=books, actor=None, document_id=note.pk)
    # then: counter, the note with its invoice (one statement), products, the ledger's last
    locked = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        if sql.startswith("UPDATE") and "commerce_documentcounter" in sql:
            locked.append("counter")
        elif "FOR UPDATE" in sql or "FOR NO KEY UPDATE" in sql:
            table = re.search(r'FROM "(\w+)"', sql)
            locked.append(table.group(1) if table else sql[:40])
    commerce = [t for t in locked if not t.startswith(("ledger_", "audit_"))]
    assert commerce == ["counter", "commerce_document", "commerce_product"], locked
    others = [i for i, t in enumerate(locked) if t.startswith(("ledger_", "audit_"))]
    assert all(i > locked.index("commerce_product") for i in others), locked


def test_access_selectors_check_the_permission_then_hide_other_tenants(books, books_b, clerk):
    # given: a reader (client admin) and a finance clerk of A, and B's customer
    reader = TenantAccess(user=clerk, tenant=books, role=Role.CLIENT_ADMIN)
    finance = TenantAccess(user=clerk, tenant=books, role=Role.FINANCE)
    theirs = customer(books_b, "B-C")
    mine = customer(books, "A-C")
    # then: A's own party is found, B's is "no such party", like an id that does not exist
    assert selectors.access_party_by_id(finance, mine.pk) == mine
    for party_id in (theirs.pk, 10**9):
        with pytest.raises(NotFound, match="No such party"):
            selectors.access_party_by_id(finance, party_id, perm=Perm.MANAGE_COMMERCE)
    # and without the permission the answer is 403 whether or not the party exists
    for party_id in (mine.pk, theirs.pk):
        with pytest.raises(Forbidden):
            selectors.access_party_by_id(reader, party_id, perm=Perm.MANAGE_COMMERCE)


def test_paying_a_document_takes_the_direction_from_its_kind(books):
    # given: an open invoice and an open bill
    _, _, inv = _invoiced(books)
    s = supplier(books)
    bill = issue(books, doc(books, DocKind.BILL, s, "2026-02-03", (None, 1, 700, [])))
    # when: each is paid through the one service
    received = services.pay_document(
        tenant=books, actor=None, document_id=inv.pk, amount=500, day=date(2026, 2, 9)
    )
    paid = services.pay_document(
        tenant=books, actor=None, document_id=bill.pk, amount=700, day=date(2026, 2, 9)
    )
    # then: money in for the invoice, out for the bill, each allocated to its document
    assert (received.direction, received.number) == ("in", "RCT-2026-00001")
    assert (paid.direction, paid.number, paid.unallocated) == ("out", "PAY-2026-00001", 0)
    inv.refresh_from_db()
    bill.refresh_from_db()
    assert (inv.settled, bill.open_amount) == (500, 0)


def test_audit_action_names_do_not_change():
    assert sorted(a.value for a in Action) == [
        "commerce.credit_applied",
        "commerce.credit_refunded",
        "commerce.credit_unapplied",
        "commerce.document_cancelled",
        "commerce.document_created",
        "commerce.document_issued",
        "commerce.document_updated",
        "commerce.location_created",
        "commerce.party_created",
        "commerce.party_updated",
        "commerce.payment_recorded",
        "commerce.posting_rule_set",
        "commerce.product_created",
        "commerce.series_numbered",
        "commerce.series_prefix_set",
        "commerce.settings_updated",
        "commerce.stock_adjusted",
        "commerce.stock_transferred",
        "commerce.tax_rate_created",
        "commerce.tax_rate_updated",
    ]


def test_error_codes_do_not_change():
    assert sorted(c.value for c in ErrorCode) == [
        "credit_undone",
        "debit_note_source",
        "document_immutable",
        "duplicate_reference",
        "insufficient_stock",
        "invalid_allocations",
        "invalid_amount",
        "invalid_credit",
        "invalid_lines",
        "invalid_quantity",
        "invalid_refund",
        "invalid_tax_id",
        "no_rate",
        "not_exportable",
        "over_source",
        "overpayment",
        "pdf_unavailable",
        "posting_refused",
    ]


def test_api_operations_keep_their_one_module_operation_ids():
    from backoffice.site.api import api

    schema = api.get_openapi_schema()
    ops = {
        (path, method): op["operationId"]
        for path, methods in schema["paths"].items()
        if path.startswith("/api/v1/commerce/")
        for method, op in methods.items()
    }
    assert len(ops) == 44
    assert ops[("/api/v1/commerce/documents/{document_id}/issue", "post")] == (
        "backoffice_commerce_api_issue_document"
    )
    assert all(re.fullmatch(r"backoffice_commerce_api_[a-z_]+", v) for v in ops.values()), ops
