"""Settings, posting rules, parties, tax rates, products and stock locations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

from backoffice.commerce import events, locks, posting
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import (
    CommerceSettings,
    Location,
    Party,
    PostingAccount,
    Product,
    ProductKind,
    ProductPurchaseTax,
    ProductSalesTax,
    TaxRate,
    TaxRounding,
    ValuationMethod,
    Warehouse,
)
from backoffice.core import numbers
from backoffice.core.errors import Conflict, DomainError
from backoffice.ledger import money
from backoffice.tenancy.models import Organization, User

# EU member states (ISO 3166-1; Greece's VAT ids start with EL): their tax ids are VAT ids.
# fmt: off
EU = frozenset((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
))
# fmt: on

# Party fields that are plain text (a CSV import passes them as they are).
PARTY_TEXT_FIELDS = (
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "region",
    "country",
    "currency",
)
PARTY_FIELDS = (
    "name",
    "is_customer",
    "is_supplier",
    *PARTY_TEXT_FIELDS,
    "payment_terms_days",
    "is_active",
)


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
        before = events.settings_state(s)
        if valuation is not None:
            s.valuation = valuation
        if allow_negative_stock is not None:
            s.allow_negative_stock = allow_negative_stock
        if tax_rounding is not None:
            s.tax_rounding = tax_rounding
        s.save()
        events.record(tenant=tenant, actor=actor, event=events.settings_updated(s, before=before))
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
        events.record(tenant=tenant, actor=actor, event=events.posting_rule_set(obj))
    return obj


def _unknown_accounts(tenant: Organization, **accounts: str) -> dict[str, list[str]]:
    """Field errors for the named account codes that are given but not active accounts."""
    return {
        field_name: [f"no active ledger account {code!r}"]
        for field_name, code in accounts.items()
        if code and not posting.account_exists(tenant, code)
    }


# --- parties ---------------------------------------------------------------------------------


def _tax_id_schemes(cc: str, prefix: str) -> list[str]:
    """The python-stdnum modules that may check a tax id of country `cc` (or EU `prefix`)."""
    candidates: list[str] = []
    if cc in EU or (prefix.isalpha() and (prefix in EU or prefix == "EL")):
        candidates.append("eu.vat")
    if cc:
        for name in ("vat", "tin", "ein", "abn", "bn"):
            if get_cc_module(cc.lower(), name) is not None:
                candidates.append(f"{cc.lower()}.{name}")
    return candidates


def validate_tax_id(tax_id: str, country: str) -> tuple[str, str]:
    """Return (compact tax id, stdnum scheme), or raise. Unknown schemes pass unchecked."""
    raw = tax_id.strip()
    if not raw:
        return "", ""
    cc = country.strip().upper()
    prefix = raw[:2].upper()
    candidates = _tax_id_schemes(cc, prefix)
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
        code=ErrorCode.INVALID_TAX_ID,
        fields={"tax_id": problems},
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
    if "payment_terms_days" in data:
        try:
            days = numbers.to_decimal(data["payment_terms_days"], places=0, minimum=0)
            data["payment_terms_days"] = int(days)
            if days > 365:
                raise numbers.NumberError("0 to 365")
        except numbers.NumberError as exc:
            errors["payment_terms_days"] = [str(exc)]
    if errors:
        raise DomainError("The party is not valid.", fields=errors)
    return data


def _refuse_unknown_party_fields(fields: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError("Unknown party fields.", fields={f: ["unknown"] for f in unknown})


def _refuse_neither_role(is_customer: bool, is_supplier: bool) -> None:
    if not is_customer and not is_supplier:
        raise DomainError(
            "A party is a customer, a supplier or both.", fields={"is_customer": ["choose one"]}
        )


def create_party(
    *,
    tenant: Organization,
    actor: User | None,
    code: str,
    name: str,
    tax_id: str = "",
    **fields: Any,
) -> Party:
    _refuse_unknown_party_fields(fields, set(PARTY_FIELDS))
    code = code.strip()
    if not code:
        raise DomainError("The party is not valid.", fields={"code": ["required"]})
    data = _clean_party(
        tenant, {"name": name, "currency": fields.pop("currency", tenant.currency), **fields}
    )
    _refuse_neither_role(data.get("is_customer", True), data.get("is_supplier", False))
    compact, scheme = validate_tax_id(tax_id, data.get("country", ""))
    if Party.objects.for_tenant(tenant).filter(code=code).exists():
        raise Conflict("A party with this code exists.", fields={"code": ["already used"]})
    with transaction.atomic():
        party = Party.objects.create(
            tenant=tenant, code=code, tax_id=compact, tax_scheme=scheme, **data
        )
        events.record(tenant=tenant, actor=actor, event=events.party_created(party))
    return party


def update_party(
    *, tenant: Organization, actor: User | None, party_id: int, **fields: Any
) -> Party:
    _refuse_unknown_party_fields(fields, set(PARTY_FIELDS) | {"tax_id"})
    with transaction.atomic():
        party = locks.party(tenant, party_id)
        tax_id = fields.pop("tax_id", None)
        data = _clean_party(tenant, dict(fields))
        before = {k: getattr(party, k) for k in [*data, "tax_id"]}
        for key, value in data.items():
            setattr(party, key, value)
        if tax_id is not None or "country" in data:
            party.tax_id, party.tax_scheme = validate_tax_id(
                party.tax_id if tax_id is None else tax_id, party.country
            )
        _refuse_neither_role(party.is_customer, party.is_supplier)
        party.save()
        events.record(tenant=tenant, actor=actor, event=events.party_updated(party, before=before))
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
    errors: dict[str, list[str]] = {}
    try:
        value = numbers.to_decimal(rate, numbers.PERCENT, minimum=0, below=1000)
    except numbers.NumberError as exc:
        errors["rate"] = [str(exc)]
    if not code.strip():
        errors["code"] = ["required"]
    errors |= _unknown_accounts(
        tenant, sales_account=sales_account, purchase_account=purchase_account
    )
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
        events.record(tenant=tenant, actor=actor, event=events.tax_rate_created(tax))
    return tax


def tax_rates(
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


def _product_errors(
    tenant: Organization,
    *,
    sku: str,
    name: str,
    kind: str,
    sale_price: int,
    cost: int,
    revenue_account: str,
    expense_account: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not sku.strip():
        errors["sku"] = ["required"]
    if not name.strip():
        errors["name"] = ["required"]
    if kind not in ProductKind.values:
        errors["kind"] = [f"one of {', '.join(ProductKind.values)}"]
    for name_, amount in (("sale_price", sale_price), ("cost", cost)):
        try:
            numbers.check_amount(amount, field=name_)
        except DomainError as exc:
            errors |= exc.fields
    return errors | _unknown_accounts(
        tenant, revenue_account=revenue_account, expense_account=expense_account
    )


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
    accounts = {"revenue_account": revenue_account, "expense_account": expense_account}
    errors = _product_errors(
        tenant, sku=sku, name=name, kind=kind, sale_price=sale_price, cost=cost, **accounts
    )
    try:
        level = numbers.to_decimal(reorder_level, numbers.QUANTITY, minimum=0)
    except numbers.NumberError as exc:
        errors["reorder_level"] = [str(exc)]
    if errors:
        raise DomainError("The product is not valid.", fields=errors)
    sales = tax_rates(tenant, list(dict.fromkeys(sales_taxes)), "sales_taxes")
    purchases = tax_rates(tenant, list(dict.fromkeys(purchase_taxes)), "purchase_taxes")
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
            reorder_level=level,
            **accounts,
        )
        ProductSalesTax.objects.bulk_create(
            [ProductSalesTax(tenant=tenant, product=product, tax_rate=t) for t in sales]
        )
        ProductPurchaseTax.objects.bulk_create(
            [ProductPurchaseTax(tenant=tenant, product=product, tax_rate=t) for t in purchases]
        )
        events.record(tenant=tenant, actor=actor, event=events.product_created(product))
    return product


def find_product(tenant: Organization, product_id: int, field_name: str = "product_id") -> Product:
    """A product named in a request (an unknown one is a field error, not a 404)."""
    found = Product.objects.for_tenant(tenant).filter(pk=product_id).first()
    if found is None:
        raise DomainError("Unknown product.", fields={field_name: ["no such product"]})
    return found


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
        events.record(tenant=tenant, actor=actor, event=events.location_created(loc))
    return loc


def default_location(tenant: Organization) -> Location:
    found = Location.objects.for_tenant(tenant).select_related("warehouse").order_by("id").first()
    if found is not None:
        return found
    return create_location(tenant=tenant, actor=None, warehouse_code="MAIN", name="Main stock")


def find_location(tenant: Organization, location_id: int | None) -> Location:
    """The location named in a request, or the default one (an unknown one is a field error)."""
    if location_id is None:
        return default_location(tenant)
    found = Location.objects.for_tenant(tenant).filter(pk=location_id).first()
    if found is None:
        raise DomainError("Unknown location.", fields={"location_id": ["no such location"]})
    return found
