"""The periodic tasks' scheduler: every worker runs it, one of them enqueues each task.

`settings.BACKOFFICE["PERIODIC_TASKS"]` maps a task's dotted path to its interval in seconds.
Each worker ticks every few seconds; a task that is due is claimed with one conditional UPDATE
of its `PeriodicSlot` row (`last_enqueued_at <= now - interval`). Only the worker whose UPDATE
changed the row enqueues, so a sweep runs once per interval with one worker or ten.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from backoffice.core.models import PeriodicSlot

log = structlog.get_logger("backoffice.scheduler")
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def claim_slot(path: str, every: int, now: datetime) -> bool:
    """True for the one caller that may enqueue `path` now; False while it is not due."""
    PeriodicSlot.objects.get_or_create(task=path, defaults={"last_enqueued_at": _NEVER})
    won = PeriodicSlot.objects.filter(
        task=path, last_enqueued_at__lte=now - timedelta(seconds=every)
    ).update(last_enqueued_at=now)
    return won == 1


REQUEUE_SLOT = "core:requeue-abandoned-jobs"


def requeue_abandoned_jobs(now: datetime, *, stale_after: int) -> int:
    """Jobs marked running for longer than `stale_after` seconds go back to the queue.

    The database worker marks a job RUNNING, commits, then runs it; a worker killed in the
    middle (kill -9, a lost machine) leaves it RUNNING for ever. Our jobs are idempotent
    (a sweep recomputes, a billing run skips what it billed), so running one again is safe.
    """
    from django_tasks_db.models import DBTaskResult

    abandoned = DBTaskResult.objects.filter(
        status="RUNNING", started_at__lt=now - timedelta(seconds=stale_after)
    )
    requeued = abandoned.update(status="READY", started_at=None)
    if requeued:
        log.warning("scheduler.requeued_abandoned_jobs", count=requeued)
    return requeued


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every periodic task that is due and that this process won; their paths."""
    now = now or timezone.now()
    periodic: dict[str, int] = settings.BACKOFFICE.get("PERIODIC_TASKS", {})
    stale_after = settings.BACKOFFICE.get("JOB_STALE_SECONDS", 1800)
    with transaction.atomic():
        if claim_slot(REQUEUE_SLOT, 60, now):
            requeue_abandoned_jobs(now, stale_after=stale_after)
    started = []
    for path, every in periodic.items():
        with transaction.atomic():
            if not claim_slot(path, every, now):
                continue
            task: Any = import_string(path)
            task.enqueue()
        started.append(path)
        log.info("scheduler.enqueued", task=path)
    return started


def run_scheduler(stop: threading.Event, tick: float = 5.0) -> None:
    while not stop.is_set():
        try:
            enqueue_due()
        except Exception as exc:  # keep scheduling; report and try again next tick
            log.exception("scheduler.failed", error=repr(exc))
        finally:
            close_old_connections()
        stop.wait(tick)
