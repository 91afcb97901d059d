"""Commerce records shaped as the API answers them (plain dicts the schemas validate)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from backoffice.commerce import selectors
from backoffice.commerce.api.schemas import PartyOut, ProductOut, TaxRateOut
from backoffice.commerce.models import (
    CreditApplication,
    Document,
    Location,
    Party,
    Payment,
    Product,
    Refund,
    StockMove,
    TaxRate,
)
from backoffice.commerce.selectors import StockRow


def party_out(p: Party) -> dict:
    return {f: getattr(p, f) for f in PartyOut.model_fields}


def tax_rate_out(t: TaxRate) -> dict:
    return {f: getattr(t, f) for f in TaxRateOut.model_fields}


def product_out(p: Product) -> dict:
    out = {
        f: getattr(p, f)
        for f in ProductOut.model_fields
        if f not in {"sales_taxes", "purchase_taxes", "on_hand"}
    }
    out["sales_taxes"] = [t.code for t in p.sales_taxes.all()]
    out["purchase_taxes"] = [t.code for t in p.purchase_taxes.all()]
    out["on_hand"] = selectors.on_hand(p.tenant_id, p.pk) if p.is_stock else Decimal(0)
    return out


def location_out(x: Location) -> dict:
    return {"id": x.pk, "warehouse": x.warehouse.code, "code": x.code, "name": x.name}


def stock_out(r: StockRow) -> dict:
    return {**r.__dict__, "unit_cost": r.unit_cost, "is_low": r.is_low}


def postings(tenant: Any, entry_id: int | None) -> list[dict]:
    return [
        {
            "account": ln.account.code,
            "account_name": ln.account.name,
            "currency": ln.currency,
            "debit": ln.debit,
            "credit": ln.credit,
        }
        for ln in selectors.postings(tenant, entry_id)
    ]


def move_out(m: StockMove) -> dict:
    return {
        "id": m.pk,
        "product_id": m.product_id,
        "sku": m.product.sku,
        "location": str(m.location),
        "kind": m.kind,
        "date": m.date,
        "quantity": m.quantity,
        "unit_cost": m.unit_cost,
        "value": m.value,
        "document_id": m.document_id,
    }


def moves_out(moves: Iterable[StockMove]) -> list[dict]:
    return [move_out(m) for m in moves]


def doc_summary(d: Document) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "status": d.status,
        "number": d.number,
        "party_id": d.party_id,
        "party": d.party.name,
        "date": d.date,
        "due_date": d.due_date,
        "currency": d.currency,
        "rate": d.rate,
        "net": d.net,
        "tax": d.tax,
        "gross": d.gross,
        "settled": d.settled,
        "open_amount": d.open_amount,
        "reference": d.reference,
        "source_id": d.source_id,
        "journal_entry_id": d.journal_entry_id,
    }


def doc_out(d: Document) -> dict:
    lines = d.lines.select_related("product").prefetch_related("taxes").order_by("line_no")
    return {
        **doc_summary(d),
        "gross_functional": d.gross_functional,
        "lines": [
            {
                "line_no": ln.line_no,
                "product_id": ln.product_id,
                "description": ln.description,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "tax_codes": [t.code for t in ln.taxes.all()],
                "net": ln.net,
                "tax": ln.tax,
                "gross": ln.gross,
                "cost_value": ln.cost_value,
            }
            for ln in lines
        ],
        "postings": postings(d.tenant_id, d.journal_entry_id),
        "moves": [move_out(m) for m in selectors.stock_moves(d.tenant_id, document_id=d.pk)],
        "credits": [credit_out(c) for c in selectors.credits_applied(d.tenant_id, d.pk)],
        "refunds": [refund_brief(r) for r in selectors.refunds(d.tenant_id, credit_note_id=d.pk)]
        if d.kind == "credit_note"
        else [],
    }


def credit_out(c: CreditApplication) -> dict:
    source = c.payment if c.payment_id is not None else c.credit_note
    assert source is not None
    return {
        "id": c.pk,
        "document_id": c.document_id,
        "payment_id": c.payment_id,
        "credit_note_id": c.credit_note_id,
        "source": source.number,
        "date": c.date,
        "amount": c.amount,
        "journal_entry_id": c.journal_entry_id,
        "reversed_on": c.reversed_on,
        "reversal_entry_id": c.reversal_entry_id,
    }


def refund_brief(r: Refund) -> dict:
    return {"id": r.pk, "number": r.number, "date": r.date, "amount": r.amount}


def refund_out(r: Refund) -> dict:
    source = r.payment if r.payment_id is not None else r.credit_note
    return {
        "id": r.pk,
        "number": r.number,
        "party_id": r.party_id,
        "party": r.party.name,
        "payment_id": r.payment_id,
        "credit_note_id": r.credit_note_id,
        "source": source.number if source is not None else "",
        "date": r.date,
        "currency": r.currency,
        "rate": r.rate,
        "amount": r.amount,
        "bank_account": r.bank_account,
        "reference": r.reference,
        "journal_entry_id": r.journal_entry_id,
        "postings": postings(r.tenant_id, r.journal_entry_id),
    }


def payment_out(p: Payment) -> dict:
    return {
        "id": p.pk,
        "direction": p.direction,
        "number": p.number,
        "party_id": p.party_id,
        "party": p.party.name,
        "date": p.date,
        "currency": p.currency,
        "rate": p.rate,
        "amount": p.amount,
        "unallocated": p.unallocated,
        "journal_entry_id": p.journal_entry_id,
        "allocations": [
            {"document_id": a.document_id, "number": a.document.number, "amount": a.amount}
            for a in p.allocations.select_related("document").order_by("id")
        ],
        "refunds": [refund_brief(r) for r in selectors.refunds(p.tenant_id, payment_id=p.pk)],
        "postings": postings(p.tenant_id, p.journal_entry_id),
    }
