"""The provider's standard rates: the list price of each charge of a service type, the
starting point of every quote for it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from backoffice.core.errors import DomainError, Forbidden, NotFound
from backoffice.ledger import money
from backoffice.portal.projects import events
from backoffice.portal.projects.error_codes import ErrorCode
from backoffice.portal.projects.models import StandardRate
from backoffice.portal.projects.services._common import (
    Errors,
    LineIn,
    check_line,
    decimal_or_none,
    tiers_json,
)
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import ServiceType


def set_standard_rate(
    *, access: TenantAccess, service_type_id: int, currency: str, line: LineIn
) -> StandardRate:
    """Create or change the standard rate `line.code` of a service type."""
    if not access.tenant.is_provider:
        raise Forbidden("Standard rates are the provider's.")
    access.require(Perm.PREPARE_QUOTES)
    st = ServiceType.objects.for_tenant(access.tenant).filter(pk=service_type_id).first()
    if st is None:
        raise NotFound("No such service type.")
    errors: Errors = {}
    check_line(0, line, errors, prefix="line")
    errors = {k.replace("line[0].", "line."): v for k, v in errors.items()}
    try:
        money.exponent((currency or "").upper())
    except DomainError:
        errors["currency"] = ["Not a currency (three letters, e.g. EUR)."]
    if errors:
        raise DomainError(
            "The standard rate is not valid.", code=ErrorCode.INVALID_RATE, fields=errors
        )
    values = {
        "name": line.name.strip(),
        "metric": line.metric,
        "model": line.model,
        "unit_rate": line.unit_rate,
        "per_units": line.per_units,
        "free_units": Decimal(str(line.free_units or 0)),
        "package_size": decimal_or_none(line.package_size),
        "tiers": tiers_json(line),
        "currency": currency.upper(),
    }
    with transaction.atomic():
        rows = StandardRate.objects.for_tenant(access.tenant)
        rate = rows.select_for_update().filter(service_type=st, code=line.code.strip()).first()
        before = None
        if rate is None:
            rate = StandardRate.objects.create(
                tenant=access.tenant, service_type=st, code=line.code.strip(), **values
            )
        else:
            before = {"model": rate.model, "unit_rate": rate.unit_rate, "currency": rate.currency}
            for k, v in values.items():
                setattr(rate, k, v)
            rate.save()
        events.record(tenant=access.tenant, actor=access.user, event=events.rate_set(rate, before))
    return rate
