"""`backoffice mail ingest [FILE] [--recipient ADDRESS]`: post one mailed reply.

Reads one raw RFC 5322 message from FILE, or from standard input when FILE is absent or
`-` (as an MTA pipes it: e.g. Postfix `reply: "|backoffice mail ingest --recipient
${recipient}"`). Exit status: 0 when the mail was posted, was already posted, or was
automatic mail that is ignored; 67 (EX_NOUSER) when it is refused (forged or expired reply
address, unknown sender, disallowed attachment...), so the MTA bounces it; the reason is
printed in words either way.

`backoffice mail digests` sends the daily digests now; `backoffice mail retry` sends again
the mails that failed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.notifications import services

EX_NOUSER = 67


class Command(BaseCommand):
    help = "Mail: `mail ingest [FILE]` posts a mailed reply; `mail digests`; `mail retry`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="post one raw email (from FILE or stdin)")
        ingest.add_argument("file", nargs="?", default="-", help="the raw email; - for stdin")
        ingest.add_argument("--recipient", default="", help="the envelope recipient address")
        sub.add_parser("digests", help="send every waiting daily digest now")
        sub.add_parser("retry", help="send again the mails that failed")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "digests":
            sent = services.send_digests()
            self.stdout.write(f"{len(sent)} digest(s) sent.")
            return
        if action == "retry":
            tried = services.retry_failed()
            self.stdout.write(f"{len(tried)} mail(s) tried again.")
            return
        raw = self._read(options["file"])
        outcome = services.receive_email(raw, envelope_recipient=options["recipient"])
        if outcome.accepted:
            self.stdout.write(outcome.message)
            return
        self.stderr.write(f"Refused: {outcome.message}")
        sys.exit(EX_NOUSER)

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"There is no file {name}.")
        return path.read_bytes()
