from django.db import migrations

from backoffice.core.operations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("api", "0002_initial")]

    operations = [EnableTenantRLS("api_idempotencyrecord")]
