from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Django's deployment checks plus Backoffice's own (SECRET_KEY, database, mode)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("check", deploy=True, fail_level="ERROR", databases=["default"])
