"""`audit_append`: a lane's events appended in one statement on PostgreSQL.

Appending took two round trips: one to advance the lane's head (the database knows the next
sequence number and the previous hash), one to insert the events hashed in Python. Now
Python writes each event's canonical JSON around those two values
(`chain.canonical_around_link`) and the function joins, hashes and inserts them under the
head's lock, in order, and stores the new head. `audit verify` still recomputes every hash
in Python.
"""

from django.db import migrations

from backoffice.core.operations import PostgresOnlySQL

APPEND = r"""
CREATE OR REPLACE FUNCTION audit_append(
  p_tenant bigint, p_lane integer, p_at timestamptz, p_actor bigint, p_request_id text,
  p_actions text[], p_types text[], p_ids text[], p_befores text[], p_afters text[],
  p_a text[], p_b text[], p_c text[]
) RETURNS TABLE (event_id bigint, event_seq bigint, event_prev text, event_hash text)
LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_seqs bigint[] := '{}';
  v_prevs text[] := '{}';
  v_hashes text[] := '{}';
BEGIN
  SELECT last_seq, last_hash INTO v_seq, v_prev FROM audit_auditchainhead
  WHERE tenant_id = p_tenant AND lane = p_lane FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_auditchainhead (tenant_id, lane, last_seq, last_hash)
    VALUES (p_tenant, p_lane, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
    SELECT last_seq, last_hash INTO STRICT v_seq, v_prev FROM audit_auditchainhead
    WHERE tenant_id = p_tenant AND lane = p_lane FOR UPDATE;
  END IF;
  -- Each link needs the one before it: hash in order, then insert all rows at once.
  FOR i IN 1 .. coalesce(array_length(p_actions, 1), 0) LOOP
    v_seq := v_seq + 1;
    v_seqs[i] := v_seq;
    v_prevs[i] := v_prev;
    v_prev := encode(sha256(convert_to(p_a[i] || v_prev || p_b[i] || v_seq || p_c[i], 'UTF8')),
                     'hex');
    v_hashes[i] := v_prev;
  END LOOP;
  UPDATE audit_auditchainhead SET last_seq = v_seq, last_hash = v_prev
  WHERE tenant_id = p_tenant AND lane = p_lane;
  RETURN QUERY
  WITH added AS (
    INSERT INTO audit_auditevent (tenant_id, lane, seq, at, actor_id, action, object_type,
                                  object_id, before, after, request_id, prev_hash, hash)
    SELECT p_tenant, p_lane, u.s, p_at, p_actor, u.act, u.typ, u.oid, u.bef::jsonb,
           u.aft::jsonb, p_request_id, u.pv, u.h
    FROM unnest(v_seqs, p_actions, p_types, p_ids, p_befores, p_afters, v_prevs, v_hashes)
      AS u(s, act, typ, oid, bef, aft, pv, h)
    RETURNING id, seq, prev_hash, hash
  )
  SELECT added.id, added.seq, added.prev_hash::text, added.hash::text
  FROM added ORDER BY added.seq;
END $$;
"""

DROP = """
DROP FUNCTION IF EXISTS audit_append(
  bigint, integer, timestamptz, bigint, text, text[], text[], text[], text[], text[],
  text[], text[], text[]);
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_statement_reference_checks")]

    operations = [PostgresOnlySQL(APPEND, DROP)]
