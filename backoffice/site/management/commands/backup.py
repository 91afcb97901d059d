from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.core.errors import DomainError
from backoffice.site.backup import backup


class Command(BaseCommand):
    help = (
        "Back up the database and uploaded files into one tar file (pg_dump on PostgreSQL, "
        "the online backup API on SQLite; the application may keep running)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path, help="The .tar file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["output"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Backed up {len(manifest['counts'])} tables ({rows:,} rows) and the uploaded files "
            f"to {options['output']}."
        )
