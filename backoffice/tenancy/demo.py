"""Demo organizations and people: a provider, three clients, staff in every role.

`seed_tenants` returns the `DemoContext` that each app's `demo.seed(ctx)` builds on;
`backoffice.site.demo` runs them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from backoffice.tenancy import services
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role

DEMO_PASSWORD = "demo-pass-2026"

PROVIDER = ("northwind", "Northwind Back Office Services", "US", "America/Chicago", "USD")
CLIENTS = [
    ("acme-insurance", "Acme Insurance Co.", "US", "America/New_York", "USD"),
    ("globex-retail", "Globex Retail GmbH", "DE", "Europe/Berlin", "EUR"),
    ("initech-health", "Initech Health Ltd", "GB", "Europe/London", "GBP"),
]
# username, display name, role, the person's own time zone (pages show times in it): the
# head office in Chicago, the delivery centres in London and Manila.
PROVIDER_STAFF = [
    ("admin", "Priya Admin", Role.PROVIDER_ADMIN, "America/Chicago"),
    ("ops", "Oscar Operations", Role.OPERATIONS_MANAGER, "America/Chicago"),
    ("lead", "Lena Lead", Role.TEAM_LEAD, "Europe/London"),
    ("agent1", "Ahmed Agent", Role.AGENT, "Europe/London"),
    ("agent2", "Aiko Agent", Role.AGENT, "Asia/Manila"),
    ("qa", "Quinn Reviewer", Role.QA_REVIEWER, "Asia/Manila"),
    ("finance", "Fatima Finance", Role.FINANCE, "America/Chicago"),
    ("auditor", "Aude Auditor", Role.AUDITOR, "America/Chicago"),
]
# Provider staff who also join every client account they serve.
SERVING_ROLES = {
    Role.OPERATIONS_MANAGER,
    Role.TEAM_LEAD,
    Role.AGENT,
    Role.QA_REVIEWER,
    Role.FINANCE,
}


@dataclass
class DemoContext:
    provider: Organization
    clients: list[Organization]
    users: dict[str, User] = field(default_factory=dict)


def _user(username: str, display_name: str, zone: str, *, staff: bool = False) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.create_user(
            username=username,
            password=DEMO_PASSWORD,
            email=f"{username}@example.com",
            display_name=display_name,
        )
        user.timezone = zone
        user.save(update_fields=["timezone"])
    if staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def demo_exists() -> bool:
    return Organization.objects.filter(slug=PROVIDER[0]).exists()


def seed_tenants() -> DemoContext:
    """The demo organizations, users and memberships (inside the caller's transaction)."""
    with transaction.atomic(savepoint=False):
        slug, name, country, tz, currency = PROVIDER
        provider = services.create_organization(
            slug=slug,
            name=name,
            kind="provider",
            country=country,
            timezone_name=tz,
            currency=currency,
        )
        clients = [
            services.create_organization(
                slug=s,
                name=n,
                kind="client",
                provider=provider,
                country=c,
                timezone_name=t,
                currency=cur,
            )
            for s, n, c, t, cur in CLIENTS
        ]
        ctx = DemoContext(provider=provider, clients=clients)
        for username, display, role, zone in PROVIDER_STAFF:
            user = _user(username, display, zone, staff=role == Role.PROVIDER_ADMIN)
            ctx.users[username] = user
            services.add_member(organization=provider, user=user, role=role)
            if role in SERVING_ROLES:
                for client in clients:
                    services.add_member(organization=client, user=user, role=role)
        for client in clients:
            prefix = client.slug.split("-")[0]
            admin = _user(f"{prefix}-admin", f"{client.name} admin", client.timezone)
            member = _user(f"{prefix}-user", f"{client.name} user", client.timezone)
            ctx.users[admin.username], ctx.users[member.username] = admin, member
            services.add_member(organization=client, user=admin, role=Role.CLIENT_ADMIN)
            services.add_member(organization=client, user=member, role=Role.CLIENT_USER)
    return ctx


def demo_logins() -> list[tuple[str, str]]:
    rows = [(u, f"{d} — {r.label}") for u, d, r, _zone in PROVIDER_STAFF]
    for slug, name, *_ in CLIENTS:
        prefix = slug.split("-")[0]
        rows.append((f"{prefix}-admin", f"{name} — Client admin"))
        rows.append((f"{prefix}-user", f"{name} — Client user"))
    return rows
