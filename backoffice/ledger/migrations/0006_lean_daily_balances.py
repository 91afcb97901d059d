"""Daily balance rows lose their per-row foreign-key triggers and single-column indexes.

A bulk post inserts up to one daily row per account and day (tens of thousands per call);
the deferred per-row RI checks were a third of its commit time. One statement trigger per
INSERT or UPDATE checks every new row's account exists in the row's own tenant, set-based
over the distinct pairs; the unique (tenant, account, currency, date) key is the index.
"""

import django.db.models.deletion
from django.db import migrations, models

from backoffice.core.operations import PostgresOnlySQL

CHECK_SQL = """
CREATE OR REPLACE FUNCTION ledger_check_daily_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM (SELECT DISTINCT account_id, tenant_id FROM new_rows) n
    WHERE NOT EXISTS (
      SELECT 1 FROM ledger_account a WHERE a.id = n.account_id AND a.tenant_id = n.tenant_id)
  ) THEN
    RAISE EXCEPTION 'ledger: a daily balance refers to a missing account, or one of another tenant'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_dailybalance_refs_insert AFTER INSERT ON ledger_dailybalance
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_daily_refs();
CREATE TRIGGER ledger_dailybalance_refs_update AFTER UPDATE ON ledger_dailybalance
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_daily_refs();
"""

CHECK_REVERSE = """
DROP TRIGGER IF EXISTS ledger_dailybalance_refs_update ON ledger_dailybalance;
DROP TRIGGER IF EXISTS ledger_dailybalance_refs_insert ON ledger_dailybalance;
DROP FUNCTION IF EXISTS ledger_check_daily_refs();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0005_balance_check_per_statement"),
        ("tenancy", "0002_organization_details"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dailybalance",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.account",
            ),
        ),
        migrations.AlterField(
            model_name="dailybalance",
            name="tenant",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.organization",
            ),
        ),
        PostgresOnlySQL(CHECK_SQL, CHECK_REVERSE),
    ]
