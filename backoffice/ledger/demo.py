"""Demo books: a chart for every demo tenant, a fiscal year, rates and a month of entries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from backoffice.ledger.services import (
    EntryIn,
    LineIn,
    apply_chart_template,
    bulk_post_entries,
    create_account,
    create_fiscal_year,
    post_journal_entry,
    reverse_entry,
    set_exchange_rate,
    set_period_lock,
)

if TYPE_CHECKING:
    from backoffice.tenancy.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    finance = ctx.users.get("finance")
    apply_chart_template(tenant=ctx.provider, template="services", actor=finance)
    for client in ctx.clients:
        apply_chart_template(tenant=client, template="general", actor=finance)
    for tenant in [ctx.provider, *ctx.clients]:
        fy = create_fiscal_year(tenant=tenant, actor=finance, year=2026)
        first = fy.periods.order_by("start").first()
        assert first is not None
        set_period_lock(tenant=tenant, actor=finance, period_id=first.pk, locked=True)
        if tenant.currency != "USD":
            set_exchange_rate(
                tenant=tenant,
                actor=finance,
                day=date(2026, 1, 1),
                base="USD",
                quote=tenant.currency,
                rate=Decimal("0.92") if tenant.currency == "EUR" else Decimal("0.79"),
            )
    _provider_invoicing(ctx)
    _provider_books(ctx)
    for n, client in enumerate(ctx.clients):
        _client_books(ctx, client, scale=n + 1)


# What the provider's clients pay in, in US dollars, from the start of the year: the provider
# invoices each client in the client's own currency.
PROVIDER_RATES = {"EUR": Decimal("1.0870"), "GBP": Decimal("1.2660")}


def _provider_invoicing(ctx: DemoContext) -> None:
    """What the provider's books need to invoice its clients: rates for their currencies and
    an inventory account (hardware resold to clients is a stock item)."""
    finance = ctx.users.get("finance")
    t = ctx.provider
    create_account(
        tenant=t,
        actor=finance,
        code="1300",
        name="Hardware for resale",
        type="asset",
        parent_code="1000",
    )
    for currency in sorted({c.currency for c in ctx.clients} - {t.currency}):
        if currency in PROVIDER_RATES:
            set_exchange_rate(
                tenant=t,
                actor=finance,
                day=date(2026, 1, 1),
                base=currency,
                quote=t.currency,
                rate=PROVIDER_RATES[currency],
            )


def _provider_books(ctx: DemoContext) -> None:
    finance = ctx.users.get("finance")
    t = ctx.provider
    post_journal_entry(
        tenant=t,
        actor=finance,
        entry=EntryIn(
            date=date(2026, 2, 1),
            memo="Share capital paid in",
            source_ref="BANK-0001",
            lines=[LineIn("1120", 25_000_000), LineIn("3100", -25_000_000)],
        ),
    )
    for i, client in enumerate(ctx.clients, start=1):
        fee = 1_250_000 * i
        post_journal_entry(
            tenant=t,
            actor=finance,
            entry=EntryIn(
                date=date(2026, 2, 28),
                memo=f"February processing fees: {client.name}",
                source_ref=f"INV-2026-{i:04d}",
                lines=[LineIn("1200", fee), LineIn("4100", -fee)],
            ),
        )
    payroll = post_journal_entry(
        tenant=t,
        actor=finance,
        entry=EntryIn(
            date=date(2026, 2, 27),
            memo="February payroll",
            source_ref="PAY-2026-02",
            lines=[LineIn("5100", 2_400_000), LineIn("5200", 600_000), LineIn("1130", -3_000_000)],
        ),
    )
    reverse_entry(tenant=t, actor=finance, entry_id=payroll.pk, memo="Payroll posted to wrong bank")
    post_journal_entry(
        tenant=t,
        actor=finance,
        entry=EntryIn(
            date=date(2026, 2, 27),
            memo="February payroll (corrected)",
            source_ref="PAY-2026-02",
            lines=[LineIn("5100", 2_400_000), LineIn("5200", 600_000), LineIn("1120", -3_000_000)],
        ),
    )


def _client_books(ctx: DemoContext, tenant, scale: int) -> None:  # type: ignore[no-untyped-def]
    finance = ctx.users.get("finance")
    post_journal_entry(
        tenant=tenant,
        actor=finance,
        entry=EntryIn(
            date=date(2026, 2, 1),
            memo="Opening capital",
            source_ref="OPEN",
            lines=[LineIn("1120", 5_000_000 * scale), LineIn("3100", -5_000_000 * scale)],
        ),
    )
    day = date(2026, 2, 2)
    batch = []
    for i in range(40):
        d = day + timedelta(days=i % 26)
        amount = 12_500 * scale + 731 * i
        batch.append(
            EntryIn(
                date=d,
                memo=f"Cash sale {i + 1}",
                source_ref=f"POS-{i + 1:05d}",
                lines=[LineIn("1120", amount), LineIn("4100", -amount)],
            )
        )
        if i % 4 == 0:
            cost = 4_000 * scale + 97 * i
            batch.append(
                EntryIn(
                    date=d,
                    memo=f"Supplies {i // 4 + 1}",
                    source_ref=f"BILL-{i:04d}",
                    lines=[LineIn("6400", cost), LineIn("2100", -cost)],
                )
            )
    bulk_post_entries(tenant=tenant, actor=finance, entries=batch)
    post_journal_entry(
        tenant=tenant,
        actor=finance,
        entry=EntryIn(
            date=date(2026, 2, 28),
            memo="February rent",
            source_ref="RENT-02",
            lines=[LineIn("6100", 180_000 * scale), LineIn("1120", -180_000 * scale)],
        ),
    )
