import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.vault import services
from backoffice.vault.crypto import VaultError, new_key
from backoffice.vault.master import load_master_keys


class Command(BaseCommand):
    help = (
        "Data-protection tools. `vault new-master-key` prints a fresh master key (base64) for "
        "BACKOFFICE_MASTER_KEY; `vault rewrap` wraps every data key under the current master "
        "key (after a master key change, with the old key in BACKOFFICE_MASTER_KEY_PREVIOUS); "
        "`vault status` names the master key in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["new-master-key", "rewrap", "status"])

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "new-master-key":
            self.stdout.write(base64.b64encode(new_key()).decode())
            return
        try:
            masters = load_master_keys()
            if action == "status":
                kind = "the built-in DEVELOPMENT key" if masters.is_dev else "from the environment"
                self.stdout.write(f"master key {masters.current_id} ({kind})")
                self.stdout.write(f"previous master keys known: {len(masters.by_id) - 1}")
                return
            done = services.rewrap_data_keys()
        except VaultError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{done} data key(s) wrapped under master key {masters.current_id}")
