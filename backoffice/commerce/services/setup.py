"""Set-up changes made from the commerce pages: editing a tax rate and moving a series'
numbering on. Creating a tax rate and pointing a posting rule at an account live beside
the other catalogue services (`parties_products`); the pages and the API call the same ones.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import transaction

from backoffice.commerce import events
from backoffice.commerce.models import (
    DocKind,
    DocStatus,
    Document,
    DocumentCounter,
    DocumentSeries,
    TaxRate,
)
from backoffice.commerce.services.documents import SERIES, series_prefix
from backoffice.commerce.services.parties_products import _unknown_accounts
from backoffice.commerce.services.payments import PAYMENT_SERIES
from backoffice.commerce.services.refunds import REFUND_SERIES
from backoffice.core import numbers
from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy.models import Organization, User

# The series of payments and refunds, with what they number (their prefixes are fixed).
MONEY_SERIES: dict[str, str] = {
    **{p: f"Payments {d.label.lower()}" for d, p in PAYMENT_SERIES.items()},
    REFUND_SERIES: "Refunds",
}
# A document prefix: a letter, then letters and digits (numbers read PREFIX-YEAR-NUMBER).
PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,9}")
# The largest number a series gives (numbers are written with at least five digits).
MAX_NUMBER = 10**9 - 1


def tax_rate_errors(
    tenant: Organization,
    *,
    name: str,
    rate: Decimal | str,
    sales_account: str,
    purchase_account: str,
) -> tuple[Decimal | None, dict[str, list[str]]]:
    """The rate read as a percentage, and what is wrong with the fields a person edits."""
    errors: dict[str, list[str]] = {}
    value = None
    try:
        value = numbers.to_decimal(rate, numbers.PERCENT, minimum=0, below=1000)
    except numbers.NumberError as exc:
        errors["rate"] = [str(exc)]
    if len(name.strip()) > 100:
        errors["name"] = ["at most 100 characters"]
    for field, code in (("sales_account", sales_account), ("purchase_account", purchase_account)):
        if len(code) > 20:
            errors[field] = ["at most 20 characters"]
    errors |= {
        k: v
        for k, v in _unknown_accounts(
            tenant, sales_account=sales_account, purchase_account=purchase_account
        ).items()
        if k not in errors
    }
    return value, errors


def update_tax_rate(
    *,
    tenant: Organization,
    actor: User | None,
    tax_id: int,
    name: str,
    rate: Decimal | str,
    sales_account: str = "",
    purchase_account: str = "",
    is_active: bool = True,
) -> TaxRate:
    """Change a tax rate's name, percentage, accounts or whether it is offered.

    Issued documents keep the amounts they were issued with; drafts take the new rate when
    their lines are next saved. The code stays: documents, products and the API name it.
    """
    sales_account, purchase_account = sales_account.strip(), purchase_account.strip()
    value, errors = tax_rate_errors(
        tenant,
        name=name,
        rate=rate,
        sales_account=sales_account,
        purchase_account=purchase_account,
    )
    if errors or value is None:
        raise DomainError("The tax rate is not valid.", fields=errors)
    with transaction.atomic():
        tax = TaxRate.objects.for_tenant(tenant).select_for_update().filter(pk=tax_id).first()
        if tax is None:
            raise NotFound("No such tax rate.")
        before = events.tax_rate_state(tax)
        tax.name = name.strip() or tax.code
        tax.rate = value
        tax.sales_account = sales_account
        tax.purchase_account = purchase_account
        tax.is_active = is_active
        if events.tax_rate_state(tax) == before:
            return tax
        tax.save()
        events.record(tenant=tenant, actor=actor, event=events.tax_rate_updated(tax, before=before))
    return tax


def set_next_number(
    *, tenant: Organization, actor: User | None, series: str, year: int, next_number: int | str
) -> DocumentCounter:
    """Start (or continue) a series' numbering for a year at `next_number`.

    Used when the books move here from another system, so that this year's numbers follow
    on from the last one given there. Numbers only go forward: a number already given is
    never given again.
    """
    if series not in series_labels(tenant):
        raise DomainError("Unknown series.", fields={"series": ["not a series of this app"]})
    errors: dict[str, list[str]] = {}
    wanted = 0
    try:
        wanted = numbers.parse_int(next_number, field="next_number", minimum=1, maximum=MAX_NUMBER)
    except DomainError as exc:
        errors |= exc.fields
    if not 2000 <= year <= 2200:
        errors["year"] = ["a year from 2000 to 2200"]
    if errors:
        raise DomainError("The numbering is not valid.", fields=errors)
    with transaction.atomic():
        counter = (
            DocumentCounter.objects.for_tenant(tenant)
            .select_for_update()
            .filter(series=series, year=year)
            .first()
        )
        last = counter.last if counter is not None else 0
        if wanted <= last:
            raise DomainError(
                f"{series} {year} has given numbers up to {last}; the next must be higher.",
                fields={"next_number": [f"more than {last}, the last number given"]},
            )
        if counter is None:
            counter = DocumentCounter(tenant=tenant, series=series, year=year)
        counter.last = wanted - 1
        counter.save()
        event = events.series_numbered(counter, before_last=last)
        events.record(tenant=tenant, actor=actor, event=event)
    return counter


def series_labels(tenant: Organization) -> dict[str, str]:
    """Every series the tenant's numbers are given in (prefix -> what it numbers)."""
    return {series_prefix(tenant, kind): DocKind(kind).label for kind in SERIES} | MONEY_SERIES


def set_series_prefix(
    *, tenant: Organization, actor: User | None, kind: str, prefix: str
) -> DocumentSeries | None:
    """Number documents of `kind` under another prefix, from the next one issued (drafts
    included). Numbering under the new prefix starts at 1 for the year unless it has
    numbers already (a prefix used before continues where it stopped)."""
    if kind not in DocKind.values:
        raise DomainError("Unknown document kind.", fields={"kind": ["unknown"]})
    prefix = prefix.strip().upper()
    current = series_prefix(tenant, kind)
    if prefix == current:
        return None
    taken = {p: k for k in SERIES if (p := series_prefix(tenant, k)) and k != kind}
    problem = ""
    if not PREFIX.fullmatch(prefix):
        problem = "1 to 10 letters and digits, starting with a letter, such as INV or F"
    elif prefix in taken:
        problem = f"already the prefix of {DocKind(taken[prefix]).label.lower()}s"
    elif prefix in MONEY_SERIES:
        problem = f"already the prefix of {MONEY_SERIES[prefix].lower()}"
    if problem:
        raise DomainError(
            f"{DocKind(kind).label}s cannot be numbered under {prefix or 'no prefix'}.",
            fields={f"prefix-{kind}": [problem]},
        )
    with transaction.atomic():
        row, _ = DocumentSeries.objects.for_tenant(tenant).update_or_create(
            tenant=tenant, kind=kind, defaults={"prefix": prefix}
        )
        Document.objects.for_tenant(tenant).filter(kind=kind, status=DocStatus.DRAFT).update(
            series=prefix
        )
        event = events.series_prefix_set(row, before=current)
        events.record(tenant=tenant, actor=actor, event=event)
    return row
