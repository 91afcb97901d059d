"""PostgreSQL: audit rows are append-only (UPDATE/DELETE refused) and behind tenant RLS."""

from django.db import migrations

from backoffice.core.operations import EnableTenantRLS, PostgresOnlySQL

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        PostgresOnlySQL(APPEND_ONLY, DROP),
        EnableTenantRLS("audit_auditevent"),
        EnableTenantRLS("audit_auditchainhead"),
    ]
