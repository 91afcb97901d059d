import threading
import time
from typing import Any

import structlog
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.db.utils import InterfaceError, OperationalError

from backoffice.core.scheduler import run_scheduler

log = structlog.get_logger("backoffice.worker")
# Waits between attempts while the database is unreachable (the last one repeats).
RECONNECT_BACKOFF = (0.5, 1.0, 2.0, 5.0)


class Command(BaseCommand):
    help = (
        "Run background jobs (Django tasks, database backend) and enqueue the periodic ones "
        "(settings BACKOFFICE['PERIODIC_TASKS']). --batch drains the queue and exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Exit once the queue is empty.")
        parser.add_argument("--queue-name", default="*", help="Queues to serve; * for all.")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Do not enqueue periodic tasks."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["batch"] and not options["no_scheduler"]:
            threading.Thread(target=run_scheduler, args=(stop,), daemon=True).start()
        try:
            run_jobs(options)
        finally:
            stop.set()


def run_jobs(options: dict[str, Any], *, sleep: Any = time.sleep) -> None:
    """django-tasks' worker loop, started again when the database goes away under it.

    Its loop lets every database error but a locked SQLite file escape, so a PostgreSQL
    restart (or failover) would end the process. Here the worker drops its broken
    connection, waits, and carries on; a job cut off mid-run stays RUNNING and the
    scheduler's requeue hands it out again after JOB_STALE_SECONDS (every job is idempotent).
    """
    failures, last_failure = 0, 0.0
    while True:
        try:
            call_command(
                "db_worker",
                queue_name=options["queue_name"],
                interval=options["interval"],
                batch=options["batch"],
                reload=False,
                verbosity=options["verbosity"],
            )
            return
        except (OperationalError, InterfaceError) as exc:
            connections.close_all()
            if time.monotonic() - last_failure > 60:  # a new outage starts the backoff again
                failures = 0
            last_failure = time.monotonic()
            wait = RECONNECT_BACKOFF[min(failures, len(RECONNECT_BACKOFF) - 1)]
            failures += 1
            log.warning("worker.database_unavailable", error=str(exc).strip(), retry_in=wait)
            sleep(wait)
