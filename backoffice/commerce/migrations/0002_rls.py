from django.db import migrations

from backoffice.core.operations import EnableTenantRLS

TABLES = [
    "commerce_commercesettings",
    "commerce_postingaccount",
    "commerce_party",
    "commerce_taxrate",
    "commerce_product",
    "commerce_warehouse",
    "commerce_location",
    "commerce_document",
    "commerce_documentline",
    "commerce_linetax",
    "commerce_stockmove",
    "commerce_payment",
    "commerce_allocation",
    "commerce_documentcounter",
]


class Migration(migrations.Migration):
    dependencies = [("commerce", "0001_initial")]

    operations = [EnableTenantRLS(table) for table in TABLES]
