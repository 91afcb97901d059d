"""Supplier debit notes, refunds of customer credit, and undoing a credit application
(tenant-owned refunds under RLS)."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from backoffice.core.operations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0007_stock_level"),
        ("ledger", "0007_reference_checks_probe_indexes"),
        ("tenancy", "0002_organization_details"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("series", models.CharField(max_length=10)),
                ("number", models.CharField(max_length=30)),
                ("date", models.DateField()),
                ("currency", models.CharField(max_length=3)),
                (
                    "rate",
                    models.DecimalField(decimal_places=10, default=Decimal("1"), max_digits=20),
                ),
                ("amount", models.BigIntegerField()),
                ("source_functional", models.BigIntegerField()),
                ("bank_account", models.CharField(help_text="Ledger account code", max_length=20)),
                ("reference", models.CharField(blank=True, max_length=60)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["-date", "-id"],
            },
        ),
        migrations.AddField(
            model_name="creditapplication",
            name="reversal_entry",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.journalentry",
            ),
        ),
        migrations.AddField(
            model_name="creditapplication",
            name="reversed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="creditapplication",
            name="reversed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="creditapplication",
            name="reversed_on",
            field=models.DateField(blank=True, help_text="Ledger date of the undo", null=True),
        ),
        migrations.AlterField(
            model_name="document",
            name="kind",
            field=models.CharField(
                choices=[
                    ("quote", "Quotation"),
                    ("sales_order", "Sales order"),
                    ("delivery", "Delivery"),
                    ("invoice", "Customer invoice"),
                    ("credit_note", "Credit note"),
                    ("purchase_order", "Purchase order"),
                    ("goods_receipt", "Goods receipt"),
                    ("bill", "Supplier bill"),
                    ("debit_note", "Debit note"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="stockmove",
            name="kind",
            field=models.CharField(
                choices=[
                    ("receipt", "Receipt"),
                    ("delivery", "Delivery"),
                    ("transfer", "Transfer"),
                    ("adjustment", "Adjustment"),
                    ("return", "Customer return"),
                    ("return_out", "Return to supplier"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="creditapplication",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("reversed_at__isnull", True), ("reversed_on__isnull", True)),
                    models.Q(("reversed_at__isnull", False), ("reversed_on__isnull", False)),
                    _connector="OR",
                ),
                name="commerce_credit_reversal_dated",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "debit_note"), _negated=True),
                    ("source__isnull", False),
                    _connector="OR",
                ),
                name="commerce_debit_note_has_bill",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="credit_note",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="commerce.document",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="journal_entry",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.journalentry",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="party",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="commerce.party",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="payment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="commerce.payment",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="tenant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.organization",
            ),
        ),
        migrations.AddIndex(
            model_name="refund",
            index=models.Index(fields=["tenant", "party"], name="commerce_refund_party"),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.UniqueConstraint(
                fields=("tenant", "series", "number"), name="commerce_refund_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="commerce_refund_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(("rate__gt", 0)), name="commerce_refund_rate_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("payment__isnull", False), ("credit_note__isnull", True)),
                    models.Q(("payment__isnull", True), ("credit_note__isnull", False)),
                    _connector="OR",
                ),
                name="commerce_refund_one_source",
            ),
        ),
        EnableTenantRLS("commerce_refund"),
    ]
