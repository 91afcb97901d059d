"""Credit applications: a payment's unallocated rest or an open credit note applied to a later
invoice or bill (tenant-owned, RLS)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from backoffice.core.operations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0004_product_tax_through_tenant"),
        ("ledger", "0004_entry_reference_trigger"),
        ("tenancy", "0002_organization_details"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CreditApplication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("amount", models.BigIntegerField()),
                ("source_functional", models.BigIntegerField()),
                ("target_functional", models.BigIntegerField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "credit_note",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credits_given",
                        to="commerce.document",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credits",
                        to="commerce.document",
                    ),
                ),
                (
                    "journal_entry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.journalentry",
                    ),
                ),
                (
                    "payment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credits",
                        to="commerce.payment",
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
                "ordering": ["date", "id"],
                "indexes": [
                    models.Index(fields=["tenant", "document"], name="commerce_credit_document")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)), name="commerce_credit_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("payment__isnull", False), ("credit_note__isnull", True)),
                            models.Q(("payment__isnull", True), ("credit_note__isnull", False)),
                            _connector="OR",
                        ),
                        name="commerce_credit_one_source",
                    ),
                ],
            },
        ),
        EnableTenantRLS("commerce_creditapplication"),
    ]
