"""The SLA sweep reads only items crossing a threshold now: every item stores its at-risk
instant beside its due time, and two partial indexes (tenant first) serve the two reads.

The open items not yet at risk get their at-risk instant here (the same clock as their due
time: business calendar or wall clock, paused time added); closed items need none.
"""

from typing import Any

from django.db import migrations, models

_OPEN = ["new", "queued", "in_progress", "in_review", "rework", "waiting_on_client"]
_SWEPT = ["new", "queued", "in_progress", "in_review", "rework"]


def fill_at_risk(apps: Any, schema_editor: Any) -> None:
    from backoffice.work.sla import at_risk_at

    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    item_model = apps.get_model("work", "WorkItem")
    engagements = {
        e.pk: e for e in apps.get_model("work", "Engagement").objects.select_related("calendar")
    }
    rows = item_model.objects.filter(
        state__in=_OPEN, at_risk=False, breached=False, sla_at_risk_at__isnull=True
    ).only("id", "engagement_id", "received_at", "paused_seconds")
    known: dict[tuple[Any, ...], Any] = {}
    chunk = []
    for item in rows.iterator(chunk_size=2000):
        key = (item.engagement_id, item.received_at, item.paused_seconds)
        if key not in known:
            known[key] = at_risk_at(engagements[key[0]], key[1], key[2])
        item.sla_at_risk_at = known[key]
        chunk.append(item)
        if len(chunk) == 2000:
            item_model.objects.bulk_update(chunk, ["sla_at_risk_at"])
            chunk = []
    item_model.objects.bulk_update(chunk, ["sla_at_risk_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0003_membership_all_engagements_and_more"),
        ("work", "0013_engagement_grants"),
    ]

    operations = [
        migrations.AddField(
            model_name="workitem",
            name="sla_at_risk_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_at_risk, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(("at_risk", False), ("breached", False), ("state__in", _SWEPT)),
                fields=["tenant", "sla_at_risk_at"],
                name="work_item_sla_risk",
            ),
        ),
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(("at_risk", True), ("breached", False), ("state__in", _SWEPT)),
                fields=["tenant", "sla_due_at"],
                name="work_item_sla_breach",
            ),
        ),
    ]
