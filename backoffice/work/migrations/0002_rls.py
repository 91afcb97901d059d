"""PostgreSQL: every work table is behind tenant row-level security."""

from django.db import migrations

from backoffice.core.operations import EnableTenantRLS

TABLES = [
    "work_servicetype",
    "work_businesscalendar",
    "work_engagement",
    "work_engagementmember",
    "work_intakebatch",
    "work_workitem",
    "work_workitemevent",
    "work_comment",
    "work_attachment",
    "work_queue",
]


class Migration(migrations.Migration):
    dependencies = [("work", "0001_initial")]

    operations = [EnableTenantRLS(table) for table in TABLES]
