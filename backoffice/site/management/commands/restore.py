from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.core.errors import DomainError
from backoffice.site.backup import restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `backoffice backup`, then prove it: row counts, audit "
        "chains, ledger balances. Run it as the tables' owner, with the application stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="The .tar file to restore.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Drop whatever the configured database holds before restoring.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore(options["backup"], replace=options["replace"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if not report.ok:
            raise CommandError("Restored, but the checks failed:\n" + "\n".join(report.problems))
        self.stdout.write(
            f"Restored {report.tables} tables ({report.rows:,} rows); row counts match the "
            "backup, every audit chain verifies, every ledger balance equals its lines."
        )
