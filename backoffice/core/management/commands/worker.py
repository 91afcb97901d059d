import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from backoffice.core.scheduler import run_scheduler


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
            call_command(
                "db_worker",
                queue_name=options["queue_name"],
                interval=options["interval"],
                batch=options["batch"],
                reload=False,
                verbosity=options["verbosity"],
            )
        finally:
            stop.set()
