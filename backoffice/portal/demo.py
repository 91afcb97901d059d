"""The demo's portal data: the provider's standard rates for every service of its
catalogue, and three project requests from Acme — one waiting for a quote, one quoted and
waiting for Acme's decision, one accepted that became a running engagement with its
contract. Everything goes through the services, as the people would do it from the pages."""

from __future__ import annotations

import importlib
import importlib.util
from datetime import timedelta
from decimal import Decimal

from backoffice.tenancy.demo import DemoContext
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess

# service code -> (charge code, name, metric, graduated tiers [(from, up to, cents)])
Tiers = list[tuple[int, int | None, int]]
RATES: dict[str, tuple[str, str, str, Tiers]] = {
    "invoice-capture": ("pages", "Pages keyed", "pages", [(0, 5000, 45), (5000, None, 32)]),
    "claim-intake": ("claims", "Claims registered", "items", [(0, 1000, 350), (1000, None, 290)]),
    "medical-transcription": ("minutes", "Audio minutes", "audio_minutes", [(0, None, 95)]),
    "order-processing": ("lines", "Order lines", "lines", [(0, 20000, 18), (20000, None, 12)]),
    "list-cleanup": ("records", "Records cleaned", "items", [(0, None, 6)]),
    "research-request": ("hours", "Research hours", "handle_hours", [(0, None, 4500)]),
}


def _as(user: User | None, org: Organization, role: str) -> TenantAccess | None:
    return None if user is None else TenantAccess(user=user, tenant=org, role=role)


def seed(ctx: DemoContext) -> None:
    """The project requests, then the client dashboard's part (`portal/dashboard/demo.py`,
    its own engineer's: who sees what on Acme's side), when it is there."""
    _seed_projects(ctx)
    if importlib.util.find_spec("backoffice.portal.dashboard.demo") is not None:
        importlib.import_module("backoffice.portal.dashboard.demo").seed(ctx)


def _seed_projects(ctx: DemoContext) -> None:
    from backoffice.portal.projects import services
    from backoffice.work.models import ServiceType

    ops = _as(ctx.users.get("ops"), ctx.provider, Role.OPERATIONS_MANAGER)
    acme = next((c for c in ctx.clients if c.slug == "acme-insurance"), None)
    if ops is None or acme is None:
        return
    types = {s.code: s for s in ServiceType.objects.for_tenant(ctx.provider)}
    for code, (charge, name, metric, tiers) in RATES.items():
        if code in types:
            model = "per_unit" if len(tiers) == 1 else "graduated"
            line = services.LineIn(
                charge,
                name,
                metric,
                model,
                unit_rate=tiers[0][2] if model == "per_unit" else 0,
                tiers=[services.TierIn(a, b, c) for a, b, c in tiers]
                if model != "per_unit"
                else [],
            )
            services.set_standard_rate(
                access=ops, service_type_id=types[code].pk, currency="USD", line=line
            )
    user = _as(ctx.users.get("acme-user"), acme, Role.CLIENT_USER)
    admin = _as(ctx.users.get("acme-admin"), acme, Role.CLIENT_ADMIN)
    if user is None or admin is None:
        return
    _requests(services, types, user, admin, ops)


def _requests(services, types, user, admin, ops) -> None:  # type: ignore[no-untyped-def]
    from backoffice.portal.projects.selectors import today_in

    soon = today_in(user.tenant.timezone) + timedelta(days=45)

    def ask(title: str, code: str | None, text: str, volume: int, unit: str):  # type: ignore[no-untyped-def]
        st = types.get(code) if code else None
        data = services.RequestIn(
            title=title,
            description=text,
            service_type_id=st.pk if st else None,
            expected_volume=volume,
            volume_unit=unit,
            deadline=soon,
            languages="English, Spanish",
        )
        return services.create_request(access=user, data=data, submit=True)

    ask(
        "Mailroom scanning and sorting",
        None,
        "Our branch offices receive about 600 letters a day. We need them scanned, "
        "classified (claim, complaint, policy change, other) and routed by noon.",
        12000,
        "letters a month",
    )
    spring = ask(
        "Spring campaign order entry",
        "order-processing",
        "Paper and fax orders from the spring brochure campaign, March to May.",
        30000,
        "order lines a month",
    )
    clinic = ask(
        "Transcription for the Riverside clinic",
        "medical-transcription",
        "Dictated notes of the Riverside occupational-health clinic, next-day turnaround.",
        8000,
        "audio minutes a month",
    )
    for req, fee in ((spring, 50_000), (clinic, 25_000)):
        start = services.starting_quote(ops, req)
        data = services.QuoteIn(**{**start.__dict__, "setup_fee": fee, "sla_hours": Decimal(16)})
        quote = services.save_quote(access=ops, request_id=req.pk, data=data)
        services.send_quote(access=ops, quote_id=quote.pk)
        if req is clinic:
            services.accept_quote(access=admin, quote_id=quote.pk)
