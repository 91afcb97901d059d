"""The provider's quotes: prepared from the standard rates (or, for a change, the running
contract's rate card), then sent. One transaction each, audited in the provider's chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import available_timezones

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from backoffice.billing.models import ContractEngagement, ContractVersion
from backoffice.core.errors import Conflict, DomainError
from backoffice.ledger import money
from backoffice.portal.projects import events, selectors
from backoffice.portal.projects.error_codes import ErrorCode
from backoffice.portal.projects.models import ProjectRequest, Quote, QuoteLine
from backoffice.portal.projects.services._common import (
    Errors,
    LineIn,
    check_line,
    decimal_or_none,
    line_of,
    price,
    see_both,
    tiers_json,
    tiers_of,
)
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import Engagement

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
VALID_DAYS = 30
QUOTABLE = (
    ProjectRequest.Status.SUBMITTED,
    ProjectRequest.Status.QUOTED,
    ProjectRequest.Status.DECLINED,
)


@dataclass(frozen=True)
class QuoteIn:
    """A quote's terms: money in the smallest unit of `currency`; the turnaround in hours."""

    currency: str
    valid_until: date
    sla_hours: Decimal | int | str
    lines: Sequence[LineIn] = field(default=())
    service_type_id: int | None = None
    setup_fee: int = 0
    minimum_commitment: int = 0
    recurring_fee: int = 0
    sla_basis: str = Engagement.SlaBasis.BUSINESS
    sla_target_percent: int = 95
    timezone: str = "UTC"
    work_days: Sequence[str] = ("mon", "tue", "wed", "thu", "fri")
    day_start: time = time(9)
    day_end: time = time(17)
    holiday_country: str = ""
    notes: str = ""


def _require_quoter(access: TenantAccess) -> None:
    selectors.require_provider_staff(access)


def _check_terms(access: TenantAccess, req: ProjectRequest, data: QuoteIn, errors: Errors) -> None:
    try:
        money.exponent((data.currency or "").upper())
    except DomainError:
        errors["currency"] = ["Not a currency (three letters, e.g. EUR)."]
    today = selectors.today_in(req.client.timezone)
    if data.valid_until < today:
        errors["valid_until"] = ["The quote would already have expired: choose a later day."]
    for name in ("setup_fee", "minimum_commitment", "recurring_fee"):
        price(getattr(data, name), name, name.replace("_", " ").capitalize(), errors)
    try:
        hours = Decimal(str(data.sla_hours))
        if not hours.is_finite() or not Decimal("0.1") <= hours <= 10_000:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["sla_hours"] = ["A turnaround in hours, more than zero."]
    if data.sla_basis not in Engagement.SlaBasis.values:
        errors["sla_basis"] = ["Business hours or elapsed time."]
    if isinstance(data.sla_target_percent, bool) or not 1 <= data.sla_target_percent <= 100:
        errors["sla_target_percent"] = ["A share from 1 to 100%."]
    if data.timezone not in available_timezones():
        errors["timezone"] = ["Not a time zone (e.g. Europe/Berlin)."]
    if not data.work_days or any(d not in WEEKDAYS for d in data.work_days):
        errors["work_days"] = ["Choose the working days."]
    if data.day_end <= data.day_start:
        errors["day_end"] = ["The working day ends after it starts."]
    if data.holiday_country and (
        len(data.holiday_country) != 2 or not data.holiday_country.isalpha()
    ):
        errors["holiday_country"] = ["A two-letter country code, or empty."]


def _check(access: TenantAccess, req: ProjectRequest, data: QuoteIn) -> None:
    errors: Errors = {}
    _check_terms(access, req, data, errors)
    service_type_id = data.service_type_id or req.service_type_id
    if req.kind == ProjectRequest.Kind.NEW:
        if service_type_id is None:
            errors["service_type_id"] = ["Choose the service the work will run as."]
        elif not selectors.catalogue(access).filter(pk=service_type_id).exists():
            errors["service_type_id"] = ["Not an active service of your catalogue."]
    if not data.lines:
        errors["lines"] = ["A quote needs at least one priced line."]
    for n, line in enumerate(data.lines):
        check_line(n, line, errors)
    codes = [x.code.strip() for x in data.lines]
    if len(set(codes)) != len(codes):
        errors["lines"] = ["Each line needs its own code."]
    if errors:
        raise DomainError("The quote is not valid.", code=ErrorCode.INVALID_QUOTE, fields=errors)


def _values(req: ProjectRequest, data: QuoteIn) -> dict[str, Any]:
    return {
        "service_type_id": data.service_type_id or req.service_type_id,
        "currency": data.currency.upper(),
        "valid_until": data.valid_until,
        "setup_fee": data.setup_fee,
        "minimum_commitment": data.minimum_commitment,
        "recurring_fee": data.recurring_fee,
        "sla_minutes": int(Decimal(str(data.sla_hours)) * 60),
        "sla_basis": data.sla_basis,
        "sla_target_percent": data.sla_target_percent,
        "timezone": data.timezone,
        "work_days": ",".join(d for d in WEEKDAYS if d in data.work_days),
        "day_start": data.day_start,
        "day_end": data.day_end,
        "holiday_country": data.holiday_country.upper(),
        "notes": data.notes.strip(),
    }


def save_quote(*, access: TenantAccess, request_id: int, data: QuoteIn) -> Quote:
    """The request's quote in draft: a new one, or the draft there is, rewritten."""
    _require_quoter(access)
    with transaction.atomic():
        see_both(access)
        req = selectors.access_request_by_id(access, request_id, for_update=True)
        if req.status not in QUOTABLE:
            raise Conflict(
                f"This request is {req.get_status_display().lower()}: it cannot be quoted.",
                code=ErrorCode.REQUEST_NOT_OPEN,
            )
        _check(access, req, data)
        rows = Quote.objects.for_tenant(req.tenant_id).filter(request=req)
        quote = rows.filter(status=Quote.Status.DRAFT).first()
        values = _values(req, data)
        if quote is None:
            number = (rows.aggregate(n=Max("number"))["n"] or 0) + 1
            quote = Quote.objects.create(
                tenant_id=req.tenant_id,
                client_id=req.client_id,
                request=req,
                number=number,
                prepared_by=access.user,
                **values,
            )
        else:
            for k, v in values.items():
                setattr(quote, k, v)
            quote.prepared_by = access.user
            quote.save()
            QuoteLine.objects.for_tenant(req.tenant_id).filter(quote=quote).delete()
        _write_lines(quote, data.lines)
        events.record(tenant=req.tenant_id, actor=access.user, event=events.quote_drafted(quote))
    return quote


def _write_lines(quote: Quote, lines: Sequence[LineIn]) -> None:
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                tenant_id=quote.tenant_id,
                client_id=quote.client_id,
                quote=quote,
                position=n,
                code=x.code.strip(),
                name=x.name.strip(),
                metric=x.metric,
                model=x.model,
                unit_rate=x.unit_rate,
                per_units=x.per_units,
                free_units=Decimal(str(x.free_units or 0)),
                package_size=decimal_or_none(x.package_size),
                tiers=tiers_json(x),
            )
            for n, x in enumerate(lines)
        ]
    )


def send_quote(*, access: TenantAccess, quote_id: int) -> Quote:
    """Send a draft to the client; a quote sent before it is withdrawn."""
    _require_quoter(access)
    with transaction.atomic():
        see_both(access)
        quote = selectors.access_quote_by_id(access, quote_id, for_update=True)
        if quote.status != Quote.Status.DRAFT:
            raise Conflict("This quote was already sent.", code=ErrorCode.QUOTE_NOT_DRAFT)
        if selectors.is_expired(quote):
            raise DomainError(
                "The quote's validity date has passed: change it before sending.",
                code=ErrorCode.QUOTE_EXPIRED,
                fields={"valid_until": ["in the past"]},
            )
        req = selectors.access_request_by_id(access, quote.request_id, for_update=True)
        if req.status not in QUOTABLE:
            raise Conflict(
                f"This request is {req.get_status_display().lower()}.",
                code=ErrorCode.REQUEST_NOT_OPEN,
            )
        earlier = Quote.objects.for_tenant(req.tenant_id).filter(request=req, status="sent")
        withdrawn = sorted(earlier.values_list("pk", flat=True))
        earlier.update(status=Quote.Status.WITHDRAWN)
        quote.status = Quote.Status.SENT
        quote.sent_at = timezone.now()
        quote.save(update_fields=["status", "sent_at"])
        req.status = ProjectRequest.Status.QUOTED
        req.save(update_fields=["status", "updated_at"])
        events.record(
            tenant=req.tenant_id, actor=access.user, event=events.quote_sent(quote, withdrawn)
        )
    return quote


# --- where a quote starts ----------------------------------------------------------------


def _current_version(engagement_id: int, provider_id: int) -> ContractVersion | None:
    link = (
        ContractEngagement.objects.for_tenant(provider_id)
        .filter(engagement_id=engagement_id)
        .select_related("contract")
        .first()
    )
    if link is None:
        return None
    return (
        ContractVersion.objects.for_tenant(provider_id)
        .filter(contract=link.contract)
        .order_by("-effective_from")
        .prefetch_related("charges__tiers")
        .first()
    )


def _version_lines(version: ContractVersion) -> list[LineIn]:
    return [
        LineIn(
            code=c.code,
            name=c.name,
            metric=c.metric,
            model=c.model,
            unit_rate=c.unit_rate,
            per_units=c.per_units,
            free_units=c.free_units,
            package_size=c.package_size,
            tiers=tiers_of(
                [
                    {"from_units": t.from_units, "up_to": t.up_to, "unit_rate": t.unit_rate,
                     "flat_fee": t.flat_fee}
                    for t in c.tiers.all()
                ]
            ),
        )
        for c in version.charges.all()
    ]  # fmt: skip


def starting_quote(access: TenantAccess, req: ProjectRequest) -> QuoteIn:
    """What the quote editor starts from: the draft there is; else, for a change, the
    running contract's rate card and the engagement's service level; else the service's
    standard rates and default turnaround, valid for 30 days, on the client's calendar."""
    draft = selectors.quotes(access, req).filter(status=Quote.Status.DRAFT).first()
    if draft is not None:
        return quote_in_of(draft)
    client = req.client
    lines: list[LineIn] = []
    currency = client.currency
    sla_minutes = 480
    basis: str = Engagement.SlaBasis.BUSINESS
    target = 95
    if req.service_type_id is not None:
        sla_minutes = req.service_type.default_sla_minutes  # type: ignore[union-attr]
        rates = list(selectors.standard_rates(req.tenant_id, req.service_type_id))
        lines = [line_of(r) for r in rates]
        currency = rates[0].currency if rates else currency
    if req.engagement is not None:
        eng = req.engagement
        sla_minutes, basis, target = eng.sla_minutes, eng.sla_basis, eng.sla_target_percent
        version = _current_version(eng.pk, req.tenant_id)
        if version is not None:
            lines, currency = _version_lines(version), version.contract.currency
    return QuoteIn(
        currency=currency,
        valid_until=selectors.today_in(client.timezone) + timedelta(days=VALID_DAYS),
        sla_hours=Decimal(sla_minutes) / 60,
        lines=lines,
        service_type_id=req.service_type_id,
        sla_basis=basis,
        sla_target_percent=target,
        timezone=client.timezone,
        holiday_country=client.country or "",
    )


def quote_in_of(q: Quote) -> QuoteIn:
    return QuoteIn(
        currency=q.currency,
        valid_until=q.valid_until,
        sla_hours=Decimal(q.sla_minutes) / 60,
        lines=[line_of(x) for x in selectors.lines(q)],
        service_type_id=q.service_type_id,
        setup_fee=q.setup_fee,
        minimum_commitment=q.minimum_commitment,
        recurring_fee=q.recurring_fee,
        sla_basis=q.sla_basis,
        sla_target_percent=q.sla_target_percent,
        timezone=q.timezone,
        work_days=tuple(q.work_days.split(",")),
        day_start=q.day_start,
        day_end=q.day_end,
        holiday_country=q.holiday_country,
        notes=q.notes,
    )
