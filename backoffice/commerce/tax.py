"""Line and document totals: pure functions, no database.

Rounding (half up, to the document currency's minor unit) happens in exactly one place,
chosen by the tenant's `tax_rounding` setting:

- per line: each line's tax per rate is rounded; the document's tax is the sum of the
  rounded line taxes;
- per document: line taxes are summed unrounded per rate and each rate's total is rounded
  once; the line-level amounts shown on lines are rounded for display only.

Prices excluding tax: net = round(quantity x unit price); tax = net x rate.
Prices including tax: gross = round(quantity x unit price); net = gross / (1 + sum of
rates); each rate's tax is net x rate; the net is then gross minus the rounded taxes, so
the gross the customer was quoted is never changed by rounding. Several taxes on one line
are each computed on the net (no tax on tax).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from backoffice.ledger.money import round_half_up

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: int
    rates: Sequence[tuple[int, Decimal]]  # (tax rate id, percent)


@dataclass
class LineTotals:
    net: int
    tax: int
    gross: int
    taxes: dict[int, int]  # tax rate id -> amount (rounded)


@dataclass
class DocumentTotals:
    lines: list[LineTotals]
    net: int = 0
    tax: int = 0
    gross: int = 0
    taxes: dict[int, int] = field(default_factory=dict)  # per tax rate, authoritative


def compute(
    lines: Sequence[LineInput], *, prices_include_tax: bool, per_document: bool
) -> DocumentTotals:
    out: list[LineTotals] = []
    raw_by_rate: dict[int, Decimal] = defaultdict(Decimal)
    gross_fixed = 0
    net_excl = 0
    for line in lines:
        amount = line.quantity * line.unit_price
        rate_sum = sum((r for _, r in line.rates), Decimal(0))
        if prices_include_tax:
            gross = round_half_up(amount)
            net_raw = Decimal(gross) * HUNDRED / (HUNDRED + rate_sum)
            raw = {tid: net_raw * r / HUNDRED for tid, r in line.rates}
            taxes = {tid: round_half_up(v) for tid, v in raw.items()}
            tax = sum(taxes.values())
            out.append(LineTotals(net=gross - tax, tax=tax, gross=gross, taxes=taxes))
            gross_fixed += gross
        else:
            net = round_half_up(amount)
            raw = {tid: Decimal(net) * r / HUNDRED for tid, r in line.rates}
            taxes = {tid: round_half_up(v) for tid, v in raw.items()}
            tax = sum(taxes.values())
            out.append(LineTotals(net=net, tax=tax, gross=net + tax, taxes=taxes))
            net_excl += net
        for tid, v in raw.items():
            raw_by_rate[tid] += v
    doc = DocumentTotals(lines=out)
    if per_document:
        doc.taxes = {tid: round_half_up(v) for tid, v in raw_by_rate.items()}
    else:
        summed: dict[int, int] = defaultdict(int)
        for lt in out:
            for tid, amt in lt.taxes.items():
                summed[tid] += amt
        doc.taxes = dict(summed)
    doc.tax = sum(doc.taxes.values())
    if prices_include_tax:
        doc.gross = gross_fixed
        doc.net = gross_fixed - doc.tax
    else:
        doc.net = net_excl
        doc.gross = net_excl + doc.tax
    return doc
