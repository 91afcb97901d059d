"""The claim function appends its audit event through `audit_append` (audit migration 0006)
instead of its own copy of the lane-head lock, hash, insert and head update.

Only the tail of `work_claim_next` changes: it still writes the event's canonical JSON in
SQL (in the three pieces `audit_append` joins around the previous hash and sequence number)
and still appends last, so the lane's head stays locked only until the claim commits.
"""

from importlib import import_module

from django.db import migrations

from backoffice.core.operations import PostgresOnlySQL

PREVIOUS_CLAIM_FUNCTION = import_module(
    "backoffice.work.migrations.0011_leaner_claim"
).CLAIM_FUNCTION

OWN_APPEND = """  -- The audit append last: the lane's head stays locked only until this commits.
  SELECT last_seq, last_hash INTO v_seq, v_prev FROM audit_auditchainhead
  WHERE tenant_id = v_item.tenant_id AND lane = p_lane FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_auditchainhead (tenant_id, lane, last_seq, last_hash)
    VALUES (v_item.tenant_id, p_lane, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
    SELECT last_seq, last_hash INTO STRICT v_seq, v_prev FROM audit_auditchainhead
    WHERE tenant_id = v_item.tenant_id AND lane = p_lane FOR UPDATE;
  END IF;
  v_seq := v_seq + 1;
  v_hash := encode(sha256(convert_to(
    '{"action":"work.item_claimed","actor":' || p_agent
    || ',"after":{"state":"in_progress"},"at":' || p_at_json
    || ',"before":{"state":"' || v_from || '"},"lane":' || p_lane
    || ',"object_id":"' || v_id || '","object_type":"work.workitem","prev":"' || v_prev
    || '","request_id":' || p_request_id_json || ',"seq":' || v_seq
    || ',"tenant":' || v_item.tenant_id || '}',
    'UTF8')), 'hex');
  WITH appended AS (
    INSERT INTO audit_auditevent (tenant_id, lane, seq, at, actor_id, action, object_type,
                                  object_id, before, after, request_id, prev_hash, hash)
    VALUES (v_item.tenant_id, p_lane, v_seq, p_now, p_agent, 'work.item_claimed',
            'work.workitem', v_id::text, jsonb_build_object('state', v_from),
            '{"state": "in_progress"}'::jsonb, p_request_id, v_prev, v_hash)
  )
  UPDATE audit_auditchainhead SET last_seq = v_seq, last_hash = v_hash
  WHERE tenant_id = v_item.tenant_id AND lane = p_lane;
"""

SHARED_APPEND = """  -- The audit append last: the lane's head stays locked only until this commits.
  PERFORM audit_append(
    v_item.tenant_id, p_lane, p_now, p_agent, p_request_id,
    ARRAY['work.item_claimed'], ARRAY['work.workitem'], ARRAY[v_id::text],
    ARRAY[jsonb_build_object('state', v_from)::text], ARRAY['{"state": "in_progress"}'],
    ARRAY['{"action":"work.item_claimed","actor":' || p_agent
          || ',"after":{"state":"in_progress"},"at":' || p_at_json
          || ',"before":{"state":"' || v_from || '"},"lane":' || p_lane
          || ',"object_id":"' || v_id || '","object_type":"work.workitem","prev":"'],
    ARRAY['","request_id":' || p_request_id_json || ',"seq":'],
    ARRAY[',"tenant":' || v_item.tenant_id || '}']);
"""

OWN_VARIABLES = "  v_seq bigint;\n  v_prev text;\n  v_hash text;\n"

assert PREVIOUS_CLAIM_FUNCTION.count(OWN_APPEND) == 1
assert PREVIOUS_CLAIM_FUNCTION.count(OWN_VARIABLES) == 1
CLAIM_FUNCTION = PREVIOUS_CLAIM_FUNCTION.replace(OWN_APPEND, SHARED_APPEND).replace(
    OWN_VARIABLES, ""
)


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0011_leaner_claim"),
        ("audit", "0006_append_function"),
    ]

    operations = [PostgresOnlySQL(CLAIM_FUNCTION, PREVIOUS_CLAIM_FUNCTION)]
