"""Changes to commerce records. Each public function is one transaction with its audit event.

Lock order (every path, so concurrent postings cannot deadlock): document counter, then
documents by id, then products by id (stock valuation), then the ledger's own order.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

from backoffice.audit.services import record_event
from backoffice.commerce import posting, selectors
from backoffice.commerce.models import (
    CREDIT_KINDS,
    DERIVATIONS,
    POSTED_KINDS,
    SALES_KINDS,
    Allocation,
    CommerceSettings,
    CreditApplication,
    DocKind,
    DocStatus,
    Document,
    DocumentCounter,
    DocumentLine,
    LineTax,
    Location,
    MoveKind,
    Party,
    Payment,
    PaymentDirection,
    PostingAccount,
    Product,
    ProductKind,
    ProductPurchaseTax,
    ProductSalesTax,
    ProductValuation,
    Refund,
    StockLevel,
    StockMove,
    TaxRate,
    TaxRounding,
    ValuationMethod,
    Warehouse,
)
from backoffice.commerce.tax import DocumentTotals, LineInput, compute
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger import money
from backoffice.ledger.money import round_half_up
from backoffice.tenancy.models import Organization, User

SERIES = {
    DocKind.QUOTE: "QT",
    DocKind.SALES_ORDER: "SO",
    DocKind.DELIVERY: "DN",
    DocKind.INVOICE: "INV",
    DocKind.CREDIT_NOTE: "CN",
    DocKind.PURCHASE_ORDER: "PO",
    DocKind.GOODS_RECEIPT: "GR",
    DocKind.BILL: "BILL",
    DocKind.DEBIT_NOTE: "DBN",
}
PAYMENT_SERIES = {PaymentDirection.RECEIVED: "RCT", PaymentDirection.MADE: "PAY"}
REFUND_SERIES = "RFD"

EU = set(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


# --- settings and posting rules --------------------------------------------------------------


def get_settings(tenant: Organization) -> CommerceSettings:
    found = CommerceSettings.objects.for_tenant(tenant).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CommerceSettings.objects.create(tenant=tenant)
    except IntegrityError:
        return CommerceSettings.objects.for_tenant(tenant).get()


def update_settings(
    *,
    tenant: Organization,
    actor: User | None,
    valuation: str | None = None,
    allow_negative_stock: bool | None = None,
    tax_rounding: str | None = None,
) -> CommerceSettings:
    errors: dict[str, list[str]] = {}
    if valuation is not None and valuation not in ValuationMethod.values:
        errors["valuation"] = [f"one of {', '.join(ValuationMethod.values)}"]
    if tax_rounding is not None and tax_rounding not in TaxRounding.values:
        errors["tax_rounding"] = [f"one of {', '.join(TaxRounding.values)}"]
    if errors:
        raise DomainError("The settings are not valid.", fields=errors)
    with transaction.atomic():
        s = get_settings(tenant)
        before = {
            "valuation": s.valuation,
            "allow_negative_stock": s.allow_negative_stock,
            "tax_rounding": s.tax_rounding,
        }
        if valuation is not None:
            s.valuation = valuation
        if allow_negative_stock is not None:
            s.allow_negative_stock = allow_negative_stock
        if tax_rounding is not None:
            s.tax_rounding = tax_rounding
        s.save()
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.settings_updated",
            obj=s,
            before=before,
            after={
                "valuation": s.valuation,
                "allow_negative_stock": s.allow_negative_stock,
                "tax_rounding": s.tax_rounding,
            },
        )
    return s


def set_posting_account(
    *, tenant: Organization, actor: User | None, key: str, account_code: str
) -> PostingAccount:
    """Point a posting rule at another ledger account of the tenant."""
    if key not in posting.DEFAULT_ACCOUNTS:
        raise DomainError(f"Unknown posting rule {key!r}.", fields={"key": ["unknown rule"]})
    if not posting.account_exists(tenant, account_code):
        raise DomainError(
            f"No active ledger account {account_code!r}.",
            fields={"account_code": ["no such active account in the chart"]},
        )
    with transaction.atomic():
        obj, _ = PostingAccount.objects.for_tenant(tenant).update_or_create(
            tenant=tenant, key=key, defaults={"account_code": account_code}
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.posting_rule_set",
            obj=obj,
            after={"key": key, "account_code": account_code},
        )
    return obj


# --- parties ---------------------------------------------------------------------------------


def validate_tax_id(tax_id: str, country: str) -> tuple[str, str]:
    """Return (compact tax id, stdnum scheme), or raise. Unknown schemes pass unchecked."""
    raw = tax_id.strip()
    if not raw:
        return "", ""
    cc = country.strip().upper()
    prefix = raw[:2].upper()
    candidates: list[str] = []
    if cc in EU or (prefix.isalpha() and (prefix in EU or prefix == "EL")):
        candidates.append("eu.vat")
    if cc:
        for name in ("vat", "tin", "ein", "abn", "bn"):
            if get_cc_module(cc.lower(), name) is not None:
                candidates.append(f"{cc.lower()}.{name}")
    if not candidates:
        return raw, ""
    problems = []
    for scheme in candidates:
        module = get_cc_module(*scheme.split("."))
        if module is None:
            continue
        try:
            return module.validate(raw), scheme
        except StdnumError as exc:
            problems.append(f"{scheme}: {exc}")
    raise DomainError(
        f"{raw!r} is not a valid tax id for {cc or prefix}.",
        code="invalid_tax_id",
        fields={"tax_id": problems},
    )


PARTY_FIELDS = (
    "name",
    "is_customer",
    "is_supplier",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "region",
    "country",
    "payment_terms_days",
    "currency",
    "is_active",
)


def _clean_party(tenant: Organization, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "name" in data and not str(data["name"]).strip():
        errors["name"] = ["required"]
    if "currency" in data:
        data["currency"] = str(data["currency"] or tenant.currency).upper()
        try:
            money.exponent(data["currency"])
        except DomainError:
            errors["currency"] = ["not an ISO 4217 code"]
    if "country" in data:
        data["country"] = str(data["country"] or "").upper()
        if data["country"] and not (len(data["country"]) == 2 and data["country"].isalpha()):
            errors["country"] = ["two letters (ISO 3166-1)"]
    if "payment_terms_days" in data and not 0 <= int(data["payment_terms_days"]) <= 365:
        errors["payment_terms_days"] = ["0 to 365"]
    if errors:
        raise DomainError("The party is not valid.", fields=errors)
    return data


def create_party(
    *,
    tenant: Organization,
    actor: User | None,
    code: str,
    name: str,
    tax_id: str = "",
    **fields: Any,
) -> Party:
    unknown = set(fields) - set(PARTY_FIELDS)
    if unknown:
        raise DomainError("Unknown party fields.", fields={f: ["unknown"] for f in unknown})
    code = code.strip()
    if not code:
        raise DomainError("The party is not valid.", fields={"code": ["required"]})
    data = _clean_party(
        tenant, {"name": name, "currency": fields.pop("currency", tenant.currency), **fields}
    )
    if not data.get("is_customer", True) and not data.get("is_supplier", False):
        raise DomainError(
            "A party is a customer, a supplier or both.", fields={"is_customer": ["choose one"]}
        )
    compact, scheme = validate_tax_id(tax_id, data.get("country", ""))
    if Party.objects.for_tenant(tenant).filter(code=code).exists():
        raise Conflict("A party with this code exists.", fields={"code": ["already used"]})
    with transaction.atomic():
        party = Party.objects.create(
            tenant=tenant, code=code, tax_id=compact, tax_scheme=scheme, **data
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.party_created",
            obj=party,
            after={"code": code, "name": party.name, "tax_id": compact},
        )
    return party


def update_party(
    *, tenant: Organization, actor: User | None, party_id: int, **fields: Any
) -> Party:
    unknown = set(fields) - set(PARTY_FIELDS) - {"tax_id"}
    if unknown:
        raise DomainError("Unknown party fields.", fields={f: ["unknown"] for f in unknown})
    with transaction.atomic():
        party = Party.objects.for_tenant(tenant).select_for_update().filter(pk=party_id).first()
        if party is None:
            raise NotFound("No such party.")
        tax_id = fields.pop("tax_id", None)
        data = _clean_party(tenant, dict(fields))
        before = {k: getattr(party, k) for k in [*data, "tax_id"]}
        for key, value in data.items():
            setattr(party, key, value)
        if tax_id is not None or "country" in data:
            party.tax_id, party.tax_scheme = validate_tax_id(
                party.tax_id if tax_id is None else tax_id, party.country
            )
        if not party.is_customer and not party.is_supplier:
            raise DomainError(
                "A party is a customer, a supplier or both.",
                fields={"is_customer": ["choose one"]},
            )
        party.save()
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.party_updated",
            obj=party,
            before={k: str(v) for k, v in before.items()},
            after={k: str(getattr(party, k)) for k in before},
        )
    return party


# --- taxes, products, warehouses -------------------------------------------------------------


def create_tax_rate(
    *,
    tenant: Organization,
    actor: User | None,
    code: str,
    name: str,
    rate: Decimal | str,
    sales_account: str = "",
    purchase_account: str = "",
) -> TaxRate:
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        value = Decimal(-1)
    errors: dict[str, list[str]] = {}
    if not code.strip():
        errors["code"] = ["required"]
    if not Decimal(0) <= value < Decimal(1000):
        errors["rate"] = ["a percentage from 0"]
    for field_name, acc in (
        ("sales_account", sales_account),
        ("purchase_account", purchase_account),
    ):
        if acc and not posting.account_exists(tenant, acc):
            errors[field_name] = [f"no active ledger account {acc!r}"]
    if errors:
        raise DomainError("The tax rate is not valid.", fields=errors)
    if TaxRate.objects.for_tenant(tenant).filter(code=code.strip()).exists():
        raise Conflict("A tax rate with this code exists.", fields={"code": ["already used"]})
    with transaction.atomic():
        tax = TaxRate.objects.create(
            tenant=tenant,
            code=code.strip(),
            name=name or code,
            rate=value,
            sales_account=sales_account,
            purchase_account=purchase_account,
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.tax_rate_created",
            obj=tax,
            after={"code": tax.code, "rate": str(value)},
        )
    return tax


def _tax_rates(
    tenant: Organization,
    codes: Sequence[str],
    field_name: str,
    found: Mapping[str, TaxRate] | None = None,
) -> list[TaxRate]:
    """The active rates with these codes, in order; `found` is the tenant's rates by code if
    the caller read them already."""
    if found is None:
        found = {t.code: t for t in TaxRate.objects.for_tenant(tenant).filter(code__in=codes)}
    missing = [c for c in codes if c not in found or not found[c].is_active]
    if missing:
        raise DomainError(
            "Unknown tax rate.", fields={field_name: [f"no active tax rate {c!r}" for c in missing]}
        )
    return [found[c] for c in codes]


def create_product(
    *,
    tenant: Organization,
    actor: User | None,
    sku: str,
    name: str,
    kind: str = ProductKind.STOCK,
    unit: str = "pcs",
    sale_price: int = 0,
    cost: int = 0,
    prices_include_tax: bool = False,
    sales_taxes: Sequence[str] = (),
    purchase_taxes: Sequence[str] = (),
    revenue_account: str = "",
    expense_account: str = "",
    reorder_level: Decimal | int = 0,
) -> Product:
    errors: dict[str, list[str]] = {}
    if not sku.strip():
        errors["sku"] = ["required"]
    if not name.strip():
        errors["name"] = ["required"]
    if kind not in ProductKind.values:
        errors["kind"] = [f"one of {', '.join(ProductKind.values)}"]
    if sale_price < 0:
        errors["sale_price"] = ["must not be negative"]
    if cost < 0:
        errors["cost"] = ["must not be negative"]
    for field_name, acc in (
        ("revenue_account", revenue_account),
        ("expense_account", expense_account),
    ):
        if acc and not posting.account_exists(tenant, acc):
            errors[field_name] = [f"no active ledger account {acc!r}"]
    if errors:
        raise DomainError("The product is not valid.", fields=errors)
    sales = _tax_rates(tenant, list(dict.fromkeys(sales_taxes)), "sales_taxes")
    purchases = _tax_rates(tenant, list(dict.fromkeys(purchase_taxes)), "purchase_taxes")
    if Product.objects.for_tenant(tenant).filter(sku=sku.strip()).exists():
        raise Conflict("A product with this SKU exists.", fields={"sku": ["already used"]})
    with transaction.atomic():
        product = Product.objects.create(
            tenant=tenant,
            sku=sku.strip(),
            name=name.strip(),
            kind=kind,
            unit=unit,
            sale_price=sale_price,
            cost=cost,
            prices_include_tax=prices_include_tax,
            revenue_account=revenue_account,
            expense_account=expense_account,
            reorder_level=Decimal(reorder_level),
        )
        ProductSalesTax.objects.bulk_create(
            [ProductSalesTax(tenant=tenant, product=product, tax_rate=t) for t in sales]
        )
        ProductPurchaseTax.objects.bulk_create(
            [ProductPurchaseTax(tenant=tenant, product=product, tax_rate=t) for t in purchases]
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.product_created",
            obj=product,
            after={"sku": product.sku, "kind": kind, "sale_price": sale_price, "cost": cost},
        )
    return product


def create_location(
    *,
    tenant: Organization,
    actor: User | None,
    warehouse_code: str,
    code: str = "STOCK",
    name: str = "",
) -> Location:
    """A location in a warehouse; the warehouse is created on first use."""
    if not warehouse_code.strip() or not code.strip():
        raise DomainError("Codes are required.", fields={"code": ["required"]})
    with transaction.atomic():
        wh, _ = Warehouse.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, code=warehouse_code.strip(), defaults={"name": warehouse_code}
        )
        if Location.objects.for_tenant(tenant).filter(warehouse=wh, code=code).exists():
            raise Conflict("This location exists.", fields={"code": ["already used"]})
        loc = Location.objects.create(tenant=tenant, warehouse=wh, code=code, name=name or code)
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.location_created",
            obj=loc,
            after={"warehouse": wh.code, "code": code},
        )
    return loc


def default_location(tenant: Organization) -> Location:
    found = Location.objects.for_tenant(tenant).select_related("warehouse").order_by("id").first()
    if found is not None:
        return found
    return create_location(tenant=tenant, actor=None, warehouse_code="MAIN", name="Main stock")


def _location(tenant: Organization, location_id: int | None) -> Location:
    if location_id is None:
        return default_location(tenant)
    loc = Location.objects.for_tenant(tenant).filter(pk=location_id).first()
    if loc is None:
        raise DomainError("Unknown location.", fields={"location_id": ["no such location"]})
    return loc


# --- numbering -------------------------------------------------------------------------------


def next_number(tenant: Organization, series: str, year: int) -> str:
    """The next gapless number of a series and year.

    Call inside the posting transaction: the counter row stays locked until commit, so a
    rollback gives the number back and two postings never share one. One statement
    (UPDATE ... RETURNING, PostgreSQL and SQLite >= 3.35) once the counter exists.
    """
    sql = (
        f"UPDATE {DocumentCounter._meta.db_table} SET last = last + 1 "
        "WHERE tenant_id = %s AND series = %s AND year = %s RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant.pk, series, year])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    DocumentCounter.objects.create(tenant=tenant, series=series, year=year, last=1)
                row = (1,)
            except IntegrityError:
                # Another transaction created it first: wait for its lock and count on.
                cursor.execute(sql, [tenant.pk, series, year])
                row = cursor.fetchone()
    assert row is not None
    return f"{series}-{year}-{int(row[0]):05d}"


# --- stock -----------------------------------------------------------------------------------


@dataclass
class _MoveSpec:
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


def _outgoing_value(
    product: Product,
    quantity: Decimal,
    cfg: CommerceSettings,
    running: ProductValuation,
    layers: list[tuple[date, int, Decimal, int]],
) -> int:
    """Value (functional minor units, positive) of `quantity` leaving stock now."""
    if cfg.valuation == ValuationMethod.FIFO:
        return _fifo_value([(q, v) for _, _, q, v in layers], quantity, product)
    # Moving average from the running row: constant cost, however long the history.
    qty, value = running.quantity, running.value
    if qty <= 0:
        return round_half_up(quantity * product.cost)
    if quantity >= qty:
        # The last units carry the whole remaining value, so stock value ends at zero.
        return int(value) + round_half_up((quantity - qty) * (Decimal(value) / qty))
    return round_half_up(quantity * Decimal(value) / qty)


def _fifo_value(rows: list[tuple[Decimal, int]], quantity: Decimal, product: Product) -> int:
    """FIFO: consume incoming layers (`rows` are all moves in date order), skipping what went
    out before."""
    consumed = -sum((q for q, _ in rows if q < 0), Decimal(0))
    need, total = quantity, Decimal(0)
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


def _lock_products(tenant: Organization, ids: Sequence[int]) -> None:
    """Row locks on the products, in id order (the lock order of every path)."""
    if ids:
        list(
            Product.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk__in=sorted(set(ids)))
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _write_moves(
    tenant: Organization,
    specs: Sequence[_MoveSpec],
    *,
    cfg: CommerceSettings | None = None,
    locked: bool = False,
) -> list[StockMove]:
    """Write the moves in order, with the running rows they change, in a few statements.

    Under the products' row locks: one read of their running valuation rows, one of their
    stock levels at the locations involved (FIFO: one read of their moves), then one insert
    of the moves and one write each of the running rows and stock levels. Each move is
    checked and valued against the rows as the moves before it in `specs` left them.
    """
    for spec in specs:
        if spec.product.kind != ProductKind.STOCK:
            raise DomainError(
                f"{spec.product.sku} is a service; services have no stock.",
                fields={"product_id": ["not a stock item"]},
            )
        if spec.quantity == 0:
            raise DomainError("A stock move needs a quantity.", fields={"quantity": ["not zero"]})
    if not specs:
        return []
    cfg = cfg or get_settings(tenant)
    ids = sorted({spec.product.pk for spec in specs})
    if not locked:
        _lock_products(tenant, ids)
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
    layers: dict[int, list[tuple[date, int, Decimal, int]]] = defaultdict(list)
    fifo = cfg.valuation == ValuationMethod.FIFO
    if fifo and any(spec.quantity < 0 for spec in specs):
        for pid, day, pk, q, v in (
            StockMove.objects.for_tenant(tenant)
            .filter(product_id__in=ids)
            .order_by("date", "id")
            .values_list("product_id", "date", "id", "quantity", "value")
        ):
            layers[pid].append((day, pk, q, v))
    moves: list[StockMove] = []
    for n, spec in enumerate(specs):
        product, quantity, value = spec.product, spec.quantity, spec.value
        row, level = running[product.pk], levels[(product.pk, spec.location.pk)]
        if quantity < 0:
            if not cfg.allow_negative_stock and level.quantity + quantity < 0:
                on_hand = level.quantity
                raise DomainError(
                    f"Only {on_hand.normalize():f} {product.unit} of {product.sku} at "
                    f"{spec.location}; cannot take {(-quantity).normalize():f}.",
                    code="insufficient_stock",
                    fields={"quantity": [f"{on_hand.normalize():f} on hand"]},
                )
            if value is None:
                value = -_outgoing_value(product, -quantity, cfg, row, layers[product.pk])
            elif row.quantity + quantity == 0:
                # Goods leaving at a given value (a return to the supplier at the bill's
                # cost) but the last units: they carry the rest, so no value stays on zero.
                value = -int(row.value)
        elif value is None:
            value = round_half_up(quantity * product.cost)
        row.quantity += quantity
        row.value += value
        level.quantity += quantity
        if fifo:
            # Not written yet: after every stored move (larger ids), in date order.
            bisect.insort(layers[product.pk], (spec.day, _PENDING + n, quantity, value))
        moves.append(
            StockMove(
                tenant=tenant,
                product=product,
                location=spec.location,
                kind=spec.kind,
                date=spec.day,
                quantity=quantity,
                unit_cost=abs((Decimal(value) / quantity).quantize(Decimal("0.000001"))),
                value=value,
                document=spec.document,
                line=spec.line,
                group=spec.group,
                memo=spec.memo,
            )
        )
    StockMove.objects.bulk_create(moves)
    _bulk_update(tenant, [r for r in running.values() if r.pk is not None], ["quantity", "value"])
    ProductValuation.objects.bulk_create(new_running)
    _bulk_update(tenant, [levels[k] for k in touched if levels[k].pk is not None], ["quantity"])
    StockLevel.objects.bulk_create(new_levels)
    return moves


_PENDING = 2**62  # sorts a move being written after every stored move of the same date


def _bulk_update(tenant: Organization, rows: Sequence[Any], fields: list[str]) -> None:
    """One UPDATE of `fields` for all the rows (of one tenant-owned model, all `tenant`'s).

    `UPDATE t SET f = CASE id WHEN %s THEN CAST(%s AS type) ... END WHERE tenant_id = %s AND
    id IN (...)`: what `QuerySet.bulk_update` sends, without building an expression per row
    (which cost more than the statement on this path).
    """
    if not rows:
        return
    meta = type(rows[0])._meta
    quote = connection.ops.quote_name
    sets, params = [], []
    for name in fields:
        field = meta.get_field(name)
        cast = f"CAST(%s AS {field.db_type(connection)})"
        whens = " ".join(f"WHEN %s THEN {cast}" for _ in rows)
        sets.append(f"{quote(field.column)} = CASE {quote(meta.pk.column)} {whens} END")
        for row in rows:
            params += [row.pk, field.get_db_prep_save(getattr(row, name), connection)]
    marks = ", ".join("%s" for _ in rows)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "
        f"WHERE tenant_id = %s AND {quote(meta.pk.column)} IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, tenant.pk, *(row.pk for row in rows)])
        if cursor.rowcount != len(rows):
            raise RuntimeError(f"{meta.db_table}: {cursor.rowcount} of {len(rows)} rows updated")


def _move(
    *,
    tenant: Organization,
    product: Product,
    location: Location,
    kind: str,
    day: date,
    quantity: Decimal,
    value: int | None = None,
    group: str = "",
    memo: str = "",
    locked: bool = False,
) -> StockMove:
    """Write one move (see `_write_moves`)."""
    spec = _MoveSpec(
        product=product,
        location=location,
        kind=kind,
        day=day,
        quantity=quantity,
        value=value,
        group=group,
        memo=memo,
    )
    return _write_moves(tenant, [spec], locked=locked)[0]


def _product(tenant: Organization, product_id: int, field_name: str = "product_id") -> Product:
    product = Product.objects.for_tenant(tenant).filter(pk=product_id).first()
    if product is None:
        raise DomainError("Unknown product.", fields={field_name: ["no such product"]})
    return product


def _qty(value: Any, field_name: str = "quantity", *, allow_negative: bool = False) -> Decimal:
    try:
        q = Decimal(str(value))
    except InvalidOperation as exc:
        raise DomainError("Not a quantity.", fields={field_name: ["a number"]}) from exc
    if not q.is_finite() or q == 0 or (q < 0 and not allow_negative):
        raise DomainError(
            "Quantities must be greater than zero." if not allow_negative else "Not zero.",
            code="invalid_quantity",
            fields={field_name: ["must be greater than zero" if not allow_negative else "not 0"]},
        )
    if q != q.quantize(Decimal("0.001")):
        raise DomainError("At most 3 decimals.", fields={field_name: ["at most 3 decimals"]})
    return q


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
    q = _qty(quantity, allow_negative=True)
    with transaction.atomic():
        product = _product(tenant, product_id)
        loc = _location(tenant, location_id)
        value = round_half_up(q * unit_cost) if unit_cost is not None and q > 0 else None
        move = _move(
            tenant=tenant,
            product=product,
            location=loc,
            kind=MoveKind.ADJUSTMENT,
            day=day or timezone.localdate(),
            quantity=q,
            value=value,
            memo=memo,
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.stock_adjusted",
            obj=move,
            after={
                "product": product.sku,
                "location": str(loc),
                "quantity": str(q),
                "value": move.value,
            },
        )
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
    q = _qty(quantity)
    if from_location_id == to_location_id:
        raise DomainError("Choose two locations.", fields={"to_location_id": ["same as from"]})
    with transaction.atomic():
        product = _product(tenant, product_id)
        src, dst = _location(tenant, from_location_id), _location(tenant, to_location_id)
        d = day or timezone.localdate()
        group = f"T{timezone.now().timestamp():.6f}"
        out = _move(
            tenant=tenant,
            product=product,
            location=src,
            kind=MoveKind.TRANSFER,
            day=d,
            quantity=-q,
            group=group,
        )
        into = _move(
            tenant=tenant,
            product=product,
            location=dst,
            kind=MoveKind.TRANSFER,
            day=d,
            quantity=q,
            value=-out.value,
            group=group,
            locked=True,
        )
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.stock_transferred",
            obj=into,
            after={"product": product.sku, "from": str(src), "to": str(dst), "quantity": str(q)},
        )
    return out, into


# --- documents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineSpec:
    """One line as entered. `unit_price` in minor units of the document currency; None takes
    the product's price (sale price on sales documents, cost on purchase documents)."""

    product_id: int | None = None
    quantity: Decimal | int | str = 1
    unit_price: int | None = None
    description: str = ""
    tax_codes: Sequence[str] | None = None
    source_line_id: int | None = None


def _party(tenant: Organization, party_id: int, kind: str) -> Party:
    party = Party.objects.for_tenant(tenant).filter(pk=party_id).first()
    if party is None:
        raise DomainError("Unknown party.", fields={"party_id": ["no such party"]})
    if kind in SALES_KINDS and not party.is_customer:
        raise DomainError(
            f"{party.name} is not a customer.", fields={"party_id": ["not a customer"]}
        )
    if kind not in SALES_KINDS and not party.is_supplier:
        raise DomainError(
            f"{party.name} is not a supplier.", fields={"party_id": ["not a supplier"]}
        )
    return party


@dataclass
class _PreparedLine:
    product: Product | None
    quantity: Decimal
    unit_price: int
    description: str
    taxes: list[TaxRate]
    source_line_id: int | None


def _prepare_lines(
    tenant: Organization, kind: str, currency: str, specs: Sequence[LineSpec]
) -> list[_PreparedLine]:
    if not specs:
        raise DomainError("A document needs at least one line.", fields={"lines": ["empty"]})
    sales = kind in SALES_KINDS
    errors: dict[str, list[str]] = {}
    out: list[_PreparedLine] = []
    ids = {spec.product_id for spec in specs if spec.product_id is not None}
    known = {
        p.pk: p
        for p in Product.objects.for_tenant(tenant)
        .filter(pk__in=ids)
        .prefetch_related("sales_taxes" if sales else "purchase_taxes")
    }
    codes = {c for spec in specs if spec.tax_codes is not None for c in spec.tax_codes}
    rates = (
        {t.code: t for t in TaxRate.objects.for_tenant(tenant).filter(code__in=codes)}
        if codes
        else {}
    )
    for i, spec in enumerate(specs):
        where = f"lines[{i}]."
        try:
            q = _qty(spec.quantity, f"{where}quantity")
        except DomainError as exc:
            errors.update(exc.fields)
            continue
        product = None
        if spec.product_id is not None:
            product = known.get(spec.product_id)
            if product is None:
                errors[f"{where}product_id"] = ["no such product"]
                continue
            if not product.is_active:
                errors[f"{where}product_id"] = [f"{product.sku} is inactive"]
        elif not spec.description.strip():
            errors[f"{where}description"] = ["a line without a product needs a description"]
        price = spec.unit_price
        if price is None:
            if product is None:
                errors[f"{where}unit_price"] = ["required without a product"]
                continue
            if currency != tenant.currency:
                errors[f"{where}unit_price"] = [
                    f"required: product prices are in {tenant.currency}, the document in {currency}"
                ]
                continue
            price = product.sale_price if sales else product.cost
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            errors[f"{where}unit_price"] = ["a non-negative integer of minor units"]
            continue
        if spec.tax_codes is not None:
            try:
                taxes = _tax_rates(tenant, list(spec.tax_codes), f"{where}tax_codes", rates)
            except DomainError as exc:
                errors.update(exc.fields)
                continue
        elif product is not None:
            taxes = list(product.sales_taxes.all() if sales else product.purchase_taxes.all())
        else:
            taxes = []
        out.append(
            _PreparedLine(
                product=product,
                quantity=q,
                unit_price=price,
                description=spec.description or (product.name if product else ""),
                taxes=taxes,
                source_line_id=spec.source_line_id,
            )
        )
    if errors:
        raise DomainError("Some lines are not valid.", code="invalid_lines", fields=errors)
    return out


def _totals(doc: Document, lines: list[_PreparedLine]) -> DocumentTotals:
    """The lines' and document's totals (pure); sets the document's net, tax and gross."""
    totals = compute(
        [LineInput(ln.quantity, ln.unit_price, [(t.pk, t.rate) for t in ln.taxes]) for ln in lines],
        prices_include_tax=doc.prices_include_tax,
        per_document=doc.tax_rounding == TaxRounding.DOCUMENT,
    )
    doc.net, doc.tax, doc.gross = totals.net, totals.tax, totals.gross
    return totals


def _write_lines(
    tenant: Organization, doc: Document, lines: list[_PreparedLine], totals: DocumentTotals
) -> None:
    """Insert the lines and their taxes: two statements (the inserts return the ids)."""
    rows = [
        DocumentLine(
            tenant=tenant,
            document=doc,
            line_no=n,
            product=ln.product,
            description=ln.description[:300],
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            net=lt.net,
            tax=lt.tax,
            gross=lt.gross,
            source_line_id=ln.source_line_id,
        )
        for n, (ln, lt) in enumerate(zip(lines, totals.lines, strict=True), start=1)
    ]
    DocumentLine.objects.bulk_create(rows)
    LineTax.objects.bulk_create(
        [
            LineTax(tenant=tenant, line=row, tax_rate_id=tid, amount=amount)
            for row, lt in zip(rows, totals.lines, strict=True)
            for tid, amount in lt.taxes.items()
        ]
    )


def _rate(tenant: Organization, currency: str, day: date, rate: Decimal | str | None) -> Decimal:
    if rate is not None:
        try:
            value = Decimal(str(rate))
        except InvalidOperation:
            value = Decimal(0)
        if value <= 0:
            raise DomainError("A rate is positive.", fields={"rate": ["must be > 0"]})
        return value
    found = money.rate_on(tenant, currency, day)
    if found is None:
        raise DomainError(
            f"No exchange rate {currency}/{tenant.currency} on or before {day}; enter one in "
            "the ledger or give the rate.",
            code="no_rate",
            fields={"rate": ["no rate for the document date"]},
        )
    return found


def _audit_doc(doc: Document) -> dict[str, Any]:
    return {
        "kind": doc.kind,
        "status": doc.status,
        "number": doc.number,
        "party": doc.party_id,
        "date": str(doc.date),
        "currency": doc.currency,
        "net": doc.net,
        "tax": doc.tax,
        "gross": doc.gross,
    }


def create_document(
    *,
    tenant: Organization,
    actor: User | None,
    kind: str,
    party_id: int,
    day: date,
    lines: Sequence[LineSpec],
    currency: str | None = None,
    rate: Decimal | str | None = None,
    location_id: int | None = None,
    reference: str = "",
    notes: str = "",
    prices_include_tax: bool | None = None,
    due_date: date | None = None,
    source_id: int | None = None,
) -> Document:
    """A draft document with its lines and totals. Nothing moves or posts until issued."""
    if kind not in DocKind.values:
        raise DomainError("Unknown document kind.", fields={"kind": ["unknown"]})
    party = _party(tenant, party_id, kind)
    cur = (currency or party.currency).upper()
    money.exponent(cur)
    source = None
    if source_id is not None:
        source = Document.objects.for_tenant(tenant).filter(pk=source_id).first()
        if source is None:
            raise DomainError("Unknown source document.", fields={"source_id": ["not found"]})
    if kind == DocKind.DEBIT_NOTE:
        _check_debit_note_source(tenant, source, party, cur, lines)
    settings_ = get_settings(tenant)
    prepared = _prepare_lines(tenant, kind, cur, lines)
    if prices_include_tax is None:
        flags = {ln.product.prices_include_tax for ln in prepared if ln.product is not None}
        prices_include_tax = flags == {True} and kind in SALES_KINDS
    if kind == DocKind.BILL and reference.strip():
        _refuse_duplicate_bill(tenant, party, reference.strip())
    with transaction.atomic():
        loc = _location(tenant, location_id) if _moves_stock(kind) else None
        doc = Document(
            tenant=tenant,
            kind=kind,
            series=SERIES[DocKind(kind)],
            party=party,
            date=day,
            due_date=due_date,
            currency=cur,
            rate=_rate(tenant, cur, day, rate),
            location=loc,
            source=source,
            reference=reference.strip(),
            notes=notes,
            prices_include_tax=prices_include_tax,
            tax_rounding=settings_.tax_rounding,
            created_by=_actor(actor),
        )
        if kind in (DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE) and source is not None:
            doc.rate = source.rate
        totals = _totals(doc, prepared)
        doc.save()
        _write_lines(tenant, doc, prepared, totals)
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.document_created",
            obj=doc,
            after=_audit_doc(doc),
        )
    return doc


def _check_debit_note_source(
    tenant: Organization,
    source: Document | None,
    party: Party,
    currency: str,
    lines: Sequence[LineSpec],
) -> None:
    """A debit note corrects one issued bill, line by line (`create_from` makes it so)."""
    if source is None or source.kind != DocKind.BILL or source.status != DocStatus.ISSUED:
        raise DomainError(
            "A debit note is made from an issued supplier bill.",
            code="debit_note_source",
            fields={"source_id": ["an issued bill"]},
        )
    errors: dict[str, list[str]] = {}
    if source.party_id != party.pk:
        errors["party_id"] = [f"{source.number} is another supplier's bill"]
    if source.currency != currency:
        errors["currency"] = [f"{source.number} is in {source.currency}"]
    bill_lines = set(
        DocumentLine.objects.for_tenant(tenant).filter(document=source).values_list("pk", flat=True)
    )
    for i, spec in enumerate(lines):
        if spec.source_line_id not in bill_lines:
            errors[f"lines[{i}].source_line_id"] = [f"not a line of {source.number}"]
    if errors:
        raise DomainError(
            "The debit note does not match its bill.", code="debit_note_source", fields=errors
        )


def _refuse_duplicate_bill(tenant: Organization, party: Party, reference: str) -> None:
    """A supplier's invoice number is recorded once (the database constraint agrees)."""
    dup = (
        Document.objects.for_tenant(tenant)
        .filter(kind=DocKind.BILL, party=party, reference=reference)
        .exclude(status=DocStatus.CANCELLED)
        .first()
    )
    if dup is not None:
        raise Conflict(
            f"{party.name}'s invoice {reference} is already recorded as {dup}.",
            code="duplicate_reference",
            fields={"reference": [f"already recorded as {dup}"]},
        )


def _moves_stock(kind: str) -> bool:
    return kind in {
        DocKind.DELIVERY,
        DocKind.GOODS_RECEIPT,
        DocKind.INVOICE,
        DocKind.BILL,
        DocKind.CREDIT_NOTE,
        DocKind.DEBIT_NOTE,
    }


def _locked_document(
    tenant: Organization, document_id: int, *, related: Sequence[str] = ()
) -> Document:
    """The document under its row lock (only its own row; `related` rows are read with it)."""
    qs = Document.objects.for_tenant(tenant).select_for_update(of=("self",))
    doc = (qs.select_related(*related) if related else qs).filter(pk=document_id).first()
    if doc is None:
        raise NotFound("No such document.")
    return doc


def _refuse_if_issued(doc: Document) -> None:
    if doc.status != DocStatus.DRAFT:
        hint = " Correct it with a credit note." if doc.kind == DocKind.INVOICE else ""
        raise Conflict(
            f"{doc.number} is {doc.status} and cannot be changed.{hint}",
            code="document_immutable",
            fields={"status": [doc.status]},
        )


def update_document(
    *,
    tenant: Organization,
    actor: User | None,
    document_id: int,
    lines: Sequence[LineSpec] | None = None,
    day: date | None = None,
    reference: str | None = None,
    notes: str | None = None,
) -> Document:
    """Edit a draft; an issued document is refused (it is corrected by a credit note)."""
    with transaction.atomic():
        doc = _locked_document(tenant, document_id)
        _refuse_if_issued(doc)
        before = _audit_doc(doc)
        if day is not None:
            doc.date = day
        if reference is not None:
            doc.reference = reference.strip()
        if notes is not None:
            doc.notes = notes
        if lines is not None:
            if doc.kind == DocKind.DEBIT_NOTE:
                raise DomainError(
                    "A debit note's lines come from its bill: cancel the draft and make another.",
                    code="debit_note_source",
                    fields={"lines": ["taken from the bill"]},
                )
            prepared = _prepare_lines(tenant, doc.kind, doc.currency, lines)
            LineTax.objects.for_tenant(tenant).filter(line__document=doc).delete()
            DocumentLine.objects.for_tenant(tenant).filter(document=doc).delete()
            _write_lines(tenant, doc, prepared, _totals(doc, prepared))
        doc.save()
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.document_updated",
            obj=doc,
            before=before,
            after=_audit_doc(doc),
        )
    return doc


def create_from(
    *,
    tenant: Organization,
    actor: User | None,
    source_id: int,
    kind: str,
    day: date | None = None,
    quantities: Mapping[int, Decimal | int | str] | None = None,
    reference: str = "",
    location_id: int | None = None,
    unit_prices: Mapping[int, int] | None = None,
) -> Document:
    """Derive a draft from an issued document (order -> delivery -> invoice, ...).

    `quantities` maps source line numbers to the quantity to take (default: what remains);
    `unit_prices` maps source line numbers to another unit price (minor units of the
    document currency), e.g. the supplier's price on a bill for goods received.
    """
    source = Document.objects.for_tenant(tenant).filter(pk=source_id).first()
    if source is None:
        raise NotFound("No such document.")
    prices = dict(unit_prices or {})
    line_nos = set(source.lines.values_list("line_no", flat=True))
    bad_prices = {
        f"unit_prices.{no}": (
            ["no such line on the source document"]
            if no not in line_nos
            else ["a non-negative integer of minor units"]
        )
        for no, price in prices.items()
        if no not in line_nos or isinstance(price, bool) or not isinstance(price, int) or price < 0
    }
    if kind == DocKind.DEBIT_NOTE and prices:
        bad_prices = {
            f"unit_prices.{no}": ["a debit note takes the bill's prices"] for no in prices
        }
    if bad_prices:
        raise DomainError("Some prices are not valid.", code="invalid_lines", fields=bad_prices)
    allowed = DERIVATIONS.get(kind, set())
    if source.kind not in allowed:
        raise DomainError(
            f"A {kind} cannot be made from a {source.kind}.", fields={"kind": ["not allowed"]}
        )
    if source.status != DocStatus.ISSUED:
        raise DomainError("Issue the source document first.", fields={"source_id": ["draft"]})
    asked: dict[int, Decimal] = {}
    bad_quantities: dict[str, list[str]] = {}
    for no, value in (quantities or {}).items():
        try:
            asked[no] = Decimal(str(value))
        except InvalidOperation:
            bad_quantities[f"quantities.{no}"] = ["a number"]
            continue
        if no not in line_nos:
            bad_quantities[f"quantities.{no}"] = ["no such line on the source document"]
        elif not asked[no].is_finite() or asked[no] < 0:
            bad_quantities[f"quantities.{no}"] = ["zero or more"]
    if bad_quantities:
        raise DomainError(
            "Some quantities are not valid.", code="invalid_quantity", fields=bad_quantities
        )
    remaining = selectors.remaining(tenant, source, kind)
    specs = []
    stock_only = kind in (DocKind.DELIVERY, DocKind.GOODS_RECEIPT)
    for line in (
        source.lines.select_related("product").prefetch_related("taxes").order_by("line_no")
    ):
        if stock_only and (line.product is None or not line.product.is_stock):
            continue
        left = remaining[line.pk]
        wanted = asked.get(line.line_no) if quantities else left
        if wanted is None or wanted == 0:
            continue
        if wanted > left:
            raise DomainError(
                f"Line {line.line_no}: only {left.normalize():f} left to take.",
                code="over_source",
                fields={f"quantities.{line.line_no}": [f"at most {left.normalize():f}"]},
            )
        specs.append(
            LineSpec(
                product_id=line.product_id,
                quantity=wanted,
                unit_price=prices.get(line.line_no, line.unit_price),
                description=line.description,
                tax_codes=[t.code for t in line.taxes.all()],
                source_line_id=line.pk,
            )
        )
    if not specs:
        raise DomainError(
            "Nothing left to take from this document.", fields={"source_id": ["done"]}
        )
    return create_document(
        tenant=tenant,
        actor=actor,
        kind=kind,
        party_id=source.party_id,
        day=day or source.date,
        lines=specs,
        currency=source.currency,
        rate=source.rate
        if kind in (DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE) or day is None
        else None,
        location_id=location_id or source.location_id,
        reference=reference or source.reference,
        prices_include_tax=source.prices_include_tax,
        source_id=source.pk,
    )


def issue_document(*, tenant: Organization, actor: User | None, document_id: int) -> Document:
    """Number the document, move its stock, post it to the ledger: all or nothing."""
    with transaction.atomic():
        peek = Document.objects.for_tenant(tenant).filter(pk=document_id).first()
        if peek is None:
            raise NotFound("No such document.")
        number = next_number(tenant, peek.series, peek.date.year)
        doc = _locked_document(tenant, document_id, related=("party", "location__warehouse"))
        _refuse_if_issued(doc)
        lines = list(doc.lines.select_related("product", "source_line").order_by("line_no"))
        if doc.source_id is not None:
            _check_not_over_source(tenant, doc, lines)
        _issue_stock(tenant, doc, lines, get_settings(tenant))
        doc.number = number
        doc.status = DocStatus.ISSUED
        doc.issued_at = timezone.now()
        if doc.kind in POSTED_KINDS:
            if doc.due_date is None and doc.kind in (DocKind.INVOICE, DocKind.BILL):
                doc.due_date = doc.date + timedelta(days=doc.party.payment_terms_days)
            doc.gross_functional = _f(tenant, doc, doc.gross)
            doc.journal_entry = _post_document(tenant, actor, doc, lines)
        doc.save()
        if doc.kind in (DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE) and doc.source_id is not None:
            _settle_source(tenant, doc)
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.document_issued",
            obj=doc,
            after={**_audit_doc(doc), "journal_entry": doc.journal_entry_id},
        )
    return doc


def _check_not_over_source(tenant: Organization, doc: Document, lines: list[DocumentLine]) -> None:
    source = doc.source
    assert source is not None
    taken = dict(
        DocumentLine.objects.for_tenant(tenant)
        .filter(
            source_line__document=source, document__kind=doc.kind, document__status=DocStatus.ISSUED
        )
        .values("source_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("source_line_id", "q")
    )
    for line in lines:
        if line.source_line is None:
            continue
        left = line.source_line.quantity - (taken.get(line.source_line_id) or Decimal(0))
        if line.quantity > left:
            raise DomainError(
                f"Line {line.line_no}: only {left.normalize():f} left on {source.number}.",
                code="over_source",
                fields={f"lines[{line.line_no - 1}].quantity": [f"at most {left.normalize():f}"]},
            )


def _f(tenant: Organization, doc: Document, amount: int) -> int:
    return money.convert(amount, rate=doc.rate, currency=doc.currency, to=tenant.currency)


def _issue_stock(
    tenant: Organization, doc: Document, lines: list[DocumentLine], cfg: CommerceSettings
) -> None:
    """Move stock for the document's stock lines and remember each line's stock value."""
    if not _moves_stock(doc.kind):
        return
    loc = doc.location or default_location(tenant)
    stock_lines = sorted(
        (ln for ln in lines if ln.product is not None and ln.product.is_stock),
        key=lambda ln: ln.product_id or 0,
    )
    _lock_products(tenant, [ln.product_id for ln in stock_lines if ln.product_id is not None])
    specs: list[_MoveSpec] = []
    valued: list[DocumentLine] = []
    for line in stock_lines:
        product = line.product
        assert product is not None
        src = line.source_line
        if doc.kind in (DocKind.INVOICE, DocKind.BILL) and src is not None:
            moved = _moved_value(tenant, src, line.quantity)
            if moved is not None:
                # Moved already by a delivery / goods receipt: take its value pro rata.
                line.cost_value = moved
                valued.append(line)
                continue
        spec = _MoveSpec(
            product=product,
            location=loc,
            kind=MoveKind.DELIVERY,
            day=doc.date,
            quantity=-line.quantity,
            document=doc,
            line=line,
        )
        if doc.kind in (DocKind.GOODS_RECEIPT, DocKind.BILL):
            spec.kind, spec.quantity = MoveKind.RECEIPT, line.quantity
            spec.value = line.cost_value = _f(tenant, doc, line.net)
        elif doc.kind == DocKind.CREDIT_NOTE:
            if src is None or src.cost_value is None:
                continue
            spec.kind, spec.quantity = MoveKind.RETURN, line.quantity
            spec.value = line.cost_value = round_half_up(
                Decimal(src.cost_value) * line.quantity / src.quantity
            )
        elif doc.kind == DocKind.DEBIT_NOTE:
            # Back to the supplier at the cost the bill put into stock.
            spec.kind = MoveKind.SUPPLIER_RETURN
            if src is not None and src.cost_value is not None:
                spec.value = -round_half_up(Decimal(src.cost_value) * line.quantity / src.quantity)
        specs.append(spec)
        valued.append(line)
    for move in _write_moves(tenant, specs, cfg=cfg, locked=True):
        if move.kind in (MoveKind.DELIVERY, MoveKind.SUPPLIER_RETURN):
            assert move.line is not None
            move.line.cost_value = -move.value
    _bulk_update(tenant, valued, ["cost_value"])


def _moved_value(tenant: Organization, src: DocumentLine, quantity: Decimal) -> int | None:
    """Stock value of `quantity` of a line whose goods already moved, or None if none did.

    `src` is a delivery / goods-receipt line (its own value) or an order line (the value of
    the deliveries or receipts made from it, at their average).
    """
    if src.cost_value is not None:
        return round_half_up(Decimal(src.cost_value) * quantity / src.quantity)
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
    return round_half_up(Decimal(agg["v"] or 0) * quantity / agg["q"])


def _post_document(
    tenant: Organization, actor: User | None, doc: Document, lines: list[DocumentLine]
) -> Any:
    j = posting.Journal.new()
    rule = posting.rules(tenant)
    sign = -1 if doc.kind == DocKind.CREDIT_NOTE else 1
    by_account: dict[str, int] = defaultdict(int)
    by_tax: dict[str, int] = defaultdict(int)
    tax_totals = _document_taxes(tenant, doc, lines)
    cost = 0
    if doc.kind in (DocKind.INVOICE, DocKind.CREDIT_NOTE):
        for line in lines:
            p = line.product
            key = "invoice.service_revenue" if p is None or not p.is_stock else "invoice.revenue"
            by_account[(p.revenue_account if p else "") or rule[key]] += line.net
            if line.cost_value:
                cost += line.cost_value
        for tax, amount in tax_totals:
            by_tax[tax.sales_account or rule["invoice.tax"]] += amount
        j.debit(rule["invoice.receivable"], sign * doc.gross_functional)
        for acc, amount in by_account.items():
            j.credit(acc, sign * _f(tenant, doc, amount))
        for acc, amount in by_tax.items():
            j.credit(acc, sign * _f(tenant, doc, amount))
        if cost:
            j.debit(rule["invoice.cogs"], sign * cost)
            j.credit(rule["invoice.inventory"], sign * cost)
    else:  # bill, or a debit note: the bill's posting the other way round
        sign = -1 if doc.kind == DocKind.DEBIT_NOTE else 1
        stock_net = stock_value = 0
        for line in lines:
            p = line.product
            if p is not None and p.is_stock:
                # Inventory takes the value the goods entered stock with (the goods-receipt
                # cost, or this bill's own net when it moved them); the rest is a price
                # difference, so the inventory account keeps equal to the stock valuation.
                stock_net += line.net
                stock_value += line.cost_value or 0
                continue
            acc = (p.expense_account if p else "") or rule["bill.expense"]
            by_account[acc] += line.net
        for tax, amount in tax_totals:
            by_tax[tax.purchase_account or rule["bill.tax"]] += amount
        j.credit(rule["bill.payable"], sign * doc.gross_functional)
        if stock_net or stock_value:
            j.debit(rule["bill.inventory"], sign * stock_value)
            j.debit(
                rule["bill.price_difference"], sign * (_f(tenant, doc, stock_net) - stock_value)
            )
        for acc, amount in by_account.items():
            j.debit(acc, sign * _f(tenant, doc, amount))
        for acc, amount in by_tax.items():
            j.debit(acc, sign * _f(tenant, doc, amount))
    j.balance_to(rule["rounding"])
    return posting.post(
        tenant=tenant,
        actor=actor,
        day=doc.date,
        memo=f"{doc.get_kind_display()} {doc.number} {doc.party.name}",
        source_ref=doc.number,
        journal=j,
        idempotency_key=f"commerce:document:{doc.pk}",
    )


def _document_taxes(
    tenant: Organization, doc: Document, lines: list[DocumentLine]
) -> list[tuple[TaxRate, int]]:
    """Tax per rate as the document's rounding rule says (recomputed from the lines)."""
    taxes = defaultdict(list)
    for lt in (
        LineTax.objects.for_tenant(tenant).filter(line__document=doc).select_related("tax_rate")
    ):
        taxes[lt.line_id].append(lt.tax_rate)
    totals = compute(
        [
            LineInput(ln.quantity, ln.unit_price, [(t.pk, t.rate) for t in taxes[ln.pk]])
            for ln in lines
        ],
        prices_include_tax=doc.prices_include_tax,
        per_document=doc.tax_rounding == TaxRounding.DOCUMENT,
    )
    rates = {t.pk: t for ts in taxes.values() for t in ts}
    return [(rates[tid], amount) for tid, amount in sorted(totals.taxes.items()) if amount]


def _settle_source(tenant: Organization, cn: Document) -> None:
    """A credit note first pays what is open on its invoice (a debit note on its bill); the
    rest is the party's credit."""
    invoice = _locked_document(tenant, cn.source_id or 0)
    amount = min(cn.gross, invoice.open_amount)
    if amount <= 0:
        return
    share = _functional_share(invoice, amount)
    invoice.settled += amount
    invoice.settled_functional += share
    invoice.save(update_fields=["settled", "settled_functional"])
    cn.settled += amount
    cn.settled_functional += _f(tenant, cn, amount) if amount < cn.gross else cn.gross_functional
    cn.save(update_fields=["settled", "settled_functional"])


def _functional_share(doc: Document, amount: int) -> int:
    """Functional value of settling `amount` of `doc`: the rest when it closes the document."""
    if amount >= doc.open_amount:
        return doc.gross_functional - doc.settled_functional
    return round_half_up(Decimal(amount) * doc.gross_functional / doc.gross)


def cancel_document(*, tenant: Organization, actor: User | None, document_id: int) -> Document:
    """Cancel a draft (issued documents are corrected by a credit note instead)."""
    with transaction.atomic():
        doc = _locked_document(tenant, document_id)
        _refuse_if_issued(doc)
        doc.status = DocStatus.CANCELLED
        doc.number = f"X{doc.pk}"
        doc.save(update_fields=["status", "number"])
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.document_cancelled",
            obj=doc,
            after=_audit_doc(doc),
        )
    return doc


# --- payments --------------------------------------------------------------------------------


def record_payment(
    *,
    tenant: Organization,
    actor: User | None,
    direction: str,
    party_id: int,
    day: date,
    amount: int,
    currency: str | None = None,
    rate: Decimal | str | None = None,
    allocations: Sequence[tuple[int, int]] | None = None,
    keep_overpayment: bool = False,
    bank_account: str = "",
    reference: str = "",
) -> Payment:
    """Money in from a customer (a receipt) or out to a supplier, allocated to open items.

    Without `allocations` the oldest open documents are paid first. What is left over is
    refused unless `keep_overpayment`, when it stays on the party as credit (or advance).
    A rate different from the documents' posts the realised exchange difference.
    """
    if direction not in PaymentDirection.values:
        raise DomainError("Unknown direction.", fields={"direction": ["in or out"]})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(
            "A payment is a positive amount.",
            code="invalid_amount",
            fields={"amount": ["a positive integer of minor units"]},
        )
    kind = DocKind.INVOICE if direction == PaymentDirection.RECEIVED else DocKind.BILL
    party = _party(tenant, party_id, DocKind.INVOICE if kind == DocKind.INVOICE else DocKind.BILL)
    cur = (currency or party.currency).upper()
    money.exponent(cur)
    pay_rate = _rate(tenant, cur, day, rate)
    rule = posting.rules(tenant)
    bank = bank_account or rule["payment.bank"]
    if bank_account and not posting.account_exists(tenant, bank_account):
        raise DomainError("Unknown bank account.", fields={"bank_account": ["no such account"]})
    with transaction.atomic():
        number = next_number(tenant, PAYMENT_SERIES[PaymentDirection(direction)], day.year)
        plan = _plan_allocations(tenant, party, kind, cur, amount, allocations)
        allocated = sum(a for _, a in plan)
        left = amount - allocated
        if left and not keep_overpayment:
            raise DomainError(
                f"The payment exceeds what is open by {left} minor units; allocate less or "
                "keep the overpayment as credit.",
                code="overpayment",
                fields={
                    "amount": [f"{allocated} open, {amount} paid"],
                    "keep_overpayment": ["set to keep the excess as credit"],
                },
            )
        payment = Payment.objects.create(
            tenant=tenant,
            direction=direction,
            series=PAYMENT_SERIES[PaymentDirection(direction)],
            number=number,
            party=party,
            date=day,
            currency=cur,
            rate=pay_rate,
            amount=amount,
            unallocated=left,
            bank_account=bank,
            reference=reference,
            created_by=_actor(actor),
        )
        functional = tenant.currency
        j = posting.Journal.new()
        bank_f = money.convert(amount, rate=pay_rate, currency=cur, to=functional)
        rows = []
        for doc, part in plan:
            share = _functional_share(doc, part)
            doc.settled += part
            doc.settled_functional += share
            doc.save(update_fields=["settled", "settled_functional"])
            rows.append(
                Allocation(
                    tenant=tenant,
                    payment=payment,
                    document=doc,
                    amount=part,
                    amount_functional=share,
                )
            )
            if direction == PaymentDirection.RECEIVED:
                j.credit(rule["invoice.receivable"], share)
            else:
                j.debit(rule["bill.payable"], share)
        Allocation.objects.bulk_create(rows)
        if left:
            left_f = money.convert(left, rate=pay_rate, currency=cur, to=functional)
            if direction == PaymentDirection.RECEIVED:
                j.credit(rule["payment.customer_credit"], left_f)
            else:
                j.debit(rule["payment.supplier_advance"], left_f)
        if direction == PaymentDirection.RECEIVED:
            j.debit(bank, bank_f)
        else:
            j.credit(bank, bank_f)
        j.balance_to(rule["fx.difference"])
        payment.journal_entry = posting.post(
            tenant=tenant,
            actor=actor,
            day=day,
            memo=f"{payment.get_direction_display()} {number} {party.name}",
            source_ref=number,
            journal=j,
            idempotency_key=f"commerce:payment:{payment.pk}",
        )
        payment.save(update_fields=["journal_entry"])
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.payment_recorded",
            obj=payment,
            after={
                "number": number,
                "direction": direction,
                "party": party.pk,
                "amount": amount,
                "currency": cur,
                "unallocated": left,
                "allocations": [[d.number, a] for d, a in plan],
            },
        )
    return payment


def _plan_allocations(
    tenant: Organization,
    party: Party,
    kind: str,
    currency: str,
    amount: int,
    allocations: Sequence[tuple[int, int]] | None,
) -> list[tuple[Document, int]]:
    open_docs = (
        Document.objects.for_tenant(tenant)
        .select_for_update()
        .filter(party=party, kind=kind, status=DocStatus.ISSUED, currency=currency)
        .order_by("id")
    )
    if allocations is None:
        plan = []
        left = amount
        for doc in sorted(
            (d for d in open_docs if d.open_amount > 0), key=lambda d: (d.date, d.pk)
        ):
            if left <= 0:
                break
            part = min(left, doc.open_amount)
            plan.append((doc, part))
            left -= part
        return plan
    ids = [doc_id for doc_id, _ in allocations]
    docs = {d.pk: d for d in open_docs.filter(pk__in=ids)}
    errors: dict[str, list[str]] = {}
    plan = []
    for i, (doc_id, part) in enumerate(allocations):
        doc = docs.get(doc_id)
        if doc is None:
            errors[f"allocations[{i}].document_id"] = [
                f"no issued {kind} in {currency} of this party with id {doc_id}"
            ]
        elif isinstance(part, bool) or not isinstance(part, int) or part <= 0:
            errors[f"allocations[{i}].amount"] = ["a positive integer of minor units"]
        elif part > doc.open_amount:
            errors[f"allocations[{i}].amount"] = [f"{doc.number} has {doc.open_amount} open"]
        else:
            plan.append((doc, part))
    if len(set(ids)) != len(ids):
        errors["allocations"] = ["a document appears twice"]
    if sum(p for _, p in plan) > amount:
        errors["allocations"] = ["allocations exceed the payment"]
    if errors:
        raise DomainError(
            "The allocations are not valid.", code="invalid_allocations", fields=errors
        )
    return plan


# --- credit ----------------------------------------------------------------------------------


def apply_credit(
    *,
    tenant: Organization,
    actor: User | None,
    document_id: int,
    amount: int,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
    day: date | None = None,
) -> CreditApplication:
    """Apply credit the party already has to an open invoice (or bill).

    The credit is a payment's unallocated rest (`payment_id`: a customer's overpayment, or a
    supplier advance for a bill) or what is left on an issued credit note (`credit_note_id`:
    a credit note for an invoice, a supplier's debit note for a bill), of the same party and
    currency. Both sides settle by `amount`; the ledger moves the credit off
    `payment.customer_credit` (`payment.supplier_advance`) or the receivable (payable) and
    clears the document's receivable (payable) at the document's rate, the difference being
    a realised exchange difference. Nothing is written on a refusal. `unapply_credit` undoes it.
    """
    errors: dict[str, list[str]] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = ["a positive integer of minor units"]
    if (payment_id is None) == (credit_note_id is None):
        errors["payment_id"] = ["give a payment or a credit note, not both"]
    if errors:
        raise DomainError("The credit cannot be applied.", code="invalid_credit", fields=errors)
    with transaction.atomic():
        # Lock order: documents by id, then the payment.
        ids = sorted({document_id, *([credit_note_id] if credit_note_id is not None else [])})
        docs = {
            d.pk: d
            for d in Document.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
        }
        doc = docs.get(document_id)
        if doc is None:
            raise NotFound("No such document.")
        if (
            doc.kind not in (DocKind.INVOICE, DocKind.BILL)
            or doc.status != DocStatus.ISSUED
            or doc.open_amount <= 0
        ):
            raise DomainError(
                "Credit applies to an issued invoice or bill with something open.",
                code="invalid_credit",
                fields={"document_id": ["not an open issued invoice or bill"]},
            )
        direction = (
            PaymentDirection.RECEIVED if doc.kind == DocKind.INVOICE else PaymentDirection.MADE
        )
        rule = posting.rules(tenant)
        payment = credit_note = None
        if credit_note_id is not None:
            credit_note = docs.get(credit_note_id)
            note_kind = CREDIT_KINDS[doc.kind]
            if (
                credit_note is None
                or credit_note_id == document_id
                or credit_note.kind != note_kind
                or credit_note.status != DocStatus.ISSUED
                or credit_note.party_id != doc.party_id
                or credit_note.currency != doc.currency
            ):
                errors["credit_note_id"] = [
                    f"no issued {DocKind(note_kind).label.lower()} in {doc.currency} of this "
                    f"party with id {credit_note_id}"
                ]
            else:
                available = credit_note.open_amount
        else:
            payment = (
                Payment.objects.for_tenant(tenant)
                .select_for_update()
                .filter(
                    pk=payment_id,
                    party_id=doc.party_id,
                    currency=doc.currency,
                    direction=direction,
                )
                .first()
            )
            if payment is None:
                errors["payment_id"] = [
                    f"no {'receipt' if direction == 'in' else 'payment'} in {doc.currency} of "
                    f"this party with id {payment_id}"
                ]
            else:
                available = payment.unallocated
        if not errors:
            if amount > available:
                errors["amount"] = [f"only {available} of credit left"]
            if amount > doc.open_amount:
                errors.setdefault("amount", []).append(f"{doc.number} has {doc.open_amount} open")
        if errors:
            raise DomainError("The credit cannot be applied.", code="invalid_credit", fields=errors)
        target_f = _functional_share(doc, amount)
        if credit_note is not None:
            source_f = _functional_share(credit_note, amount)
            credit_note.settled += amount
            credit_note.settled_functional += source_f
            credit_note.save(update_fields=["settled", "settled_functional"])
        else:
            assert payment is not None
            source_f = _payment_credit_share(tenant, payment, amount)
            payment.unallocated -= amount
            payment.save(update_fields=["unallocated"])
        doc.settled += amount
        doc.settled_functional += target_f
        doc.save(update_fields=["settled", "settled_functional"])
        app = CreditApplication.objects.create(
            tenant=tenant,
            document=doc,
            payment=payment,
            credit_note=credit_note,
            date=day or timezone.localdate(),
            amount=amount,
            source_functional=source_f,
            target_functional=target_f,
            created_by=_actor(actor),
        )
        j = _credit_journal(rule, app)
        source = payment.number if payment is not None else str(credit_note)
        app.journal_entry = posting.post(
            tenant=tenant,
            actor=actor,
            day=app.date,
            memo=f"Credit {source} applied to {doc.number} {doc.party.name}",
            source_ref=doc.number,
            journal=j,
            idempotency_key=f"commerce:credit:{app.pk}",
        )
        if app.journal_entry is not None:
            app.save(update_fields=["journal_entry"])
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.credit_applied",
            obj=app,
            after={
                "document": doc.number,
                "source": source,
                "amount": amount,
                "currency": doc.currency,
                "open_after": doc.open_amount,
            },
        )
    return app


def _credit_journal(rule: Mapping[str, str], app: CreditApplication) -> posting.Journal:
    """The ledger lines of a credit application (`unapply_credit` posts them negated).

    The credit leaves its own account at its value; the document's receivable (payable) is
    cleared at the document's; what does not balance is a realised exchange difference.
    """
    sales = app.document.kind == DocKind.INVOICE
    target = rule["invoice.receivable"] if sales else rule["bill.payable"]
    if app.payment_id is None:
        source = target  # an open credit (debit) note sits on the receivable (payable)
    else:
        source = rule["payment.customer_credit" if sales else "payment.supplier_advance"]
    sign = 1 if sales else -1
    j = posting.Journal.new()
    j.debit(source, sign * app.source_functional)
    j.credit(target, sign * app.target_functional)
    j.balance_to(rule["fx.difference"])
    return j


def _payment_credit_share(tenant: Organization, payment: Payment, amount: int) -> int:
    """Functional value of `amount` of a payment's kept credit; the exact rest when it ends it.

    The credit kept is what is unallocated now plus what was applied (and not undone) or
    refunded since; those took their own functional shares.
    """
    convert = money.convert
    if amount < payment.unallocated:
        return convert(amount, rate=payment.rate, currency=payment.currency, to=tenant.currency)
    used = [
        CreditApplication.objects.for_tenant(tenant)
        .filter(payment=payment, reversed_at__isnull=True)
        .aggregate(a=Sum("amount"), f=Sum("source_functional")),
        Refund.objects.for_tenant(tenant)
        .filter(payment=payment)
        .aggregate(a=Sum("amount"), f=Sum("source_functional")),
    ]
    kept = payment.unallocated + sum(u["a"] or 0 for u in used)
    kept_f = convert(kept, rate=payment.rate, currency=payment.currency, to=tenant.currency)
    return kept_f - sum(u["f"] or 0 for u in used)


def unapply_credit(
    *,
    tenant: Organization,
    actor: User | None,
    credit_id: int,
    document_id: int | None = None,
    day: date | None = None,
) -> CreditApplication:
    """Undo a credit application: the document and the credit (payment rest, credit or
    debit note) get their open amounts back, and the application's posting, if it made one,
    is reversed on `day`. The application stays, marked undone; it is undone once.
    `document_id`, when given, is the document the application must belong to.
    """
    with transaction.atomic():
        peek = CreditApplication.objects.for_tenant(tenant).filter(pk=credit_id).first()
        if peek is None or (document_id is not None and peek.document_id != document_id):
            raise NotFound("No such credit application.")
        # Lock order: documents by id, then the payment, then the application.
        docs = {
            d.pk: d
            for d in Document.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk__in=sorted({peek.document_id, peek.credit_note_id} - {None}))
            .order_by("pk")
        }
        payment = (
            Payment.objects.for_tenant(tenant).select_for_update().get(pk=peek.payment_id)
            if peek.payment_id is not None
            else None
        )
        app = CreditApplication.objects.for_tenant(tenant).select_for_update().get(pk=credit_id)
        if app.reversed_at is not None:
            raise Conflict(
                f"This credit was already undone on {app.reversed_on}.",
                code="credit_undone",
                fields={"credit_id": [f"undone on {app.reversed_on}"]},
            )
        undo_day = day or timezone.localdate()
        if undo_day < app.date:
            raise DomainError(
                "A credit is undone on or after the day it was applied.",
                code="invalid_credit",
                fields={"date": [f"on or after {app.date}"]},
            )
        doc = app.document = docs[app.document_id]
        doc.settled -= app.amount
        doc.settled_functional -= app.target_functional
        doc.save(update_fields=["settled", "settled_functional"])
        if payment is not None:
            payment.unallocated += app.amount
            payment.save(update_fields=["unallocated"])
            source = payment.number
        else:
            note = docs[app.credit_note_id or 0]
            note.settled -= app.amount
            note.settled_functional -= app.source_functional
            note.save(update_fields=["settled", "settled_functional"])
            source = note.number
        rule = posting.rules(tenant)
        j = _credit_journal(rule, app)
        j.lines = {account: -amount for account, amount in j.lines.items()}
        app.reversed_on = undo_day
        app.reversed_at = timezone.now()
        app.reversed_by = _actor(actor)
        app.reversal_entry = posting.post(
            tenant=tenant,
            actor=actor,
            day=undo_day,
            memo=f"Credit {source} taken back from {doc.number} {doc.party.name}",
            source_ref=doc.number,
            journal=j,
            idempotency_key=f"commerce:credit:{app.pk}:undo",
        )
        app.save(update_fields=["reversed_on", "reversed_at", "reversed_by", "reversal_entry"])
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.credit_unapplied",
            obj=app,
            before={"document": doc.number, "source": source, "amount": app.amount},
            after={"open_after": doc.open_amount, "date": str(undo_day)},
        )
    return app


# --- refunds ---------------------------------------------------------------------------------


def refund_credit(
    *,
    tenant: Organization,
    actor: User | None,
    amount: int,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
    day: date | None = None,
    currency: str | None = None,
    rate: Decimal | str | None = None,
    bank_account: str = "",
    reference: str = "",
) -> Refund:
    """Pay a customer's credit back: a receipt's unallocated rest (`payment_id`) or what is
    open on an issued credit note (`credit_note_id`), fully or partly, in its currency.

    The credit leaves `payment.customer_credit` (the receivable, for a credit note) at its own
    value and the bank pays `amount` at the refund's rate; the difference is a realised
    exchange difference. More than the credit left is refused and nothing is written.
    """
    errors: dict[str, list[str]] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = ["a positive integer of minor units"]
    if (payment_id is None) == (credit_note_id is None):
        errors["payment_id"] = ["give a receipt or a credit note, not both"]
    if bank_account and not posting.account_exists(tenant, bank_account):
        errors["bank_account"] = ["no such active account in the chart"]
    if errors:
        raise DomainError("The refund is not valid.", code="invalid_refund", fields=errors)
    refund_day = day or timezone.localdate()
    with transaction.atomic():
        number = next_number(tenant, REFUND_SERIES, refund_day.year)
        payment = note = None
        if credit_note_id is not None:
            note = (
                Document.objects.for_tenant(tenant)
                .select_for_update(of=("self",))
                .select_related("party")
                .filter(pk=credit_note_id, kind=DocKind.CREDIT_NOTE, status=DocStatus.ISSUED)
                .first()
            )
            if note is None:
                errors["credit_note_id"] = [f"no issued credit note with id {credit_note_id}"]
        else:
            payment = (
                Payment.objects.for_tenant(tenant)
                .select_for_update(of=("self",))
                .select_related("party")
                .filter(pk=payment_id, direction=PaymentDirection.RECEIVED)
                .first()
            )
            if payment is None:
                errors["payment_id"] = [f"no receipt with id {payment_id}"]
        source: Document | Payment
        if note is not None:
            source, available = note, note.open_amount
        elif payment is not None:
            source, available = payment, payment.unallocated
        else:
            raise DomainError("The refund is not valid.", code="invalid_refund", fields=errors)
        if currency and currency.upper() != source.currency:
            errors["currency"] = [f"{source.number} is in {source.currency}"]
        if amount > available:
            errors["amount"] = [f"only {available} of credit left on {source.number}"]
        if errors:
            raise DomainError("The refund is not valid.", code="invalid_refund", fields=errors)
        refund_rate = _rate(tenant, source.currency, refund_day, rate)
        rule = posting.rules(tenant)
        if note is not None:
            source_f = _functional_share(note, amount)
            note.settled += amount
            note.settled_functional += source_f
            note.save(update_fields=["settled", "settled_functional"])
            source_account = rule["invoice.receivable"]
        else:
            assert payment is not None
            source_f = _payment_credit_share(tenant, payment, amount)
            payment.unallocated -= amount
            payment.save(update_fields=["unallocated"])
            source_account = rule["payment.customer_credit"]
        refund = Refund.objects.create(
            tenant=tenant,
            series=REFUND_SERIES,
            number=number,
            party=source.party,
            payment=payment,
            credit_note=note,
            date=refund_day,
            currency=source.currency,
            rate=refund_rate,
            amount=amount,
            source_functional=source_f,
            bank_account=bank_account or rule["payment.bank"],
            reference=reference.strip()[:60],
            created_by=_actor(actor),
        )
        j = posting.Journal.new()
        j.debit(source_account, source_f)
        j.credit(
            refund.bank_account,
            money.convert(amount, rate=refund_rate, currency=refund.currency, to=tenant.currency),
        )
        j.balance_to(rule["fx.difference"])
        refund.journal_entry = posting.post(
            tenant=tenant,
            actor=actor,
            day=refund_day,
            memo=f"Refund {number} of {source.number} to {source.party.name}",
            source_ref=number,
            journal=j,
            idempotency_key=f"commerce:refund:{refund.pk}",
        )
        refund.save(update_fields=["journal_entry"])
        record_event(
            tenant=tenant,
            actor=actor,
            action="commerce.credit_refunded",
            obj=refund,
            after={
                "number": number,
                "party": source.party_id,
                "source": source.number,
                "amount": amount,
                "currency": refund.currency,
                "credit_left": available - amount,
            },
        )
    return refund
