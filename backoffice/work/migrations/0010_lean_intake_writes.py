"""Less work per intake row.

- The events' reference check no longer takes DISTINCT (item, tenant) pairs first: each
  event names its own item, so the hash aggregate only cost time, and past `work_mem` it
  spilled to disk (4 of 5 µs a row at 200,000 events).
- The assignee index holds assigned items only: intake writes unassigned rows.
"""

from django.conf import settings
from django.db import migrations, models

from backoffice.core.operations import PostgresOnlySQL


def _event_check(pairs: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION work_check_new_events() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM {pairs} n
             WHERE NOT EXISTS (SELECT 1 FROM work_workitem w
                               WHERE w.id = n.item_id AND w.tenant_id = n.tenant_id)) THEN
    RAISE EXCEPTION 'work: an item event refers to a missing item, or one of another tenant'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF EXISTS (
    SELECT 1 FROM (SELECT DISTINCT actor_id FROM new_events WHERE actor_id IS NOT NULL) n
    WHERE NOT EXISTS (SELECT 1 FROM tenancy_user u WHERE u.id = n.actor_id)
  ) THEN
    RAISE EXCEPTION 'work: an item event refers to a missing user'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_organization_details"),
        ("work", "0009_claim_function"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="workitem", name="work_item_assignee"),
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["tenant", "assignee", "state"],
                name="work_item_assignee",
            ),
        ),
        PostgresOnlySQL(
            _event_check("new_events"),
            _event_check("(SELECT DISTINCT tenant_id, item_id FROM new_events)"),
        ),
    ]
