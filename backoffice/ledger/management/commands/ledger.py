"""`backoffice ledger import FILE --tenant SLUG`: post a CSV or JSONL file, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.ledger.importer import Parsed, RowError, locate, parse_file
from backoffice.ledger.services import bulk_post_entries, set_exchange_rate, validate_entries
from backoffice.tenancy.models import Organization, User

CHUNK = 5000


class Command(BaseCommand):
    help = (
        "Ledger tools. `ledger import FILE --tenant SLUG` posts a CSV or JSONL file; "
        "`ledger rates FILE --tenant SLUG` imports exchange rates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="post journal entries from CSV or JSONL")
        imp.add_argument("file", type=Path)
        imp.add_argument("--tenant", required=True, help="organization slug")
        imp.add_argument("--user", help="username recorded as author (default: none)")
        imp.add_argument("--dry-run", action="store_true", help="validate only")
        rates = sub.add_parser("rates", help="import exchange rates: CSV date,base,quote,rate")
        rates.add_argument("file", type=Path)
        rates.add_argument("--tenant", required=True, help="organization slug")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rates":
            self.import_rates(options["file"], options["tenant"])
            return
        self.import_entries(**options)

    def import_rates(self, path: Path, slug: str) -> None:
        """All or nothing: every row is validated by the service; the first error stops."""
        import csv
        from datetime import date

        from backoffice.core.numbers import RATE, parse_decimal

        tenant = _tenant(slug)
        count = 0
        with path.open(encoding="utf-8", newline="") as f, transaction.atomic():
            set_rls_tenants([tenant.pk])
            for n, row in enumerate(csv.DictReader(f), start=2):
                try:
                    set_exchange_rate(
                        tenant=tenant,
                        actor=None,
                        day=date.fromisoformat(row["date"].strip()),
                        base=row["base"].strip(),
                        quote=row["quote"].strip(),
                        rate=parse_decimal(row["rate"], RATE, field="rate", positive=True),
                    )
                except (KeyError, ValueError) as exc:
                    raise CommandError(f"row {n}: {exc!r}; nothing imported") from exc
                except DomainError as exc:
                    raise CommandError(f"row {n}: {exc.message} {exc.fields}") from exc
                count += 1
        self.stdout.write(f"{count} rate(s) imported")

    def import_entries(self, **options: Any) -> None:
        from rich.console import Console

        console = Console(file=self.stdout._out, stderr=False)  # type: ignore[attr-defined,arg-type]
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        tenant = _tenant(options["tenant"])
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
        parsed = parse_file(path, default_currency=tenant.currency)
        with transaction.atomic():
            set_rls_tenants([tenant.pk])
            errors = list(parsed.errors) or _validate(console, tenant, parsed)
            if errors:
                _report(console, path, errors)
                raise CommandError(f"{len(errors)} error(s); nothing was posted")
            if options["dry_run"]:
                console.print(f"{len(parsed.entries)} entries valid (dry run, nothing posted)")
                return
            created, duplicates, lines = _post(console, tenant, actor, parsed)
        console.print(
            f"posted {created} entries ({lines} lines); {duplicates} already posted, skipped"
        )


def _tenant(slug: str) -> Organization:
    tenant = Organization.objects.filter(slug=slug).first()
    if tenant is None:
        raise CommandError(f"no organization {slug!r}")
    return tenant


def _validate(console: Any, tenant: Organization, parsed: Parsed) -> list[RowError]:
    """Every entry checked by the service, chunk by chunk, errors mapped to file rows."""
    from rich.progress import Progress

    errors: list[RowError] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("validating", total=len(parsed.entries))
        for start in range(0, len(parsed.entries), CHUNK):
            chunk = parsed.entries[start : start + CHUNK]
            found = validate_entries(tenant=tenant, entries=chunk, limit=10_000)
            shifted = {_shift(k, start): v for k, v in found.items()}
            errors.extend(locate(parsed, shifted))
            progress.advance(task, len(chunk))
    return errors


def _report(console: Any, path: Path, errors: list[RowError]) -> None:
    from rich.table import Table

    table = Table("row", "column", "message", title=f"{path.name}: nothing posted")
    for e in sorted(errors, key=lambda e: (e.row, e.column))[:500]:
        table.add_row(str(e.row), e.column, e.message)
    console.print(table)


def _post(
    console: Any, tenant: Organization, actor: User | None, parsed: Parsed
) -> tuple[int, int, int]:
    """Post in chunks inside the caller's transaction: (created, duplicates, lines)."""
    from rich.progress import Progress

    created = duplicates = lines = 0
    with Progress(console=console) as progress:
        task = progress.add_task("posting", total=len(parsed.entries))
        for start in range(0, len(parsed.entries), CHUNK):
            chunk = parsed.entries[start : start + CHUNK]
            try:
                r = bulk_post_entries(tenant=tenant, actor=actor, entries=chunk)
            except DomainError as exc:
                raise CommandError(f"{exc.message} {exc.fields}") from exc
            created, duplicates, lines = (
                created + r.created,
                duplicates + r.duplicates,
                lines + r.lines,
            )
            progress.advance(task, len(chunk))
    return created, duplicates, lines


def _shift(key: str, offset: int) -> str:
    if not key.startswith("entries["):
        return key
    index, rest = key[len("entries[") :].split("]", 1)
    return f"entries[{int(index) + offset}]{rest}"
