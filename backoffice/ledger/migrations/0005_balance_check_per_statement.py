"""The balance check moves into the lines' statement trigger.

Lines are never updated or deleted, so an entry's total per currency is the sum of what
each INSERT statement added. The statement trigger sums its own transition table (a hash
aggregate, no index probes): an entry whose new lines balance in that statement keeps its
balance whatever other statements add, if they balance too. Only entries left open by a
statement (their lines arrive over several statements) are handed to the deferred
constraint trigger, which re-sums all their lines at commit as before.
"""

from django.db import migrations

from backoffice.core.operations import PostgresOnlySQL

CHECK_SQL = """
CREATE OR REPLACE FUNCTION ledger_check_new_lines() RETURNS trigger LANGUAGE plpgsql
SET enable_mergejoin = off AS $$
DECLARE
  n_entries bigint;
  n_matched bigint;
  n_mixed bigint;
  open_ids bigint[];
BEGIN
  WITH per AS (
    SELECT entry_id, sum(amount) AS total, min(tenant_id) AS t_lo, max(tenant_id) AS t_hi,
           min(date) AS d_lo, max(date) AS d_hi
      FROM new_lines GROUP BY entry_id, currency
  ), ent AS (
    SELECT entry_id, min(t_lo) AS tenant_id, min(d_lo) AS date,
           (max(t_hi) <> min(t_lo) OR max(d_hi) <> min(d_lo)) AS mixed,
           bool_or(total <> 0) AS open
      FROM per GROUP BY entry_id
  )
  SELECT count(*), count(e.id), count(*) FILTER (WHERE ent.mixed),
         array_agg(ent.entry_id) FILTER (WHERE ent.open)
    INTO n_entries, n_matched, n_mixed, open_ids
    FROM ent LEFT JOIN ledger_journalentry e
      ON e.id = ent.entry_id AND e.tenant_id = ent.tenant_id AND e.date = ent.date;
  IF n_entries = 0 THEN
    RETURN NULL;
  END IF;
  IF n_mixed > 0 OR n_matched <> n_entries THEN
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
  IF open_ids IS NOT NULL THEN
    INSERT INTO ledger_entry_check (entry_ids) VALUES (open_ids);
  END IF;
  RETURN NULL;
END $$;
"""

PREVIOUS_SQL = """
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
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_entry_reference_trigger")]

    operations = [PostgresOnlySQL(CHECK_SQL, PREVIOUS_SQL)]
