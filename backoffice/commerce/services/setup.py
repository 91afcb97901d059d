"""Set-up changes made from the commerce pages: editing a tax rate and moving a series'
numbering on. Creating a tax rate and pointing a posting rule at an account live beside
the other catalogue services (`parties_products`); the pages and the API call the same ones.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from backoffice.commerce import events
from backoffice.commerce.models import DocumentCounter, TaxRate
from backoffice.commerce.services.documents import SERIES
from backoffice.commerce.services.parties_products import _unknown_accounts
from backoffice.commerce.services.payments import PAYMENT_SERIES
from backoffice.commerce.services.refunds import REFUND_SERIES
from backoffice.core import numbers
from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy.models import Organization, User

# Every series a commerce number is given in, with what it numbers.
SERIES_LABELS: dict[str, str] = {
    **{prefix: kind.label for kind, prefix in SERIES.items()},
    **{
        prefix: f"Payments {direction.label.lower()}"
        for direction, prefix in PAYMENT_SERIES.items()
    },
    REFUND_SERIES: "Refunds",
}
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
    if series not in SERIES_LABELS:
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
