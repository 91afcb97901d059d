import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from backoffice.site.demo import DEMO_PASSWORD, demo_logins, seed_demo


class Command(BaseCommand):
    help = "Migrate, load demo data (once), print the demo logins and serve on 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Load data and exit.")
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        created = seed_demo()
        self.stdout.write("Demo data " + ("loaded." if created else "already present."))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, who in demo_logins():
            self.stdout.write(f"  {username:<16} {who}")
        if options["no_serve"]:
            return
        self.stdout.write(f"\nServing http://{options['addr']}/  (Ctrl+C to stop)\n")
        worker = subprocess.Popen([sys.executable, "-m", "backoffice", "worker"])
        try:
            call_command("runserver", options["addr"], use_reloader=False)
        finally:
            worker.terminate()
