"""Roll-ups the operations reports read: hourly sums kept up to date from the work log.

Pages never scan the item history. `rollup.roll_up` reads the work items' events (and QA
reviews) past a watermark and adds them into these tables; a page sums a period of hours.
Buckets are UTC hours, so a viewer's local day, week or month is a range of whole buckets
in every zone whose offset is a whole number of hours (see docs/reports.md).

Rows carry the CLIENT's tenant (whose work they count), like the work rows they sum, so
row-level security hides them from every other client as it hides the items.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned


class ItemHour(TenantOwned):
    """One engagement's items in one UTC hour: arrived (by received time), done (by
    completion time) and of those done by their due time, cancelled."""

    engagement = models.ForeignKey(
        "work.Engagement", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    hour = models.DateTimeField(help_text="Start of the UTC hour")
    arrived = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    completed_on_time = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "engagement", "hour"], name="reports_itemhour_key"
            ),
            models.CheckConstraint(
                condition=Q(completed_on_time__lte=models.F("completed")),
                name="reports_itemhour_on_time_le_done",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "hour"], name="reports_itemhour_time")]

    def __str__(self) -> str:
        return f"{self.engagement_id} {self.hour:%Y-%m-%d %H}h"


class AgentHour(TenantOwned):
    """One agent's work on one engagement in one UTC hour: in-progress stretches that
    ended in it (count and seconds held), items handed on (to review or done), and the
    QA reviews of their work made in it (fields reviewed and correct)."""

    engagement = models.ForeignKey(
        "work.Engagement", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    hour = models.DateTimeField(help_text="Start of the UTC hour")
    stretches = models.PositiveIntegerField(default=0)
    held_seconds = models.FloatField(default=0)
    handed_on = models.PositiveIntegerField(default=0)
    qa_reviews = models.PositiveIntegerField(default=0)
    qa_fields = models.PositiveIntegerField(default=0)
    qa_correct = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "engagement", "agent", "hour"], name="reports_agenthour_key"
            ),
            models.CheckConstraint(
                condition=Q(qa_correct__lte=models.F("qa_fields")) & Q(held_seconds__gte=0),
                name="reports_agenthour_sane",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "hour"], name="reports_agenthour_time")]

    def __str__(self) -> str:
        return f"{self.agent_id}@{self.engagement_id} {self.hour:%Y-%m-%d %H}h"


class Watermark(models.Model):
    """The last source row added into the roll-ups, per source (the system's bookkeeping,
    across tenants, like the scheduler's slots)."""

    source = models.CharField(max_length=50, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.source} ≤ {self.last_id}"
