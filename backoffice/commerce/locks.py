"""Every row lock commerce takes, and the one order they are taken in.

Two transactions that lock the same rows in different orders can deadlock, so every service
takes its locks through this module and in this order (a service skips what it does not
need, never goes back up the list):

1. the document counter row of a series and year (`next_number`), one per transaction;
2. documents, in ascending id, all a service needs in one statement (`documents`,
   `document`, `open_documents`);
3. payments (`payment`);
4. credit applications (`credit_application`);
5. products, in ascending id (`products`): each product's running valuation row
   (`ProductValuation`) and stock levels (`StockLevel`) are written only under its lock;
6. then the ledger, which takes its own locks in its own order when commerce posts
   (`posting.post`), always last.

A party is locked alone (`party`, to edit it); no service holds another lock with it.
On SQLite a write transaction locks the whole database (IMMEDIATE), so the order only
matters on PostgreSQL, where these are `SELECT ... FOR UPDATE` row locks held to commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from backoffice.commerce.models import (
    CreditApplication,
    Document,
    DocumentCounter,
    Party,
    Payment,
    Product,
)
from backoffice.core.errors import NotFound
from backoffice.tenancy.models import Organization


def next_number(tenant: Organization, series: str, year: int) -> str:
    """(1) The next gapless number of a series and year.

    Call inside the posting transaction: the counter row stays locked until commit, so a
    rollback gives the number back and two postings never share one. One statement
    (UPDATE ... RETURNING, PostgreSQL and SQLite >= 3.35) once the counter exists.
    """
    sql = (
        f"UPDATE {DocumentCounter._meta.db_table} SET last = last + 1 "
        "WHERE tenant_id = %s AND series = %s AND year = %s RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant.pk, series, year])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    DocumentCounter.objects.create(tenant=tenant, series=series, year=year, last=1)
                row = (1,)
            except IntegrityError:
                # Another transaction created it first: wait for its lock and count on.
                cursor.execute(sql, [tenant.pk, series, year])
                row = cursor.fetchone()
    assert row is not None
    return f"{series}-{year}-{int(row[0]):05d}"


def documents(
    tenant: Organization,
    ids: Iterable[int],
    *,
    related: Sequence[str] = (),
    **filters: Any,
) -> dict[int, Document]:
    """(2) The documents with these ids (and `filters`) under their row locks, by id.

    Only the documents' own rows are locked; `related` rows are read with them.
    """
    qs = Document.objects.for_tenant(tenant).select_for_update(of=("self",))
    if related:
        qs = qs.select_related(*related)
    found = qs.filter(pk__in=sorted(set(ids)), **filters).order_by("pk")
    return {d.pk: d for d in found}


def document(tenant: Organization, document_id: int, *, related: Sequence[str] = ()) -> Document:
    """(2) One document under its row lock; NotFound when the tenant has no such document."""
    found = documents(tenant, [document_id], related=related).get(document_id)
    if found is None:
        raise NotFound("No such document.")
    return found


def open_documents(tenant: Organization, **filters: Any) -> QuerySet[Document]:
    """(2) Documents matching `filters` in ascending id; evaluating it takes their locks."""
    return Document.objects.for_tenant(tenant).select_for_update().filter(**filters).order_by("id")


def payment(
    tenant: Organization, payment_id: int | None, *, related: Sequence[str] = (), **filters: Any
) -> Payment | None:
    """(3) The payment (matching `filters`) under its row lock, or None."""
    qs = Payment.objects.for_tenant(tenant).select_for_update(of=("self",))
    if related:
        qs = qs.select_related(*related)
    return qs.filter(pk=payment_id, **filters).first()


def credit_application(tenant: Organization, credit_id: int) -> CreditApplication:
    """(4) A credit application under its row lock (the caller knows it exists)."""
    return CreditApplication.objects.for_tenant(tenant).select_for_update().get(pk=credit_id)


def products(tenant: Organization, ids: Iterable[int]) -> None:
    """(5) Row locks on the products, in ascending id."""
    wanted = sorted(set(ids))
    if wanted:
        list(
            Product.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk__in=wanted)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def party(tenant: Organization, party_id: int) -> Party:
    """A party under its row lock, to edit it; NotFound when the tenant has no such party."""
    found = Party.objects.for_tenant(tenant).select_for_update().filter(pk=party_id).first()
    if found is None:
        raise NotFound("No such party.")
    return found
