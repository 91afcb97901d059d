"""Tax rates, products, locations and stock (on hand, moves, adjustments, transfers)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Status
from ninja.pagination import paginate

from backoffice.api.pagination import Page
from backoffice.api.params import Id
from backoffice.commerce import selectors, services
from backoffice.commerce.api._common import allowed, arguments, caller, create, router
from backoffice.commerce.api.schemas import (
    AdjustIn,
    LocationIn,
    LocationOut,
    MoveOut,
    ProductIn,
    ProductOut,
    StockOut,
    TaxRateIn,
    TaxRateOut,
    TransferIn,
)
from backoffice.commerce.api.shapes import (
    location_out,
    move_out,
    moves_out,
    product_out,
    stock_out,
    tax_rate_out,
)
from backoffice.tenancy.roles import Perm


@router.get("/tax-rates", response=list[TaxRateOut])
def list_tax_rates(request: HttpRequest) -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return list(selectors.tax_rates(a.tenant))


@router.post("/tax-rates", response={201: TaxRateOut})
def create_tax_rate(request: HttpRequest, payload: TaxRateIn) -> Status:
    return create(request, services.create_tax_rate, tax_rate_out, **arguments(payload))


@router.get("/products", response=list[ProductOut])
@paginate(Page)
def list_products(request: HttpRequest, search: str = "", kind: str = "") -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return [product_out(p) for p in selectors.products(a.tenant, search=search, kind=kind)]


@router.get("/products/{product_id}", response=ProductOut)
def get_product(request: HttpRequest, product_id: int) -> dict:
    return product_out(selectors.access_product_by_id(caller(request), product_id))


@router.post("/products", response={201: ProductOut})
def create_product(request: HttpRequest, payload: ProductIn) -> Status:
    return create(request, services.create_product, product_out, **arguments(payload))


@router.get("/locations", response=list[LocationOut])
def list_locations(request: HttpRequest) -> list[dict]:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return [location_out(x) for x in selectors.locations(a.tenant)]


@router.post("/locations", response={201: LocationOut})
def create_location(request: HttpRequest, payload: LocationIn) -> Status:
    kwargs = arguments(payload, warehouse="warehouse_code")
    return create(request, services.create_location, location_out, **kwargs)


@router.get("/stock", response=list[StockOut])
def stock(
    request: HttpRequest,
    product_id: Id | None = None,
    by_location: bool = False,
    as_of: dt.date | None = None,
    low_only: bool = False,
) -> list[dict]:
    a = allowed(request, Perm.VIEW_COMMERCE)
    if product_id is not None:
        selectors.access_product_by_id(a, product_id)
    rows = selectors.stock_on_hand(
        a.tenant, product_id=product_id, by_location=by_location, as_of=as_of
    )
    return [stock_out(r) for r in rows if not low_only or r.is_low]


@router.get("/stock/moves", response=list[MoveOut])
@paginate(Page)
def stock_moves(request: HttpRequest, product_id: Id | None = None) -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return [move_out(m) for m in selectors.stock_moves(a.tenant, product_id=product_id)]


@router.post("/stock/adjustments", response={201: MoveOut})
def adjust_stock(request: HttpRequest, payload: AdjustIn) -> Status:
    return create(request, services.adjust_stock, move_out, **arguments(payload))


@router.post("/stock/transfers", response={201: list[MoveOut]})
def transfer_stock(request: HttpRequest, payload: TransferIn) -> Status:
    return create(request, services.transfer_stock, moves_out, **arguments(payload))
