"""Running quantity and value per product, filled from the stock moves so far (RLS)."""

from decimal import Decimal
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from backoffice.core.operations import EnableTenantRLS


def fill(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
        cursor.execute(
            "INSERT INTO commerce_productvaluation (tenant_id, product_id, quantity, value) "
            "SELECT tenant_id, product_id, SUM(quantity), SUM(value) FROM commerce_stockmove "
            "GROUP BY tenant_id, product_id"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0005_credit_application"),
        ("tenancy", "0002_organization_details"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductValuation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "quantity",
                    models.DecimalField(decimal_places=3, default=Decimal("0"), max_digits=18),
                ),
                ("value", models.BigIntegerField(default=0)),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="commerce.product",
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
                    models.UniqueConstraint(
                        fields=("tenant", "product"), name="commerce_valuation_one_per_product"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        EnableTenantRLS("commerce_productvaluation"),
    ]
