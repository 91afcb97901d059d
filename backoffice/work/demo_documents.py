"""Source documents for the demo's items, so the workbench's viewer has something to show:
a supplier invoice as PDF (weasyprint) for invoice capture, an order e-mailed as text."""

from __future__ import annotations

import logging
import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from backoffice.tenancy.models import User
from backoffice.work import services
from backoffice.work.models import Engagement, WorkItem

_GOODS = [
    ("Drill bits, 10 mm (box of 5)", Decimal("18.90")),
    ("Cordless screwdriver 12 V", Decimal("89.00")),
    ("Safety gloves, size L", Decimal("4.25")),
    ("Cable ties 200 mm (pack of 100)", Decimal("6.40")),
    ("Spirit level 60 cm", Decimal("24.50")),
    ("Wood screws 4x40 (box of 200)", Decimal("9.95")),
]
_CSS = """
@page { size: A4; margin: 18mm; }
body { font: 10pt sans-serif; color: #222; }
h1 { font-size: 20pt; margin: 0 0 4mm; }
.top { display: flex; justify-content: space-between; }
table { width: 100%; border-collapse: collapse; margin-top: 8mm; }
th, td { border-bottom: 1px solid #bbb; padding: 2mm; text-align: left; }
td.n, th.n { text-align: right; }
.total td { font-weight: bold; border-bottom: 2px solid #222; }
.terms { page-break-before: always; }
"""


def invoice_lines(rng: random.Random) -> list[tuple[str, int, Decimal]]:
    return [(name, rng.randint(1, 12), price) for name, price in rng.sample(_GOODS, 3)]


def invoice_pdf(item: WorkItem, supplier: str, pages: int, rng: random.Random) -> bytes:
    """A supplier's invoice for the item: number, date, three lines and the total."""
    from weasyprint import HTML

    lines = invoice_lines(rng)
    total = sum((qty * price for _, qty, price in lines), Decimal(0))
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td class='n'>{qty}</td><td class='n'>{price}</td>"
        f"<td class='n'>{qty * price:.2f}</td></tr>"
        for name, qty, price in lines
    )
    terms = "".join(
        f"<section class='terms'><h2>Terms, page {n}</h2><p>Payment within 30 days.</p></section>"
        for n in range(2, max(pages, 1) + 1)
    )
    number = f"R-2026-{item.pk:04d}"
    html = f"""<html><head><style>{_CSS}</style></head><body>
<div class="top"><div><h1>{escape(supplier or "Bosch")} GmbH</h1>Industriestraße 1, Stuttgart</div>
<div><strong>Invoice {number}</strong><br>Date: 2026-11-{10 + item.pk % 18:02d}<br>
Currency: EUR</div></div>
<p>Bill to: {escape(item.engagement.tenant.name)}, reference {escape(item.external_ref)}</p>
<table><tr><th>Description</th><th class="n">Quantity</th><th class="n">Unit price</th>
<th class="n">Amount</th></tr>{rows}
<tr class="total"><td colspan="3">Total EUR</td><td class="n">{total:.2f}</td></tr></table>
{terms}</body></html>"""
    return bytes(HTML(string=html).write_pdf())


def order_mail(item: WorkItem, data: dict[str, Any]) -> bytes:
    lines = "\n".join(
        f"  {line.get('quantity')} x {line.get('description')} at {line.get('unit_price')}"
        for line in data.get("lines", [])
    )
    return (
        f"From: purchasing@{data.get('customer', 'customer').lower().replace(' ', '')}.example\n"
        f"Subject: Order {item.external_ref}\n\nPlease deliver:\n{lines}\n\nThank you.\n"
    ).encode()


def attach_sources(engagement: Engagement, actor: User | None, rng: random.Random) -> None:
    """Attach a source document to each of the engagement's items (invoices and orders)."""
    code = engagement.service_type.code
    if actor is None or code not in ("invoice-capture", "order-processing"):
        return
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per step
    for item in WorkItem.objects.for_tenant(engagement.tenant_id).filter(engagement=engagement):
        if code == "invoice-capture":
            data = invoice_pdf(
                item, str(item.data.get("supplier", "")), int(item.data.get("pages", 1)), rng
            )
            upload = SimpleUploadedFile(f"{item.external_ref}.pdf", data, "application/pdf")
        else:
            text = order_mail(item, item.data)
            upload = SimpleUploadedFile(f"{item.external_ref}.txt", text, "text/plain")
        services.add_attachment(item=item, actor=actor, upload=upload)
