"""A small in-worker scheduler: enqueues the periodic tasks named in settings.

`settings.BACKOFFICE["PERIODIC_TASKS"]` maps a task's dotted path to its interval in seconds.
The worker runs it in a thread; several workers may each enqueue, which is harmless for
idempotent sweeps (each run recomputes the same flags).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = structlog.get_logger("backoffice.scheduler")


def due_tasks(last_run: dict[str, float], now: float) -> list[str]:
    """Task paths whose interval has passed since they were last enqueued (or never were)."""
    periodic: dict[str, int] = settings.BACKOFFICE.get("PERIODIC_TASKS", {})
    return [path for path, every in periodic.items() if now - last_run.get(path, -1e18) >= every]


def enqueue_due(last_run: dict[str, float], now: float) -> list[str]:
    started = []
    for path in due_tasks(last_run, now):
        task: Any = import_string(path)
        task.enqueue()
        last_run[path] = now
        started.append(path)
        log.info("scheduler.enqueued", task=path)
    return started


def run_scheduler(stop: threading.Event, tick: float = 5.0) -> None:
    last_run: dict[str, float] = {}
    while not stop.is_set():
        try:
            enqueue_due(last_run, time.monotonic())
        except Exception as exc:  # keep scheduling; report and try again next tick
            log.exception("scheduler.failed", error=repr(exc))
        finally:
            close_old_connections()
        stop.wait(tick)
