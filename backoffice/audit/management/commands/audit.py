from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from backoffice.audit.verify import verify_all
from backoffice.core.rls import set_rls_bypass


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks every tenant's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            set_rls_bypass()
            broken = verify_all()
        if broken:
            for link in broken:
                self.stderr.write(f"BROKEN {link}")
            raise CommandError(f"audit chain broken in {len(broken)} tenant(s)")
        self.stdout.write("audit chain intact")
