from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.tenancy.models import Organization


class Command(BaseCommand):
    help = (
        "Privacy tools. `privacy apply-retention [--dry-run] [--tenant SLUG]` erases the data "
        "of finished items that every active retention rule says are due (items under a "
        "legal hold stay); with --dry-run it only prints what each rule would erase."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["apply-retention"])
        parser.add_argument("--dry-run", action="store_true", help="Print, erase nothing")
        parser.add_argument("--tenant", help="Only this client (its slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        from backoffice.privacy import services

        tenant_id = None
        if options["tenant"]:
            org = Organization.objects.filter(slug=options["tenant"]).first()
            if org is None:
                raise CommandError(f"No organization {options['tenant']!r}.")
            tenant_id = org.pk
        runs = services.apply_retention(tenant_id=tenant_id, dry_run=options["dry_run"])
        verb = "would erase" if options["dry_run"] else "erased"
        for run in runs:
            rule = run.rule
            self.stdout.write(
                f"{rule.engagement.code} (tenant {rule.tenant_id}): {run.due} due, "
                f"{run.held} held, {verb} {run.erasable}"
            )
        self.stdout.write(f"{len(runs)} rule(s); {verb} {sum(r.erasable for r in runs)} item(s)")
