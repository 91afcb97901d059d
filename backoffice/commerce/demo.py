"""Demo commerce data for each demo client: taxes, products, parties, and a few months of
procure-to-pay and order-to-cash, all through the services (so everything is posted)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.apps import apps

if TYPE_CHECKING:
    from backoffice.tenancy.demo import DemoContext

TAXES = {
    "USD": [("SALES8", "Sales tax 8%", "8"), ("EXEMPT", "Exempt", "0")],
    "EUR": [("VAT19", "VAT 19%", "19"), ("VAT7", "VAT 7%", "7")],
    "GBP": [("VAT20", "VAT 20%", "20"), ("VAT5", "VAT 5%", "5")],
}


def seed(ctx: DemoContext) -> None:
    if not apps.is_installed("backoffice.commerce"):
        return
    _seed_provider(ctx)
    for client in ctx.clients:
        _seed_client(client, ctx.users.get("finance"))


# The provider's services: (sku, name, unit, price in cents, revenue account).
PROVIDER_SERVICES = [
    ("SVC-ITEM", "Document processing (per item)", "item", 85, "4100"),
    ("SVC-HOUR", "Back-office agent time (per hour)", "h", 3800, "4200"),
    ("SVC-SETUP", "Onboarding and set-up", "job", 150000, "4300"),
]


def _seed_provider(ctx: DemoContext) -> None:
    """The provider's own books, complete enough for finance to invoice its clients from the
    pages: taxes, its clients as customers, its services, a supplier, the posting accounts,
    the invoice series continuing from the old system, one issued invoice and one draft."""
    from backoffice.commerce import posting
    from backoffice.commerce import services as s
    from backoffice.commerce.models import DocKind
    from backoffice.commerce.services.setup import set_next_number

    t, actor = ctx.provider, ctx.users.get("finance")
    if not posting.account_exists(t, "1200"):
        return  # no books yet: the ledger's demo gives the provider its chart
    for code, name, rate in [
        ("SALES8", "Sales tax 8%", "8"),
        ("EXEMPT", "Exempt business services", "0"),
        ("EXPORT0", "Export of services (reverse charge)", "0"),
    ]:
        s.create_tax_rate(tenant=t, actor=actor, code=code, name=name, rate=rate)
    services = {
        sku: s.create_product(
            tenant=t,
            actor=actor,
            sku=sku,
            name=name,
            kind="service",
            unit=unit,
            sale_price=price,
            sales_taxes=["SALES8"],
            revenue_account=account,
        )
        for sku, name, unit, price, account in PROVIDER_SERVICES
    }
    customers = [
        s.create_party(
            tenant=t,
            actor=actor,
            code=client.slug[:30],  # the code billing looks its clients up by
            name=client.name,
            country=client.country,
            currency=client.currency,
            email=f"accounts@{client.slug}.example",
            payment_terms_days=30,
        )
        for client in ctx.clients
    ]
    s.create_party(
        tenant=t,
        actor=actor,
        code="SUP-STRATUS",
        name="Stratus Cloud Hosting",
        is_customer=False,
        is_supplier=True,
        country="US",
        currency=t.currency,
    )
    for key, code in [
        ("invoice.revenue", "4100"),
        ("invoice.service_revenue", "4200"),
        ("invoice.cogs", "5000"),
        ("bill.expense", "5400"),
        ("payment.bank", "1120"),
    ]:
        s.set_posting_account(tenant=t, actor=actor, key=key, account_code=code)
    # February's three invoices were issued in the old system (see the ledger demo).
    set_next_number(tenant=t, actor=actor, series="INV", year=2026, next_number=4)
    october = s.create_document(
        tenant=t,
        actor=actor,
        kind=DocKind.INVOICE,
        party_id=customers[0].pk,
        day=date(2026, 10, 31),
        reference="October 2026",
        lines=[
            s.LineSpec(product_id=services["SVC-ITEM"].pk, quantity=12_400),
            s.LineSpec(product_id=services["SVC-HOUR"].pk, quantity=36),
        ],
    )
    s.issue_document(tenant=t, actor=actor, document_id=october.pk)
    s.create_document(
        tenant=t,
        actor=actor,
        kind=DocKind.INVOICE,
        party_id=customers[1].pk,
        day=date(2026, 11, 30),
        reference="November 2026",
        lines=[
            s.LineSpec(
                product_id=services["SVC-ITEM"].pk,
                quantity=8_000,
                unit_price=78,
                tax_codes=["EXPORT0"],
            )
        ],
    )


def _seed_client(t, actor) -> None:  # type: ignore[no-untyped-def]
    from backoffice.commerce import services as s
    from backoffice.commerce.models import DocKind

    std, low = TAXES.get(t.currency, TAXES["EUR"])
    for code, name, rate in (std, low):
        s.create_tax_rate(tenant=t, actor=actor, code=code, name=name, rate=rate)
    s.create_location(tenant=t, actor=actor, warehouse_code="MAIN", name="Main stock")
    s.create_location(tenant=t, actor=actor, warehouse_code="MAIN", code="SHOWROOM")
    items = [
        ("CHAIR-01", "Office chair", 14900, 8200, std[0], 5),
        ("DESK-02", "Standing desk", 39900, 23000, std[0], 3),
        ("LAMP-03", "Desk lamp", 3900, 1700, std[0], 10),
        ("BOOK-04", "Ergonomics handbook", 2500, 1100, low[0], 10),
    ]
    products = {
        sku: s.create_product(
            tenant=t,
            actor=actor,
            sku=sku,
            name=name,
            sale_price=price,
            cost=cost,
            sales_taxes=[tax],
            purchase_taxes=[tax],
            reorder_level=Decimal(reorder),
        )
        for sku, name, price, cost, tax, reorder in items
    }
    install = s.create_product(
        tenant=t,
        actor=actor,
        sku="SVC-INSTALL",
        name="Installation (hour)",
        kind="service",
        unit="h",
        sale_price=8500,
        sales_taxes=[std[0]],
    )
    country = {"USD": "US", "EUR": "DE", "GBP": "GB"}.get(t.currency, "")
    supplier = s.create_party(
        tenant=t,
        actor=actor,
        code="SUP-01",
        name="Nordic Furniture Supply",
        is_customer=False,
        is_supplier=True,
        country="DE",
        tax_id="DE136695976",
        currency=t.currency,
        address_line1="Industriestr. 4",
        city="Hamburg",
        postal_code="20095",
    )
    customers = [
        s.create_party(
            tenant=t,
            actor=actor,
            code=f"CUS-{i:02d}",
            name=name,
            country=country,
            city=city,
            payment_terms_days=terms,
            currency=t.currency,
        )
        for i, (name, city, terms) in enumerate(
            [
                ("Brightside Dental", "Springfield", 14),
                ("Harbor Logistics", "Portsmouth", 30),
                ("Maple Architects", "Oakville", 30),
            ],
            start=1,
        )
    ]

    def lines(*rows: tuple) -> list:
        return [s.LineSpec(product_id=p.pk, quantity=q) for p, q in rows]

    def issue(d):  # type: ignore[no-untyped-def]
        return s.issue_document(tenant=t, actor=actor, document_id=d.pk)

    po = issue(
        s.create_document(
            tenant=t,
            actor=actor,
            kind=DocKind.PURCHASE_ORDER,
            party_id=supplier.pk,
            day=date(2026, 2, 2),
            lines=lines(
                *[
                    (products[k], q)
                    for k, q in [("CHAIR-01", 20), ("DESK-02", 8), ("LAMP-03", 30), ("BOOK-04", 40)]
                ]
            ),
        )
    )
    gr = issue(
        s.create_from(
            tenant=t, actor=actor, source_id=po.pk, kind=DocKind.GOODS_RECEIPT, day=date(2026, 2, 9)
        )
    )
    bill = issue(
        s.create_from(
            tenant=t,
            actor=actor,
            source_id=gr.pk,
            kind=DocKind.BILL,
            day=date(2026, 2, 10),
            reference="NFS-2026-118",
        )
    )
    s.record_payment(
        tenant=t,
        actor=actor,
        direction="out",
        party_id=supplier.pk,
        day=date(2026, 3, 5),
        amount=bill.gross,
    )
    for n, (cust, month) in enumerate([(customers[0], 3), (customers[1], 5), (customers[2], 9)]):
        so = issue(
            s.create_document(
                tenant=t,
                actor=actor,
                kind=DocKind.SALES_ORDER,
                party_id=cust.pk,
                day=date(2026, month, 3),
                lines=lines(
                    (products["CHAIR-01"], 4 + n),
                    (products["DESK-02"], 1 + n),
                    (products["LAMP-03"], 3),
                    (install, 2),
                ),
            )
        )
        dn = issue(
            s.create_from(
                tenant=t,
                actor=actor,
                source_id=so.pk,
                kind=DocKind.DELIVERY,
                day=date(2026, month, 6),
            )
        )
        inv = issue(
            s.create_from(
                tenant=t,
                actor=actor,
                source_id=dn.pk,
                kind=DocKind.INVOICE,
                day=date(2026, month, 7),
            )
        )
        if n == 0:
            s.record_payment(
                tenant=t,
                actor=actor,
                direction="in",
                party_id=cust.pk,
                day=date(2026, month, 20),
                amount=inv.gross,
            )
        elif n == 1:
            s.record_payment(
                tenant=t,
                actor=actor,
                direction="in",
                party_id=cust.pk,
                day=date(2026, month + 1, 2),
                amount=inv.gross // 2,
            )
            issue(
                s.create_from(
                    tenant=t,
                    actor=actor,
                    source_id=inv.pk,
                    kind=DocKind.CREDIT_NOTE,
                    quantities={3: 1},
                    day=date(2026, month + 1, 5),
                )
            )
    issue(
        s.create_document(
            tenant=t,
            actor=actor,
            kind=DocKind.INVOICE,
            party_id=customers[2].pk,
            day=date(2026, 10, 15),
            lines=lines((products["BOOK-04"], 12), (install, 1)),
        )
    )
    s.create_document(
        tenant=t,
        actor=actor,
        kind=DocKind.QUOTE,
        party_id=customers[0].pk,
        day=date(2026, 11, 2),
        lines=lines((products["DESK-02"], 6), (install, 6)),
    )
