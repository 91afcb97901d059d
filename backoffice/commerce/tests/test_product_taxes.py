"""Product taxes live in tenant-owned link tables (migration 0004 moved the old rows)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from backoffice.commerce import services
from backoffice.commerce.models import Product, ProductPurchaseTax, ProductSalesTax
from backoffice.commerce.tests.factories import stock_item
from backoffice.core.errors import DomainError


@pytest.mark.django_db
def test_product_tax_links_carry_the_products_tenant(books, books_b):
    # given: the same tax code in two tenants
    for t in (books, books_b):
        services.create_tax_rate(tenant=t, actor=None, code="VAT19", name="Std", rate="19")
        services.create_tax_rate(tenant=t, actor=None, code="VAT7", name="Red", rate="7")
    # when: each tenant makes a product with sales and purchase taxes (a code twice is once)
    a = stock_item(books, "W", sales_taxes=["VAT19", "VAT7", "VAT19"], purchase_taxes=["VAT7"])
    b = stock_item(books_b, "W", sales_taxes=["VAT7"])
    # then: every link row has its product's tenant and that tenant's tax rate
    links = ProductSalesTax.objects.for_tenant(books).select_related("tax_rate")
    assert sorted((x.product_id, x.tax_rate.code) for x in links) == [
        (a.pk, "VAT19"),
        (a.pk, "VAT7"),
    ]
    assert all(x.tenant_id == books.pk == x.tax_rate.tenant_id for x in links)
    [pb] = ProductPurchaseTax.objects.for_tenant(books)
    assert (pb.tenant_id, pb.product_id, pb.tax_rate.code) == (books.pk, a.pk, "VAT7")
    [bs] = ProductSalesTax.objects.for_tenant(books_b)
    assert (bs.tenant_id, bs.product_id, bs.tax_rate.tenant_id) == (books_b.pk, b.pk, books_b.pk)
    assert not ProductPurchaseTax.objects.for_tenant(books_b).exists()
    # and the many-to-many reads through them as before
    assert sorted(t.code for t in a.sales_taxes.all()) == ["VAT19", "VAT7"]
    assert [t.code for t in a.purchase_taxes.all()] == ["VAT7"]


@pytest.mark.django_db
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's"
)
def test_link_tables_are_behind_row_level_security(books, books_b):
    # given: a product with a sales and a purchase tax in each tenant
    for t in (books, books_b):
        services.create_tax_rate(tenant=t, actor=None, code="VAT19", name="Std", rate="19")
        stock_item(t, "W", sales_taxes=["VAT19"], purchase_taxes=["VAT19"])
    # when / then: the app's role sees only the tenant it is set to, or nothing
    for table in ("commerce_productsalestax", "commerce_productpurchasetax"):
        sql = f"SELECT DISTINCT tenant_id FROM {table}"
        assert _as_app_role(sql, str(books.pk)) == [(books.pk,)]
        assert _as_app_role(sql, "") == []


def _as_app_role(sql: str, tenant_ids: str) -> list[tuple]:
    from backoffice.tenancy.tests.test_rls import APP_ROLE, _ensure_app_role

    with transaction.atomic(), connection.cursor() as cursor:
        _ensure_app_role(cursor)
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        cursor.execute("SELECT set_config('app.tenant_ids', %s, true)", [tenant_ids])
        cursor.execute(sql)
        rows = cursor.fetchall()
        cursor.execute("RESET ROLE")
    return rows


@pytest.mark.django_db
def test_another_tenants_tax_code_is_unknown(books, books_b):
    services.create_tax_rate(tenant=books_b, actor=None, code="B19", name="B", rate="19")
    with pytest.raises(DomainError) as err:
        stock_item(books, "W", sales_taxes=["B19"])
    assert "sales_taxes" in err.value.fields
    assert not Product.objects.for_tenant(books).exists()
    assert not ProductSalesTax.objects.for_tenant(books).exists()


@pytest.mark.django_db(transaction=True)
def test_migration_0004_keeps_the_old_links_with_the_products_tenant(books, books_b):
    try:
        _migrate_with_links(books, books_b)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate_with_links(books, books_b):
    # given: the schema before 0004 with links in the implicit many-to-many tables
    executor = MigrationExecutor(connection)
    before = [("commerce", "0003_issued_documents_immutable")]
    after = [("commerce", "0004_product_tax_through_tenant")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    taxes, products = {}, {}
    for t in (books, books_b):
        taxes[t.pk] = [
            old.get_model("commerce", "TaxRate").objects.create(
                tenant_id=t.pk, code=c, name=c, rate=r
            )
            for c, r in (("VAT19", 19), ("VAT7", 7))
        ]
        products[t.pk] = old.get_model("commerce", "Product").objects.create(
            tenant_id=t.pk, sku="W", name="W", kind="stock"
        )
    products[books.pk].sales_taxes.add(*taxes[books.pk])
    products[books.pk].purchase_taxes.add(taxes[books.pk][1])
    products[books_b.pk].sales_taxes.add(taxes[books_b.pk][1])
    # when
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    # then: each row moved, with the product's tenant
    new = executor.loader.project_state(after).apps
    sales = new.get_model("commerce", "ProductSalesTax").objects.all()
    purchases = new.get_model("commerce", "ProductPurchaseTax").objects.all()
    pa, pb = products[books.pk].pk, products[books_b.pk].pk
    ta, tb = [x.pk for x in taxes[books.pk]], [x.pk for x in taxes[books_b.pk]]
    assert sorted(sales.values_list("tenant_id", "product_id", "tax_rate_id")) == sorted(
        [(books.pk, pa, ta[0]), (books.pk, pa, ta[1]), (books_b.pk, pb, tb[1])]
    )
    assert list(purchases.values_list("tenant_id", "product_id", "tax_rate_id")) == [
        (books.pk, pa, ta[1])
    ]
    # and back down again keeps them too
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    w = old.get_model("commerce", "Product").objects.get(pk=pa)
    assert sorted(w.sales_taxes.values_list("pk", flat=True)) == sorted(ta)


@pytest.mark.django_db
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's"
)
def test_every_commerce_table_with_a_tenant_is_behind_forced_row_level_security():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity FROM pg_class c "
            "JOIN information_schema.columns col ON col.table_name = c.relname "
            "AND col.column_name = 'tenant_id' AND col.table_schema = current_schema() "
            "WHERE c.relname LIKE 'commerce\\_%%' AND c.relkind = 'r'"
        )
        rows = dict(cursor.fetchall())
    assert {"commerce_productsalestax", "commerce_creditapplication"} <= set(rows)
    assert [t for t, protected in rows.items() if not protected] == []
