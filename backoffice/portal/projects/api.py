"""Project requests and quotes API (`/api/v1/portal/`): the client's requests, the
provider's quotes and standard rates, the client's decision.

Thin: each endpoint parses, calls one selector or service, and shapes the answer. Reads are
scoped by the selectors (a client sees its own requests and the quotes sent to it; the
provider's staff the requests of the clients they serve; another client's id is a 404).
Money is in the smallest unit of the quote's currency (cents). Creates and the acceptance
take an Idempotency-Key: a retried acceptance returns the first answer.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.api.params import Code, Id
from backoffice.core.rls import set_rls_tenants
from backoffice.portal.projects import selectors, services
from backoffice.portal.projects.models import ProjectRequest, Quote, StandardRate
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["portal: project requests"])
Units = Decimal


def caller(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    return access


@contextmanager
def reading(request: HttpRequest) -> Iterator[TenantAccess]:
    """One transaction with row-level security showing what the caller may read."""
    access = caller(request)
    selectors.require_reader(access)
    with transaction.atomic():
        set_rls_tenants(selectors.visible_tenant_ids(access))
        yield access


# --- shapes ------------------------------------------------------------------------------


class RequestIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=20_000)
    kind: str = Field("new", description="new | change")
    service_type_id: Id | None = Field(None, description="Empty: something else")
    engagement_id: Id | None = Field(None, description="The engagement a change is about")
    expected_volume: int | None = Field(None, ge=1, le=10**9)
    volume_unit: str = Field("", max_length=50)
    deadline: dt.date | None = None
    languages: str = Field("", max_length=200, description="Comma-separated")
    submit: bool = Field(False, description="Send it to the provider at once")


class TierIn(Schema):
    from_units: Units = Field(..., ge=0)
    up_to: Units | None = Field(None, gt=0)
    unit_rate: int = Field(..., description="Smallest currency unit per `per_units` units")
    flat_fee: int = 0


class LineIn(Schema):
    code: Code
    name: str = Field(..., min_length=1, max_length=200)
    metric: str
    model: str = "per_unit"
    unit_rate: int = Field(0, description="Smallest currency unit (cents) per `per_units`")
    per_units: int = Field(1, ge=1, le=1_000_000)
    free_units: Units = Field(Decimal(0), ge=0)
    package_size: Units | None = None
    tiers: list[TierIn] = Field(default_factory=list, max_length=50)


class QuoteIn(Schema):
    currency: str = Field(..., min_length=3, max_length=3)
    valid_until: dt.date
    sla_hours: Decimal = Field(..., description="Turnaround per item, in hours")
    lines: list[LineIn] = Field(..., max_length=100)
    service_type_id: Id | None = None
    setup_fee: int = 0
    minimum_commitment: int = Field(0, description="Per month")
    recurring_fee: int = Field(0, description="Per month")
    sla_basis: str = Field("business", description="business | elapsed")
    sla_target_percent: int = 95
    timezone: str = Field("UTC", max_length=64)
    work_days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    day_start: dt.time = dt.time(9)
    day_end: dt.time = dt.time(17)
    holiday_country: str = Field("", max_length=2)
    notes: str = Field("", max_length=5000)


class DeclineIn(Schema):
    reason: str = Field("", max_length=2000)


class RateIn(Schema):
    service_type_id: Id
    currency: str = Field(..., min_length=3, max_length=3)
    line: LineIn


class TierOut(Schema):
    from_units: str
    up_to: str | None
    unit_rate: int
    flat_fee: int


class LineOut(Schema):
    code: str
    name: str
    metric: str
    model: str
    unit_rate: int
    per_units: int
    free_units: str
    package_size: str | None
    tiers: list[TierOut]


class QuoteOut(Schema):
    id: int
    request_id: int
    number: int
    status: str
    service_type_id: int | None
    currency: str
    valid_until: dt.date
    expired: bool
    setup_fee: int
    minimum_commitment: int
    recurring_fee: int
    sla_minutes: int
    sla_basis: str
    sla_target_percent: int
    timezone: str
    work_days: list[str]
    day_start: dt.time
    day_end: dt.time
    holiday_country: str
    notes: str
    sent_at: dt.datetime | None
    decided_at: dt.datetime | None
    decline_reason: str
    lines: list[LineOut]


class RequestOut(Schema):
    id: int
    client_id: int
    client: str
    kind: str
    title: str
    description: str
    service_type_id: int | None
    engagement_id: int | None
    contract_id: int | None
    expected_volume: int | None
    volume_unit: str
    deadline: dt.date | None
    languages: list[str]
    status: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None


class SampleOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    created_at: dt.datetime


class RequestDetailOut(RequestOut):
    quotes: list[QuoteOut]
    samples: list[SampleOut]


class AcceptedOut(Schema):
    quote: QuoteOut
    engagement_id: int
    contract_id: int
    contract_version_id: int


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    description: str
    billing_unit: str


class RateOut(LineOut):
    id: int
    service_type_id: int
    currency: str


def _line_out(x: Any) -> dict[str, Any]:
    return {
        "code": x.code,
        "name": x.name,
        "metric": x.metric,
        "model": x.model,
        "unit_rate": x.unit_rate,
        "per_units": x.per_units,
        "free_units": f"{x.free_units.normalize():f}",
        "package_size": None if x.package_size is None else f"{x.package_size.normalize():f}",
        "tiers": [
            {"flat_fee": 0, **t, "from_units": str(t["from_units"])} for t in (x.tiers or [])
        ],
    }


def quote_out(q: Quote) -> dict[str, Any]:
    return {
        "id": q.pk,
        "request_id": q.request_id,
        "number": q.number,
        "status": q.status,
        "service_type_id": q.service_type_id,
        "currency": q.currency,
        "valid_until": q.valid_until,
        "expired": selectors.is_expired(q),
        "setup_fee": q.setup_fee,
        "minimum_commitment": q.minimum_commitment,
        "recurring_fee": q.recurring_fee,
        "sla_minutes": q.sla_minutes,
        "sla_basis": q.sla_basis,
        "sla_target_percent": q.sla_target_percent,
        "timezone": q.timezone,
        "work_days": q.work_days.split(","),
        "day_start": q.day_start,
        "day_end": q.day_end,
        "holiday_country": q.holiday_country,
        "notes": q.notes,
        "sent_at": q.sent_at,
        "decided_at": q.decided_at,
        "decline_reason": q.decline_reason,
        "lines": [_line_out(x) for x in selectors.lines(q)],
    }


def request_out(r: ProjectRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "client_id": r.client_id,
        "client": r.client.name,
        "kind": r.kind,
        "title": r.title,
        "description": r.description,
        "service_type_id": r.service_type_id,
        "engagement_id": r.engagement_id,
        "contract_id": r.contract_id,
        "expected_volume": r.expected_volume,
        "volume_unit": r.volume_unit,
        "deadline": r.deadline,
        "languages": r.language_list,
        "status": r.status,
        "created_at": r.created_at,
        "submitted_at": r.submitted_at,
    }


def rate_out(r: StandardRate) -> dict[str, Any]:
    return {
        **_line_out(r),
        "id": r.pk,
        "service_type_id": r.service_type_id,
        "currency": r.currency,
    }


def _line_in(x: LineIn) -> services.LineIn:
    return services.LineIn(
        code=x.code,
        name=x.name,
        metric=x.metric,
        model=x.model,
        unit_rate=x.unit_rate,
        per_units=x.per_units,
        free_units=x.free_units,
        package_size=x.package_size,
        tiers=[services.TierIn(t.from_units, t.up_to, t.unit_rate, t.flat_fee) for t in x.tiers],
    )


# --- the catalogue and standard rates ----------------------------------------------------


@router.get("/catalogue", response=list[ServiceOut])
def catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    """The provider's services a client may request (or ask for something else)."""
    with reading(request) as access:
        return [
            {
                "id": s.pk,
                "code": s.code,
                "name": s.name,
                "description": s.description,
                "billing_unit": s.billing_unit,
            }
            for s in selectors.catalogue(access).order_by("name")
        ]


@router.get("/standard-rates", response=list[RateOut])
def list_rates(request: HttpRequest, service_type_id: Id | None = None) -> list[dict[str, Any]]:
    """The provider's list prices per service (the provider's staff only)."""
    access = caller(request)
    selectors.require_provider_staff(access)
    with reading(request):
        return [rate_out(r) for r in selectors.standard_rates(access.tenant.pk, service_type_id)]


@router.post("/standard-rates", response={200: RateOut})
def set_rate(request: HttpRequest, payload: RateIn) -> dict[str, Any]:
    """Create or change one standard rate of a service (by its code)."""
    access = caller(request)
    with transaction.atomic():
        rate = services.set_standard_rate(
            access=access,
            service_type_id=payload.service_type_id,
            currency=payload.currency,
            line=_line_in(payload.line),
        )
        return rate_out(rate)


# --- requests ----------------------------------------------------------------------------


class RequestFilter(Schema):
    status: str = Field("", max_length=20)
    client_id: Id | None = None
    q: str = Field("", max_length=200, description="Words of the title or description")


@router.get("/requests", response=list[RequestOut])
@paginate(Page)
def list_requests(request: HttpRequest, filters: Query[RequestFilter]) -> Any:
    with reading(request) as access:
        rows = selectors.requests(
            access, status=filters.status, client_id=filters.client_id, q=filters.q
        )
        return [request_out(r) for r in rows]


@router.post("/requests", response={201: RequestDetailOut})
def create_request(request: HttpRequest, payload: RequestIn) -> Status:
    """A client's new project request (or change request), as a draft or sent at once."""
    access = caller(request)
    data = services.RequestIn(**payload.model_dump(exclude={"submit"}))

    def run() -> tuple[int, Any]:
        req = services.create_request(access=access, data=data, submit=payload.submit)
        return 201, {**request_out(req), "quotes": [], "samples": []}

    return run_idempotent(request, run)


def _sample_out(x: Any) -> dict[str, Any]:
    return {
        "id": x.pk,
        "name": x.name,
        "content_type": x.content_type,
        "size": x.size,
        "created_at": x.created_at,
    }


def _detail(access: TenantAccess, req: ProjectRequest) -> dict[str, Any]:
    return {
        **request_out(req),
        "quotes": [quote_out(q) for q in selectors.quotes(access, req)],
        "samples": [_sample_out(x) for x in selectors.samples(req)],
    }


@router.get("/requests/{request_id}", response=RequestDetailOut)
def get_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    with reading(request) as access:
        return _detail(access, selectors.access_request_by_id(access, request_id))


@router.post("/requests/{request_id}/submit", response=RequestDetailOut)
def submit_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    access = caller(request)
    with transaction.atomic():
        req = services.submit_request(access=access, request_id=request_id)
        return _detail(access, req)


@router.post("/requests/{request_id}/withdraw", response=RequestDetailOut)
def withdraw_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    access = caller(request)
    with transaction.atomic():
        req = services.withdraw_request(access=access, request_id=request_id)
        return _detail(access, req)


@router.post("/requests/{request_id}/samples", response={201: SampleOut})
def add_sample(request: HttpRequest, request_id: Id, file: File[UploadedFile]) -> Status:
    """Attach a sample file (PDF, image, text, CSV, e-mail or audio; 10 MB at most)."""
    access = caller(request)

    def run() -> tuple[int, Any]:
        sample = services.add_sample(access=access, request_id=request_id, upload=file)
        return 201, _sample_out(sample)

    return run_idempotent(request, run)


# --- quotes ------------------------------------------------------------------------------


@router.post("/requests/{request_id}/quote", response={201: QuoteOut})
def save_quote(request: HttpRequest, request_id: Id, payload: QuoteIn) -> Status:
    """The request's draft quote (made, or rewritten while still a draft)."""
    access = caller(request)
    values = payload.model_dump(exclude={"lines"})
    data = services.QuoteIn(**values, lines=[_line_in(x) for x in payload.lines])

    def run() -> tuple[int, Any]:
        quote = services.save_quote(access=access, request_id=request_id, data=data)
        return 201, quote_out(quote)

    return run_idempotent(request, run)


@router.get("/quotes/{quote_id}", response=QuoteOut)
def get_quote(request: HttpRequest, quote_id: Id) -> dict[str, Any]:
    with reading(request) as access:
        return quote_out(selectors.access_quote_by_id(access, quote_id))


@router.post("/quotes/{quote_id}/send", response=QuoteOut)
def send_quote(request: HttpRequest, quote_id: Id) -> dict[str, Any]:
    access = caller(request)
    with transaction.atomic():
        return quote_out(services.send_quote(access=access, quote_id=quote_id))


@router.post("/quotes/{quote_id}/accept", response={200: AcceptedOut})
def accept_quote(request: HttpRequest, quote_id: Id) -> Status:
    """Accept a sent quote: the engagement and its contract are made, in one transaction.
    A second acceptance is refused (409 `quote_already_decided`); an expired quote too
    (409 `quote_expired`); a retry with the same Idempotency-Key returns the first answer."""
    access = caller(request)

    def run() -> tuple[int, Any]:
        outcome = services.accept_quote(access=access, quote_id=quote_id)
        quote = selectors.access_quote_by_id(access, quote_id)
        return 200, {
            "quote": quote_out(quote),
            "engagement_id": outcome.engagement.pk,
            "contract_id": outcome.contract.pk,
            "contract_version_id": outcome.version.pk,
        }

    return run_idempotent(request, run)


@router.post("/quotes/{quote_id}/decline", response=QuoteOut)
def decline_quote(request: HttpRequest, quote_id: Id, payload: DeclineIn) -> dict[str, Any]:
    access = caller(request)
    with transaction.atomic():
        quote = services.decline_quote(access=access, quote_id=quote_id, reason=payload.reason)
        return quote_out(quote)
