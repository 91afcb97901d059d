"""`backoffice billing run --period 2026-11 [--client SLUG]`: bill a month, with a progress bar.

The same month again writes nothing new (contracts already invoiced are skipped); a run
that stopped half-way is finished by running it again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from backoffice.billing import services
from backoffice.billing.models import BillingInvoice, BillingRun
from backoffice.core.errors import DomainError
from backoffice.ledger.money import format_minor
from backoffice.tenancy.models import Organization, User


class Command(BaseCommand):
    help = "Billing: `billing run --period 2026-11 [--client SLUG]` bills a month."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="bill a month for one client or all")
        run.add_argument("--period", required=True, help="the month, e.g. 2026-11")
        run.add_argument("--client", help="client slug (default: every client)")
        run.add_argument("--user", help="username recorded as the one who ran it")

    def handle(self, *args: Any, **options: Any) -> None:
        provider = Organization.objects.filter(kind=Organization.Kind.PROVIDER).first()
        if provider is None:
            raise CommandError("No provider organization yet.")
        client_id = None
        if options.get("client"):
            client = Organization.objects.filter(slug=options["client"], provider=provider).first()
            if client is None:
                raise CommandError(f"No client {options['client']!r}.")
            client_id = client.pk
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        console = Console()
        try:
            period = services.parse_period(options["period"])
            run = services.start_run(
                tenant=provider, actor=actor, period=period, client_id=client_id
            )
            with Progress(
                TextColumn(f"Billing {period:%Y-%m}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("contracts", total=max(run.contracts_total, 1))

                def progress(r: BillingRun) -> None:
                    bar.update(task, total=max(r.contracts_total, 1), completed=r.contracts_done)

                run = services.continue_run(
                    tenant=provider, actor=actor, run_id=run.pk, progress=progress
                )
                bar.update(task, completed=max(run.contracts_total, 1))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        invoices = BillingInvoice.objects.for_tenant(provider).filter(run=run)
        console.print(
            f"{run.contracts_total} contracts, {run.invoices_created} new draft invoices "
            f"({run.get_status_display().lower()})."
        )
        for inv in invoices.select_related("contract"):
            console.print(
                f"  {inv.contract.name}: {format_minor(inv.total, inv.currency)} {inv.currency}"
            )
