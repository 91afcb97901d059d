"""PostgreSQL: every vault table is behind tenant row-level security."""

from django.db import migrations

from backoffice.core.operations import EnableTenantRLS

TABLES = ["vault_datakey", "vault_blindindex", "vault_rotationjob"]


class Migration(migrations.Migration):
    dependencies = [("vault", "0001_initial")]

    operations = [EnableTenantRLS(table) for table in TABLES]
