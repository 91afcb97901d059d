"""Rows the plumbing itself keeps (no tenant: they describe the installation, not a client)."""

from django.db import models


class PeriodicSlot(models.Model):
    """When a periodic task was last enqueued, shared by every worker process.

    Each worker runs a scheduler thread; a conditional UPDATE on this row lets exactly one of
    them enqueue a task per interval, however many workers run (see `core/scheduler.py`).
    """

    task = models.CharField(max_length=200, unique=True)
    last_enqueued_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.task
