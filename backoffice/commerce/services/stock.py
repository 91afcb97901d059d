"""Stock moves: adjustments, transfers and the moves a document makes when it is issued.

Every move goes through `write_moves`, under the products' row locks (`locks.products`),
which keeps each product's running valuation row and stock levels equal to the sums of its
moves in a few statements however many lines a document has.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from backoffice.commerce import events, locks
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import (
    CommerceSettings,
    DocKind,
    DocStatus,
    Document,
    DocumentLine,
    Location,
    MoveKind,
    Product,
    ProductKind,
    ProductValuation,
    StockLevel,
    StockMove,
    ValuationMethod,
)
from backoffice.commerce.services._common import bulk_update, functional, parse_quantity
from backoffice.commerce.services.parties_products import (
    default_location,
    find_location,
    find_product,
    get_settings,
)
from backoffice.core import numbers
from backoffice.core.dates import check_optional_date
from backoffice.core.errors import DomainError
from backoffice.ledger.money import round_half_up
from backoffice.tenancy.models import Organization, User

_PENDING = 2**62  # sorts a move being written after every stored move of the same date

# A FIFO layer: (date, move id, signed quantity, value); moves not written yet sort last.
Layer = tuple[date, int, Decimal, int]


@dataclass
class MoveSpec:
    """One stock move to write. `value` is given for incoming stock; outgoing stock is valued
    when it is written (by the tenant's method) unless it leaves at a known value (negative,
    a return to the supplier)."""

    product: Product
    location: Location
    kind: str
    day: date
    quantity: Decimal
    value: int | None = None
    document: Document | None = None
    line: DocumentLine | None = None
    group: str = ""
    memo: str = ""


# --- valuation -------------------------------------------------------------------------------


def _outgoing_value(
    product: Product,
    qty: Decimal,
    cfg: CommerceSettings,
    running: ProductValuation,
    layers: list[Layer],
) -> int:
    """Value (functional minor units, positive) of `qty` leaving stock now."""
    if cfg.valuation == ValuationMethod.FIFO:
        return _fifo_value([(q, v) for _, _, q, v in layers], qty, product)
    # Moving average from the running row: constant cost, however long the history.
    on_hand, value = running.quantity, running.value
    if on_hand <= 0:
        return round_half_up(qty * product.cost)
    if qty >= on_hand:
        # The last units carry the whole remaining value, so stock value ends at zero.
        return int(value) + round_half_up((qty - on_hand) * (Decimal(value) / on_hand))
    return round_half_up(qty * Decimal(value) / on_hand)


def _fifo_value(rows: list[tuple[Decimal, int]], qty: Decimal, product: Product) -> int:
    """FIFO: consume incoming layers (`rows` are all moves in date order), skipping what went
    out before."""
    consumed = -sum((q for q, _ in rows if q < 0), Decimal(0))
    need, total = qty, Decimal(0)
    for q, v in rows:
        if q <= 0:
            continue
        if consumed >= q:
            consumed -= q
            continue
        available = q - consumed
        unit = Decimal(v) / q
        consumed = Decimal(0)
        take = min(available, need)
        total += take * unit
        need -= take
        if need <= 0:
            break
    if need > 0:
        total += need * product.cost
    return round_half_up(total)


# --- writing moves ---------------------------------------------------------------------------


@dataclass
class _Rows:
    """The running rows the moves change, read once under the products' locks."""

    running: dict[int, ProductValuation]
    new_running: list[ProductValuation]
    levels: dict[tuple[int, int], StockLevel]
    new_levels: list[StockLevel]
    touched: list[tuple[int, int]]
    fifo: bool
    layers: dict[int, list[Layer]] = field(default_factory=lambda: defaultdict(list))


def _check_specs(specs: Sequence[MoveSpec]) -> None:
    for spec in specs:
        if spec.product.kind != ProductKind.STOCK:
            raise DomainError(
                f"{spec.product.sku} is a service; services have no stock.",
                fields={"product_id": ["not a stock item"]},
            )
        if spec.quantity == 0:
            raise DomainError("A stock move needs a quantity.", fields={"quantity": ["not zero"]})


def _read_rows(
    tenant: Organization, specs: Sequence[MoveSpec], ids: list[int], cfg: CommerceSettings
) -> _Rows:
    """One read of the running rows, one of the stock levels (FIFO: one of the moves)."""
    running = {
        r.product_id: r
        for r in ProductValuation.objects.for_tenant(tenant).filter(product_id__in=ids)
    }
    new_running = [
        ProductValuation(tenant=tenant, product_id=pid) for pid in ids if pid not in running
    ]
    running.update({r.product_id: r for r in new_running})
    location_ids = {spec.location.pk for spec in specs}
    levels = {
        (lv.product_id, lv.location_id): lv
        for lv in StockLevel.objects.for_tenant(tenant).filter(
            product_id__in=ids, location_id__in=location_ids
        )
    }
    touched = list(dict.fromkeys((spec.product.pk, spec.location.pk) for spec in specs))
    new_levels = [
        StockLevel(tenant=tenant, product_id=pid, location_id=lid)
        for pid, lid in touched
        if (pid, lid) not in levels
    ]
    levels.update({(lv.product_id, lv.location_id): lv for lv in new_levels})
    fifo = cfg.valuation == ValuationMethod.FIFO
    rows = _Rows(running, new_running, levels, new_levels, touched, fifo)
    if rows.fifo and any(spec.quantity < 0 for spec in specs):
        for pid, day, pk, q, v in (
            StockMove.objects.for_tenant(tenant)
            .filter(product_id__in=ids)
            .order_by("date", "id")
            .values_list("product_id", "date", "id", "quantity", "value")
        ):
            rows.layers[pid].append((day, pk, q, v))
    return rows


def _refuse_short(spec: MoveSpec, on_hand: Decimal) -> None:
    qty, product = spec.quantity, spec.product
    raise DomainError(
        f"Only {on_hand.normalize():f} {product.unit} of {product.sku} at "
        f"{spec.location}; cannot take {(-qty).normalize():f}.",
        code=ErrorCode.INSUFFICIENT_STOCK,
        fields={"quantity": [f"{on_hand.normalize():f} on hand"]},
    )


def _next_move(
    tenant: Organization, spec: MoveSpec, n: int, cfg: CommerceSettings, rows: _Rows
) -> StockMove:
    """Check and value the `n`th move against the rows as the moves before it left them."""
    product, qty, value = spec.product, spec.quantity, spec.value
    row, level = rows.running[product.pk], rows.levels[(product.pk, spec.location.pk)]
    if qty < 0:
        if not cfg.allow_negative_stock and level.quantity + qty < 0:
            _refuse_short(spec, level.quantity)
        if value is None:
            value = -_outgoing_value(product, -qty, cfg, row, rows.layers[product.pk])
        elif row.quantity + qty == 0:
            # Goods leaving at a given value (a return to the supplier at the bill's
            # cost) but the last units: they carry the rest, so no value stays on zero.
            value = -int(row.value)
    elif value is None:
        value = round_half_up(qty * product.cost)
    row.quantity += qty
    row.value += value
    level.quantity += qty
    if rows.fifo:
        # Not written yet: after every stored move (larger ids), in date order.
        bisect.insort(rows.layers[product.pk], (spec.day, _PENDING + n, qty, value))
    return StockMove(
        tenant=tenant,
        product=product,
        location=spec.location,
        kind=spec.kind,
        date=spec.day,
        quantity=qty,
        unit_cost=abs((Decimal(value) / qty).quantize(Decimal("0.000001"))),
        value=value,
        document=spec.document,
        line=spec.line,
        group=spec.group,
        memo=spec.memo,
    )


def write_moves(
    tenant: Organization,
    specs: Sequence[MoveSpec],
    *,
    cfg: CommerceSettings | None = None,
    locked: bool = False,
) -> list[StockMove]:
    """Write the moves in order, with the running rows they change, in a few statements.

    Under the products' row locks (taken here unless the caller holds them, `locked`):
    one read of their running valuation rows, one of their stock levels at the locations
    involved (FIFO: one read of their moves), then one insert of the moves and one write
    each of the running rows and stock levels. Each move is checked and valued against the
    rows as the moves before it in `specs` left them.
    """
    _check_specs(specs)
    if not specs:
        return []
    cfg = cfg or get_settings(tenant)
    ids = sorted({spec.product.pk for spec in specs})
    if not locked:
        locks.products(tenant, ids)
    rows = _read_rows(tenant, specs, ids, cfg)
    moves = [_next_move(tenant, spec, n, cfg, rows) for n, spec in enumerate(specs)]
    StockMove.objects.bulk_create(moves)
    running = [r for r in rows.running.values() if r.pk is not None]
    bulk_update(tenant, running, ["quantity", "value"])
    ProductValuation.objects.bulk_create(rows.new_running)
    levels = [rows.levels[k] for k in rows.touched if rows.levels[k].pk is not None]
    bulk_update(tenant, levels, ["quantity"])
    StockLevel.objects.bulk_create(rows.new_levels)
    return moves


# --- adjustments and transfers ---------------------------------------------------------------


def adjust_stock(
    *,
    tenant: Organization,
    actor: User | None,
    product_id: int,
    quantity: Decimal | int | str,
    location_id: int | None = None,
    unit_cost: int | None = None,
    day: date | None = None,
    memo: str = "",
) -> StockMove:
    """Count correction or opening stock: + adds at `unit_cost` (default product cost)."""
    q = parse_quantity(quantity, allow_negative=True)
    check_optional_date(day, field="date")
    if unit_cost is not None:
        numbers.check_amount(unit_cost, field="unit_cost")
        if abs(q * unit_cost) > numbers.MAX_AMOUNT:
            raise DomainError(
                "The value is too large.",
                fields={"quantity": ["the value is too large: lower the quantity or unit cost"]},
            )
    with transaction.atomic():
        product = find_product(tenant, product_id)
        loc = find_location(tenant, location_id)
        value = round_half_up(q * unit_cost) if unit_cost is not None and q > 0 else None
        spec = MoveSpec(
            product=product,
            location=loc,
            kind=MoveKind.ADJUSTMENT,
            day=day or timezone.localdate(),
            quantity=q,
            value=value,
            memo=memo,
        )
        (move,) = write_moves(tenant, [spec])
        events.record(tenant=tenant, actor=actor, event=events.stock_adjusted(move, quantity=q))
    return move


def transfer_stock(
    *,
    tenant: Organization,
    actor: User | None,
    product_id: int,
    quantity: Decimal | int | str,
    from_location_id: int,
    to_location_id: int,
    day: date | None = None,
) -> tuple[StockMove, StockMove]:
    q = parse_quantity(quantity)
    check_optional_date(day, field="date")
    if from_location_id == to_location_id:
        raise DomainError("Choose two locations.", fields={"to_location_id": ["same as from"]})
    with transaction.atomic():
        product = find_product(tenant, product_id)
        src, dst = find_location(tenant, from_location_id), find_location(tenant, to_location_id)
        d = day or timezone.localdate()
        group = f"T{timezone.now().timestamp():.6f}"
        away = MoveSpec(product, src, MoveKind.TRANSFER, d, -q, group=group)
        (out,) = write_moves(tenant, [away])
        back = MoveSpec(product, dst, MoveKind.TRANSFER, d, q, value=-out.value, group=group)
        (into,) = write_moves(tenant, [back], locked=True)
        events.record(
            tenant=tenant,
            actor=actor,
            event=events.stock_transferred(into, source=src, quantity=q),
        )
    return out, into


# --- the stock a document moves --------------------------------------------------------------


def moves_stock(kind: str) -> bool:
    """Whether issuing a document of `kind` may move stock (it has a location)."""
    return kind in {
        DocKind.DELIVERY,
        DocKind.GOODS_RECEIPT,
        DocKind.INVOICE,
        DocKind.BILL,
        DocKind.CREDIT_NOTE,
        DocKind.DEBIT_NOTE,
    }


def _moved_value(tenant: Organization, src: DocumentLine, qty: Decimal) -> int | None:
    """Stock value of `qty` of a line whose goods already moved, or None if none did.

    `src` is a delivery / goods-receipt line (its own value) or an order line (the value of
    the deliveries or receipts made from it, at their average).
    """
    if src.cost_value is not None:
        return round_half_up(Decimal(src.cost_value) * qty / src.quantity)
    agg = (
        DocumentLine.objects.for_tenant(tenant)
        .filter(
            source_line=src,
            document__kind__in=[DocKind.DELIVERY, DocKind.GOODS_RECEIPT],
            document__status=DocStatus.ISSUED,
        )
        .aggregate(q=Sum("quantity"), v=Sum("cost_value"))
    )
    if not agg["q"]:
        return None
    return round_half_up(Decimal(agg["v"] or 0) * qty / agg["q"])


def _line_move(
    tenant: Organization, doc: Document, line: DocumentLine, loc: Location
) -> MoveSpec | None:
    """The move a stock line makes (a delivery by default), or None for a credit note line
    whose goods never left."""
    assert line.product is not None
    src = line.source_line
    spec = MoveSpec(
        product=line.product,
        location=loc,
        kind=MoveKind.DELIVERY,
        day=doc.date,
        quantity=-line.quantity,
        document=doc,
        line=line,
    )
    if doc.kind in (DocKind.GOODS_RECEIPT, DocKind.BILL):
        spec.kind, spec.quantity = MoveKind.RECEIPT, line.quantity
        spec.value = line.cost_value = functional(tenant, doc, line.net)
    elif doc.kind == DocKind.CREDIT_NOTE:
        if src is None or src.cost_value is None:
            return None
        spec.kind, spec.quantity = MoveKind.RETURN, line.quantity
        spec.value = line.cost_value = round_half_up(
            Decimal(src.cost_value) * line.quantity / src.quantity
        )
    elif doc.kind == DocKind.DEBIT_NOTE:
        # Back to the supplier at the cost the bill put into stock.
        spec.kind = MoveKind.SUPPLIER_RETURN
        if src is not None and src.cost_value is not None:
            spec.value = -round_half_up(Decimal(src.cost_value) * line.quantity / src.quantity)
    return spec


def issue_stock(
    tenant: Organization, doc: Document, lines: list[DocumentLine], cfg: CommerceSettings
) -> None:
    """Move stock for the document's stock lines and remember each line's stock value."""
    if not moves_stock(doc.kind):
        return
    loc = doc.location or default_location(tenant)
    stock_lines = sorted(
        (ln for ln in lines if ln.product is not None and ln.product.is_stock),
        key=lambda ln: ln.product_id or 0,
    )
    locks.products(tenant, [ln.product_id for ln in stock_lines if ln.product_id is not None])
    specs: list[MoveSpec] = []
    valued: list[DocumentLine] = []
    for line in stock_lines:
        src = line.source_line
        if doc.kind in (DocKind.INVOICE, DocKind.BILL) and src is not None:
            moved = _moved_value(tenant, src, line.quantity)
            if moved is not None:
                # Moved already by a delivery / goods receipt: take its value pro rata.
                line.cost_value = moved
                valued.append(line)
                continue
        spec = _line_move(tenant, doc, line, loc)
        if spec is None:
            continue
        specs.append(spec)
        valued.append(line)
    for move in write_moves(tenant, specs, cfg=cfg, locked=True):
        if move.kind in (MoveKind.DELIVERY, MoveKind.SUPPLIER_RETURN):
            assert move.line is not None
            move.line.cost_value = -move.value
    bulk_update(tenant, valued, ["cost_value"])
