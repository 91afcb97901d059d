"""Reports: aging, customer statement, inventory valuation, sales and purchases."""

import datetime as dt

from django.http import HttpRequest

from backoffice.commerce import reports, selectors
from backoffice.commerce.api._common import allowed, router
from backoffice.commerce.api.schemas import AgingOut, PeriodOut, StatementOut, StockOut
from backoffice.commerce.api.shapes import stock_out
from backoffice.core.errors import NotFound
from backoffice.tenancy.roles import Perm


@router.get("/reports/aging", response=list[AgingOut])
def aging(
    request: HttpRequest, side: str = "receivable", as_of: dt.date | None = None
) -> list[dict]:
    a = allowed(request, Perm.VIEW_COMMERCE)
    rows = reports.aging(a.tenant, side=side, as_of=as_of or dt.date.today())
    return [{**r.__dict__, "total": r.total} for r in rows]


@router.get("/reports/statement/{party_id}", response=StatementOut)
def statement(request: HttpRequest, party_id: int, start: dt.date, end: dt.date) -> dict:
    a = allowed(request, Perm.VIEW_COMMERCE)
    selectors.access_party_by_id(a, party_id)
    opening, lines = reports.statement(a.tenant, party_id=party_id, start=start, end=end)
    return {
        "party_id": party_id,
        "opening": opening,
        "lines": [ln.__dict__ for ln in lines],
        "closing": lines[-1].balance if lines else opening,
    }


@router.get("/reports/valuation", response=list[StockOut])
def valuation(request: HttpRequest, as_of: dt.date | None = None) -> list[dict]:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return [stock_out(r) for r in reports.valuation(a.tenant, as_of=as_of)]


@router.get("/reports/{side}", response=list[PeriodOut])
def by_period(
    request: HttpRequest, side: str, start: dt.date, end: dt.date, group: str = "month"
) -> list[dict]:
    """`side` is sales or purchases; `group` is month, party or product."""
    a = allowed(request, Perm.VIEW_COMMERCE)
    if side not in ("sales", "purchases"):
        raise NotFound("No such report.")
    return [
        r.__dict__
        for r in reports.by_period(a.tenant, side=side, start=start, end=end, group=group)
    ]
