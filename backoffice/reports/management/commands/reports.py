"""`backoffice reports rollup [--rebuild]`: bring the operations reports' roll-ups up to date.

Adds the work log past the watermarks (what the periodic task does every few minutes);
`--rebuild` empties the roll-ups and recounts the whole history. Safe to run at any time and
again: a run that stopped half-way is finished by the next.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backoffice.reports import rollup


class Command(BaseCommand):
    help = "Reports: `reports rollup [--rebuild]` brings the report roll-ups up to date."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("rollup", help="add new work events into the report roll-ups")
        run.add_argument(
            "--rebuild", action="store_true", help="empty the roll-ups and recount everything"
        )
        run.add_argument("--chunk", type=int, default=rollup.CHUNK, help="events per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(source: str, last_id: int, upto: int) -> None:
            self.stdout.write(f"{source}: {last_id} of {upto}")

        result = rollup.roll_up(
            rebuild=options["rebuild"], chunk=max(1, options["chunk"]), progress=progress
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.events} item events and {result.reviews} QA reviews "
                f"in {result.chunks} chunks."
            )
        )
