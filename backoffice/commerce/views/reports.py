"""Report pages (aging, valuation, sales and purchases, statement), with CSV and XLSX."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from backoffice.commerce import reports, selectors
from backoffice.commerce.views._common import caller, major
from backoffice.core import charts
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none
from backoffice.ledger import money
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

REPORTS = {
    "receivables": "Receivables aging",
    "payables": "Payables aging",
    "valuation": "Inventory valuation",
    "sales": "Sales by period",
    "purchases": "Purchases by period",
    "statement": "Customer statement",
}

CHART_ROWS = 12
_BUCKET_NAMES = {
    "current": "Not yet due",
    "1-30": "1–30 days late",
    "31-60": "31–60 days late",
    "61-90": "61–90 days late",
    "over 90": "Over 90 days late",
}


@dataclass(frozen=True)
class _Ask:
    """What the report page was asked for."""

    kind: str
    start: date
    end: date
    group: str
    party: str


@dataclass
class _Table:
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _aging(a: TenantAccess, ask: _Ask) -> _Table:
    side = "receivable" if ask.kind == "receivables" else "payable"
    table = _Table(header=["party", "currency", *reports.BUCKETS, "total"])
    rows = reports.aging(a.tenant, side=side, as_of=ask.end)
    for r in rows:
        buckets = [major(r.buckets[b], r.currency) for b in reports.BUCKETS]
        table.rows.append([r.party, r.currency, *buckets, major(r.total, r.currency)])
    table.extra["charts"] = _aging_charts(rows, side)
    return table


def _amount(currency: str) -> charts.Fmt:
    return lambda v: money.display(int(v), currency)


def _aging_charts(rows: list[reports.AgingRow], side: str) -> list[SafeString]:
    """Per currency: who owes (or is owed) most, each bar split by how late (top 12)."""
    out = []
    for currency in sorted({r.currency for r in rows}):
        mine = sorted((r for r in rows if r.currency == currency), key=lambda r: -r.total)
        top = mine[:CHART_ROWS]
        out.append(
            charts.stacked_bars(
                title=f"Open {side}s by {'customer' if side == 'receivable' else 'supplier'} "
                f"and days late ({currency})",
                labels=[r.party for r in top],
                series=[
                    charts.Series(_BUCKET_NAMES[b], [r.buckets[b] for r in top], color)
                    for b, color in zip(reports.BUCKETS, charts.AGE_COLORS, strict=True)
                ],
                fmt=_amount(currency),
            )
        )
    return out


def _valuation(a: TenantAccess, ask: _Ask) -> _Table:
    cur = a.tenant.currency
    table = _Table(header=["sku", "name", "quantity", "unit", "unit cost", "value"])
    stock = reports.valuation(a.tenant, as_of=ask.end)
    for s in stock:
        unit_cost, value = major(int(s.unit_cost), cur), major(s.value, cur)
        table.rows.append([s.sku, s.name, s.quantity, s.unit, unit_cost, value])
    top = sorted(stock, key=lambda s: -s.value)[:CHART_ROWS]
    table.extra["charts"] = [
        charts.bar_chart(
            title=f"Stock value, largest {len(top)} products ({cur})",
            labels=[f"{s.sku} {s.name}" for s in top],
            values=[s.value for s in top],
            fmt=_amount(cur),
        )
    ]
    return table


def _by_period(a: TenantAccess, ask: _Ask) -> _Table:
    cur = a.tenant.currency
    table = _Table(header=[ask.group, "net", "tax", "gross"])
    rows = reports.by_period(a.tenant, side=ask.kind, start=ask.start, end=ask.end, group=ask.group)
    for pr in rows:
        table.rows.append([pr.key, major(pr.net, cur), major(pr.tax, cur), major(pr.gross, cur)])
    title = f"{ask.kind.capitalize()} per {ask.group}, net ({cur})"
    if ask.group == "month":
        chart = charts.column_chart(
            title=title,
            labels=[pr.key for pr in rows],
            series=[charts.Series("Net", [pr.net for pr in rows])],
            fmt=_amount(cur),
        )
    else:
        top = sorted(rows, key=lambda pr: -pr.net)[:CHART_ROWS]
        chart = charts.bar_chart(
            title=f"{title}, largest {len(top)}",
            labels=[pr.key for pr in top],
            values=[pr.net for pr in top],
            fmt=_amount(cur),
        )
    table.extra["charts"] = [chart]
    return table


def _statement(a: TenantAccess, ask: _Ask) -> _Table:
    table = _Table(extra={"parties": selectors.parties(a.tenant, role="customer")})
    if not (ask.party and ask.party.isdigit()):
        return table
    p = selectors.access_party_by_id(a, int(ask.party))
    opening, lines = reports.statement(a.tenant, party_id=p.pk, start=ask.start, end=ask.end)
    table.extra["party"] = p
    table.header = ["date", "document", "number", "debit", "credit", "balance"]
    table.rows.append([ask.start, "opening balance", "", "", "", major(opening, p.currency)])
    for ln in lines:
        amounts = [major(x, p.currency) for x in (ln.debit, ln.credit, ln.balance)]
        table.rows.append([ln.date, ln.kind, ln.number, *amounts])
    return table


TABLES: dict[str, Callable[[TenantAccess, _Ask], _Table]] = {
    "receivables": _aging,
    "payables": _aging,
    "valuation": _valuation,
    "sales": _by_period,
    "purchases": _by_period,
    "statement": _statement,
}


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def report(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in REPORTS:
        raise Http404("No such report.")
    g = request.GET
    today = date.today()
    ask = _Ask(
        kind=kind,
        start=date_or_none(g.get("start")) or today.replace(month=1, day=1),
        end=date_or_none(g.get("end")) or today,
        group=g.get("group", "month"),
        party=g.get("party") or "",
    )
    table = TABLES[kind](caller(request), ask)
    if g.get("format") in EXPORT_FORMATS:
        return tabular_response(f"commerce-{kind}-{ask.end}", table.header, table.rows, g["format"])
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "commerce/report.html",
        {
            "kind": kind,
            "title": REPORTS[kind],
            "reports": REPORTS,
            "header": table.header,
            "rows": table.rows,
            "start": ask.start,
            "end": ask.end,
            "group": ask.group,
            "csv_query": query.urlencode(),
            "xlsx_query": query.urlencode().replace("format=csv", "format=xlsx"),
            **table.extra,
        },
    )
