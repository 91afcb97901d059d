from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background jobs (Django tasks, database backend). --batch exits when idle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Exit once the queue is empty.")
        parser.add_argument("--queue-name", default="*", help="Queues to serve; * for all.")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "db_worker",
            queue_name=options["queue_name"],
            interval=options["interval"],
            batch=options["batch"],
            reload=False,
            verbosity=options["verbosity"],
        )
