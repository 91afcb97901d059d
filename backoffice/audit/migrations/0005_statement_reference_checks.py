"""Audit events' references checked once per statement, not by per-row foreign keys.

A per-row foreign-key check locks the referenced row (FOR KEY SHARE) until commit. Every
claim appends an audit event, so all agents of one client claiming at once took share
locks on that client's one organization row — multixacts and a queue on a single row, a
sixth of the database's time per claim. A statement trigger checks the same references
without locking (work and ledger do the same: decision 0005); the guards below keep what
the lock protected: an organization or user that audit events name cannot be deleted.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from backoffice.core.operations import PostgresOnlySQL

CHECKS = """
CREATE OR REPLACE FUNCTION audit_check_new_events() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM (SELECT DISTINCT tenant_id FROM new_events) n
    WHERE NOT EXISTS (SELECT 1 FROM tenancy_organization o WHERE o.id = n.tenant_id)
  ) THEN
    RAISE EXCEPTION 'audit: an event refers to a missing organization'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF EXISTS (
    SELECT 1 FROM (SELECT DISTINCT actor_id FROM new_events WHERE actor_id IS NOT NULL) n
    WHERE NOT EXISTS (SELECT 1 FROM tenancy_user u WHERE u.id = n.actor_id)
  ) THEN
    RAISE EXCEPTION 'audit: an event refers to a missing user'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER audit_auditevent_references AFTER INSERT ON audit_auditevent
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_check_new_events();

CREATE OR REPLACE FUNCTION audit_refuse_referenced_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_TABLE_NAME = 'tenancy_organization'
      AND EXISTS (SELECT 1 FROM audit_auditevent WHERE tenant_id = OLD.id))
     OR (TG_TABLE_NAME = 'tenancy_user'
      AND EXISTS (SELECT 1 FROM audit_auditevent WHERE actor_id = OLD.id)) THEN
    RAISE EXCEPTION 'audit: % % is named by audit events', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER audit_organization_in_use BEFORE DELETE ON tenancy_organization
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_referenced_delete();
CREATE TRIGGER audit_user_in_use BEFORE DELETE ON tenancy_user
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_referenced_delete();
"""

DROP_CHECKS = """
DROP TRIGGER IF EXISTS audit_user_in_use ON tenancy_user;
DROP TRIGGER IF EXISTS audit_organization_in_use ON tenancy_organization;
DROP FUNCTION IF EXISTS audit_refuse_referenced_delete();
DROP TRIGGER IF EXISTS audit_auditevent_references ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_check_new_events();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_chain_lanes"),
        ("tenancy", "0002_organization_details"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="tenant",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.organization",
            ),
        ),
        PostgresOnlySQL(CHECKS, DROP_CHECKS),
    ]
