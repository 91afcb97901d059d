"""`backoffice work import --tenant SLUG --engagement CODE FILE`, `backoffice work sweep`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_bypass, set_rls_tenants
from backoffice.tenancy.models import Organization, User
from backoffice.work import intake, services
from backoffice.work.models import Engagement, IntakeBatch

REPORT_ROWS = 50


class Command(BaseCommand):
    help = "Work engine tools: import an intake file; run the SLA sweep now."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import items from a CSV, JSONL or XLSX file")
        imp.add_argument("file", type=Path)
        imp.add_argument("--engagement", required=True, help="engagement code")
        imp.add_argument("--tenant", required=True, help="client organization slug")
        imp.add_argument(
            "--mode",
            choices=IntakeBatch.Mode.values,
            default=IntakeBatch.Mode.ALL_OR_NOTHING,
            help="all_or_nothing (default): any bad row rejects the file",
        )
        imp.add_argument("--user", help="username recorded as the submitter")
        sub.add_parser("sweep", help="Mark at-risk/breached items and release idle ones")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            with transaction.atomic():
                set_rls_bypass()
                sweep = services.refresh_sla_flags()
                released = services.release_idle_items()
            self.stdout.write(
                f"at risk: {sweep.at_risk}, breached: {sweep.breached}, released: {released}"
            )
            return
        self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        console = Console(stderr=True)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        tenant = Organization.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"unknown organization {options['tenant']!r}")
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']!r}")
        columns = [
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        try:
            with transaction.atomic(), Progress(*columns, console=console) as progress:
                set_rls_tenants([tenant.pk])
                engagement = (
                    Engagement.objects.for_tenant(tenant)
                    .select_related("calendar")
                    .filter(code=options["engagement"])
                    .first()
                )
                if engagement is None:
                    raise CommandError(f"unknown engagement {options['engagement']!r}")
                reading = progress.add_task(f"reading {path.name}", total=None)
                validating = progress.add_task("validating", total=None, visible=False)
                writing = progress.add_task("writing", total=None, visible=False)

                def report(validated: int, written: int | None = None) -> None:
                    progress.update(reading, visible=False)
                    progress.update(validating, visible=True, completed=validated)
                    if written is not None:
                        progress.update(writing, visible=True, completed=written)

                with path.open("rb") as fh:
                    result = intake.import_file(
                        engagement=engagement,
                        actor=actor,
                        filename=path.name,
                        content=fh,
                        mode=options["mode"],
                        progress=report,
                    )
        except DomainError as exc:
            rows = exc.fields.get("rows") if isinstance(exc.fields, dict) else None
            if rows:
                self._print_report(console, rows, len(rows))
            elif exc.fields:
                for name, messages in exc.fields.items():
                    console.print(f"[red]{name}[/red]: {'; '.join(map(str, messages))}")
            raise CommandError(exc.message) from exc
        if result.errors:
            self._print_report(console, [e.as_dict() for e in result.errors], len(result.errors))
        self.stdout.write(
            f"created {result.created}, already present {result.existing}, "
            f"rejected {result.rejected} (batch {result.batch.pk if result.batch else '-'})"
        )

    def _print_report(self, console: Console, rows: list[dict[str, Any]], total: int) -> None:
        table = Table(title=f"Validation report ({total} problem(s))")
        for name in ("row", "field", "message"):
            table.add_column(name)
        for r in rows[:REPORT_ROWS]:
            table.add_row(str(r["row"]), r["field"], r["message"])
        console.print(table)
        if total > REPORT_ROWS:
            console.print(f"… and {total - REPORT_ROWS} more")
