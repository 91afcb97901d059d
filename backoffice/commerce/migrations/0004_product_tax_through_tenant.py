"""Product taxes get explicit link tables with a tenant column (RLS, tenant-leading keys).

Django's implicit many-to-many tables (`commerce_product_sales_taxes`, `..._purchase_taxes`)
had no tenant: they were reachable only through the product. The rows are copied into
`commerce_productsalestax` / `commerce_productpurchasetax` with the product's tenant, the old
tables are dropped, and the new ones go behind the tenant policy. Reversible.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from backoffice.core.operations import EnableTenantRLS

PAIRS = [
    ("commerce_product_sales_taxes", "commerce_productsalestax"),
    ("commerce_product_purchase_taxes", "commerce_productpurchasetax"),
]


def _bypass_rls(cursor: Any, vendor: str) -> None:
    # The product table is FORCE ROW LEVEL SECURITY: a migration reads across tenants.
    if vendor == "postgresql":
        cursor.execute("SELECT set_config('app.rls_bypass', 'on', true)")


def copy_forward(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        _bypass_rls(cursor, connection.vendor)
        for old, new in PAIRS:
            cursor.execute(
                f"INSERT INTO {new} (tenant_id, product_id, tax_rate_id) "
                f"SELECT p.tenant_id, m.product_id, m.taxrate_id FROM {old} m "
                "JOIN commerce_product p ON p.id = m.product_id ORDER BY m.id"
            )


def copy_backward(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        _bypass_rls(cursor, connection.vendor)
        for old, new in PAIRS:
            cursor.execute(
                f"INSERT INTO {old} (product_id, taxrate_id) "
                f"SELECT product_id, tax_rate_id FROM {new} ORDER BY id"
            )


def _link_model(name: str, constraint: str) -> migrations.CreateModel:
    return migrations.CreateModel(
        name=name,
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                ),
            ),
            (
                "product",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to="commerce.product",
                ),
            ),
            (
                "tax_rate",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to="commerce.taxrate",
                ),
            ),
            (
                "tenant",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to="tenancy.organization",
                ),
            ),
        ],
        options={
            "constraints": [
                models.UniqueConstraint(fields=("tenant", "product", "tax_rate"), name=constraint)
            ],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0003_issued_documents_immutable"),
        ("tenancy", "0002_organization_details"),
    ]

    operations = [
        _link_model("ProductSalesTax", "commerce_product_sales_tax_unique"),
        _link_model("ProductPurchaseTax", "commerce_product_purchase_tax_unique"),
        migrations.RunPython(copy_forward, copy_backward),
        migrations.RemoveField(model_name="product", name="sales_taxes"),
        migrations.RemoveField(model_name="product", name="purchase_taxes"),
        migrations.AddField(
            model_name="product",
            name="sales_taxes",
            field=models.ManyToManyField(
                blank=True,
                related_name="+",
                through="commerce.ProductSalesTax",
                to="commerce.taxrate",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="purchase_taxes",
            field=models.ManyToManyField(
                blank=True,
                related_name="+",
                through="commerce.ProductPurchaseTax",
                to="commerce.taxrate",
            ),
        ),
        EnableTenantRLS("commerce_productsalestax"),
        EnableTenantRLS("commerce_productpurchasetax"),
    ]
