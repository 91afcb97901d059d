"""ISO 4217 currencies, and the PostgreSQL guards no write path can get around.

- Posted entries and lines are immutable: UPDATE and DELETE raise (corrections are
  reversing entries). TRUNCATE stays possible for test teardown and operators.
- New lines must point at an entry (same tenant, same date) and an account of their own
  tenant: one set-based statement trigger instead of per-row foreign-key triggers.
- A deferred constraint trigger checks at commit that every entry touched in the
  transaction sums to zero per currency, whatever wrote the lines (ORM, COPY, psql).
- An account with postings cannot be deleted.
"""

from typing import Any

from django.db import migrations

from backoffice.core.operations import PostgresOnlySQL


def seed_currencies(apps: Any, schema_editor: Any) -> None:
    from iso4217 import Currency as Iso

    Currency = apps.get_model("ledger", "Currency")
    rows = [
        Currency(code=c.code, name=c.currency_name[:100], exponent=c.exponent)
        for c in Iso
        if c.exponent is not None
    ]
    Currency.objects.bulk_create(rows, ignore_conflicts=True)


IMMUTABLE_SQL = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: % rows are immutable; post a reversing entry instead', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ledger_journalentry_immutable BEFORE UPDATE OR DELETE ON ledger_journalentry
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_journalline_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

IMMUTABLE_REVERSE = """
DROP TRIGGER IF EXISTS ledger_journalline_immutable ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_journalentry_immutable ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""

REFERENCES_SQL = """
CREATE OR REPLACE FUNCTION ledger_check_new_lines() RETURNS trigger LANGUAGE plpgsql
SET enable_mergejoin = off AS $$
DECLARE
  ids bigint[];
  bad_entries bigint;
BEGIN
  SELECT array_agg(entry_id), count(*) FILTER (WHERE tenants > 1 OR dates > 1) INTO ids, bad_entries
    FROM (SELECT entry_id, count(DISTINCT tenant_id) AS tenants, count(DISTINCT date) AS dates
          FROM new_lines GROUP BY entry_id) s;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  IF bad_entries > 0 OR (
    SELECT count(*) FROM ledger_journalentry e
    JOIN (SELECT DISTINCT ON (entry_id) entry_id, tenant_id, date FROM new_lines) n
      ON e.id = n.entry_id AND e.tenant_id = n.tenant_id AND e.date = n.date
  ) <> cardinality(ids) THEN
    RAISE EXCEPTION 'ledger: a line refers to a missing entry, or one of another tenant or date'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF EXISTS (
    SELECT 1 FROM (SELECT account_id, tenant_id FROM new_lines GROUP BY 1, 2) n
    WHERE NOT EXISTS (
      SELECT 1 FROM ledger_account a WHERE a.id = n.account_id AND a.tenant_id = n.tenant_id)
  ) THEN
    RAISE EXCEPTION 'ledger: a line refers to a missing account, or one of another tenant'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO ledger_entry_check (entry_ids) VALUES (ids);
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_journalline_references AFTER INSERT ON ledger_journalline
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_new_lines();

CREATE OR REPLACE FUNCTION ledger_refuse_used_account_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_journalline
             WHERE tenant_id = OLD.tenant_id AND account_id = OLD.id) THEN
    RAISE EXCEPTION 'ledger: account % has postings and cannot be deleted', OLD.code
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER ledger_account_used BEFORE DELETE ON ledger_account
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_used_account_delete();
"""

REFERENCES_REVERSE = """
DROP TRIGGER IF EXISTS ledger_account_used ON ledger_account;
DROP FUNCTION IF EXISTS ledger_refuse_used_account_delete();
DROP TRIGGER IF EXISTS ledger_journalline_references ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_check_new_lines();
"""

# One marker row per INSERT statement on lines (not per line) carries the touched entry ids
# to a deferred constraint trigger, so the balance check runs once per statement, set-based,
# at commit. The marker deletes itself; the table is empty outside a transaction.
BALANCED_SQL = """
CREATE UNLOGGED TABLE ledger_entry_check (id bigserial PRIMARY KEY, entry_ids bigint[] NOT NULL);

CREATE OR REPLACE FUNCTION ledger_check_entries_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT l.entry_id, l.currency, sum(l.amount) AS total INTO bad
    FROM ledger_journalline l
    WHERE l.entry_id = ANY (NEW.entry_ids)
    GROUP BY l.entry_id, l.currency HAVING sum(l.amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger: entry % does not balance in % (off by %)',
      bad.entry_id, bad.currency, bad.total USING ERRCODE = 'check_violation';
  END IF;
  DELETE FROM ledger_entry_check WHERE id = NEW.id;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry_check
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entries_balanced();
"""

BALANCED_REVERSE = """
DROP TABLE IF EXISTS ledger_entry_check;
DROP FUNCTION IF EXISTS ledger_check_entries_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(seed_currencies, migrations.RunPython.noop),
        PostgresOnlySQL(IMMUTABLE_SQL, IMMUTABLE_REVERSE),
        PostgresOnlySQL(BALANCED_SQL, BALANCED_REVERSE),
        PostgresOnlySQL(REFERENCES_SQL, REFERENCES_REVERSE),
    ]
