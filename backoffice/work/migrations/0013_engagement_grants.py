"""Client members narrowed to named engagements (behind tenant RLS like every work table);
the client dashboard's index of done items."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from backoffice.core.operations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0003_membership_all_engagements_and_more"),
        ("work", "0012_claim_appends_through_audit_append"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EngagementGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(("state", "done")),
                fields=["tenant", "completed_at", "engagement", "sla_due_at"],
                name="work_item_done",
            ),
        ),
        migrations.AddField(
            model_name="engagementgrant",
            name="engagement",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="work.engagement"
            ),
        ),
        migrations.AddField(
            model_name="engagementgrant",
            name="tenant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.organization",
            ),
        ),
        migrations.AddField(
            model_name="engagementgrant",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="engagementgrant",
            constraint=models.UniqueConstraint(
                fields=("tenant", "user", "engagement"), name="work_engagement_grant"
            ),
        ),
        EnableTenantRLS("work_engagementgrant"),
    ]
