"""Planning API: arrival forecasts with their error, staffing per half hour (required vs
scheduled, with a what-if), batch deadlines. Team leads only (`workforce.manage`), in the
provider's account; engagements are those of the clients the lead serves (another's is a
404, as a missing one). Mounted on the workforce router (`api.py`)."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from backoffice.api.idempotency import run_idempotent
from backoffice.api.params import Id
from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.selectors import TenantAccess
from backoffice.workforce import selectors as workforce_selectors
from backoffice.workforce.error_codes import ErrorCode
from backoffice.workforce.planning import forecast as fc
from backoffice.workforce.planning import selectors as plan_selectors
from backoffice.workforce.planning import services as plan_services
from backoffice.workforce.planning.plans import assumptions_from, staffing_plan

router = Router(tags=["workforce"])


class ForecastDayOut(Schema):
    day: dt.date
    arrivals: float


class ForecastAccuracyOut(Schema):
    held_out_from: dt.date
    held_out_to: dt.date
    actual: list[int]
    model: list[float]
    baseline: list[float]
    model_mae: float
    model_smape: float = Field(..., description="Percent")
    baseline_mae: float
    baseline_smape: float = Field(..., description="Percent")
    beats_baseline: bool


class ForecastOut(Schema):
    engagement_id: int
    engagement: str
    method: str | None
    message: str = Field("", description="Why there is no forecast (too little history)")
    history_days: int
    holiday_factor: float | None
    days: list[ForecastDayOut]
    accuracy: ForecastAccuracyOut | None


class StaffingIntervalOut(Schema):
    start: dt.datetime
    required: float
    scheduled: float
    gap: float = Field(..., description="Scheduled - required; negative is short")


class StaffingOut(Schema):
    start: dt.date
    intervals: list[StaffingIntervalOut]
    what_if: list[StaffingIntervalOut] | None
    forecasts: list[ForecastOut]


class DeadlineIn(Schema):
    name: str = ""
    engagement_id: Id | None = None
    batch_id: Id | None = None
    due_at: dt.datetime | None = Field(None, description="With an offset, or UTC")
    business_hours: float | None = Field(None, description="Instead of due_at: from now")
    handle_minutes: float | None = Field(None, description="Default: measured over 4 weeks")
    shrinkage_percent: int = 30
    occupancy_percent: int = 85


class DeadlineOut(Schema):
    id: int
    name: str
    engagement_id: int
    batch_id: int | None
    starts_at: dt.datetime
    due_at: dt.datetime
    handle_minutes: float
    total: int
    done: int
    remaining: int
    percent_done: float
    per_business_hour: float
    business_hours_left: float
    projected_at: dt.datetime | None
    people_needed: int | None
    too_early: bool
    at_risk: bool
    at_risk_since: dt.datetime | None


def _lead(request: HttpRequest) -> TenantAccess:
    from backoffice.workforce.api import _lead as lead

    return lead(request)


@contextmanager
def _reading(access: TenantAccess) -> Iterator[None]:
    """Row-level security on the provider and the clients the lead serves."""
    with transaction.atomic():
        set_rls_tenants(workforce_selectors.read_tenants(access))
        yield


def forecast_out(e: Any, f: fc.Forecast | None, message: str) -> dict[str, Any]:
    if f is None:
        return {"engagement_id": e.pk, "engagement": e.name, "method": None, "message": message,
                "history_days": 0, "holiday_factor": None, "days": [],
                "accuracy": None}  # fmt: skip
    a = f.accuracy
    return {
        "engagement_id": e.pk,
        "engagement": e.name,
        "method": f.method,
        "history_days": f.history_days,
        "holiday_factor": round(f.holiday_factor, 3),
        "days": [{"day": d, "arrivals": round(v, 2)} for d, v in zip(f.days, f.daily, strict=True)],
        "accuracy": {
            "held_out_from": a.first_day,
            "held_out_to": a.first_day + dt.timedelta(days=len(a.actual) - 1),
            "actual": a.actual,
            "model": [round(x, 2) for x in a.model],
            "baseline": a.baseline,
            "model_mae": round(a.model_mae, 3),
            "model_smape": round(a.model_smape, 2),
            "baseline_mae": round(a.baseline_mae, 3),
            "baseline_smape": round(a.baseline_smape, 2),
            "beats_baseline": a.beats_baseline,
        },
    }


@router.get("/forecasts", response=list[ForecastOut])
def forecasts(
    request: HttpRequest, engagement_id: Id | None = None, start: dt.date | None = None
) -> list[dict[str, Any]]:
    """Daily arrivals for 7 days from `start` (default today) per engagement, and the error
    on the held-out last week against the seasonal-naive baseline. Asked for one engagement
    with under three weeks of history: 400 `forecast_history_short`, in words."""
    a = _lead(request)
    with _reading(a):
        return _forecasts(a, engagement_id, start)


def _forecasts(a: TenantAccess, engagement_id: int | None, start: dt.date | None) -> list[Any]:
    if engagement_id is not None:
        plan_selectors.access_engagement_by_id(a, engagement_id)
    chosen = plan_selectors.engagements(a, engagement_id)
    today = timezone.now().date()
    found = plan_selectors.arrivals(chosen, today=today)
    out = []
    for e in chosen:
        try:
            f = plan_selectors.forecast_for(e, found[e.pk], first_day=start or today, days=7)
        except fc.TooLittleHistory as exc:
            if engagement_id is not None:
                raise DomainError(str(exc), code=ErrorCode.TOO_LITTLE_HISTORY) from exc
            out.append(forecast_out(e, None, str(exc)))
            continue
        out.append(forecast_out(e, f, ""))
    return out


@router.get("/staffing", response=StaffingOut)
def staffing(
    request: HttpRequest,
    start: dt.date | None = None,
    engagement_id: Id | None = None,
    skill: str = "",
    language: str = "",
    shrinkage: str = "",
    occupancy: str = "",
    volume: str = "",
    handle: str = "",
    leave: str = "",
) -> dict[str, Any]:
    """Required and scheduled agents per half hour over 7 days from `start` (midnight UTC),
    and the same under the what-if when one is given: `volume` and `handle` are changes in
    percent (20 for +20 %, -10 for -10 %), `leave` a number of people; `shrinkage` and
    `occupancy` in percent (default 30 and 85)."""
    a = _lead(request)
    if engagement_id is not None:
        plan_selectors.access_engagement_by_id(a, engagement_id)
    values = {"shrinkage": shrinkage, "occupancy": occupancy, "volume": volume,
              "handle": handle, "leave": leave}  # fmt: skip
    base, what = assumptions_from({k: v.strip() for k, v in values.items()})
    first = start or timezone.now().date()
    with _reading(a):
        r = staffing_plan(a, first_day=first, engagement_id=engagement_id, skill=skill,
                      language=language, base=base, what_if=what, zone=dt.UTC)  # fmt: skip

    def rows(items: Any) -> list[dict[str, Any]]:
        return [
            {"start": i.start, "required": round(i.required, 3),
             "scheduled": round(i.scheduled, 3), "gap": round(i.gap, 3)}
            for i in items
        ]  # fmt: skip

    return {
        "start": first,
        "intervals": rows(r.base),
        "what_if": rows(r.what_if) if r.what_if is not None else None,
        "forecasts": [forecast_out(e, f, m) for e, f, m in r.forecasts],
    }


def deadline_out(d: Any) -> dict[str, Any]:
    s = plan_selectors.deadline_status(d, now=timezone.now())
    return {
        "id": d.pk, "name": d.name, "engagement_id": d.engagement_id, "batch_id": d.batch_id,
        "starts_at": d.starts_at, "due_at": d.due_at, "handle_minutes": float(d.handle_minutes),
        "total": s.total, "done": s.done, "remaining": s.remaining,
        "percent_done": s.percent_done, "per_business_hour": round(s.per_hour, 3),
        "business_hours_left": round(s.hours_left, 3), "projected_at": s.projected_at,
        "people_needed": s.people_needed, "too_early": s.too_early, "at_risk": s.at_risk,
        "at_risk_since": d.at_risk_since,
    }  # fmt: skip


@router.get("/deadlines", response=list[DeadlineOut])
def list_deadlines(request: HttpRequest) -> list[dict[str, Any]]:
    """Batch deadlines with progress, projected completion and people needed."""
    a = _lead(request)
    with _reading(a):
        return [deadline_out(d) for d in plan_selectors.deadlines(a)]


@router.get("/deadlines/{deadline_id}", response=DeadlineOut)
def get_deadline(request: HttpRequest, deadline_id: int) -> dict[str, Any]:
    a = _lead(request)
    with _reading(a):
        return deadline_out(plan_selectors.access_deadline_by_id(a, deadline_id))


@router.post("/deadlines", response={201: DeadlineOut, 200: DeadlineOut})
def set_deadline(request: HttpRequest, payload: DeadlineIn) -> Status:
    """Set a deadline on an intake batch (`batch_id`) or, without one, on the engagement's
    items received from now on. The same name again answers the existing one (200)."""
    a = _lead(request)
    with _reading(a):
        return _set_deadline(request, a, payload)


def _set_deadline(request: HttpRequest, a: TenantAccess, payload: DeadlineIn) -> Status:
    if payload.engagement_id is None:
        raise DomainError(
            "Name the engagement.",
            code=ErrorCode.INVALID_DEADLINE,
            fields={"engagement_id": ["Name the engagement."]},
        )
    engagement = plan_selectors.access_engagement_by_id(a, payload.engagement_id)
    batch = None
    if payload.batch_id is not None:
        batch = next(
            (b for b in plan_selectors.batches(a, engagement) if b.pk == payload.batch_id), None
        )
        if batch is None:
            raise DomainError(
                "Choose a batch of this engagement.",
                code=ErrorCode.INVALID_DEADLINE,
                fields={"batch_id": ["No such batch in this engagement."]},
            )
    due = payload.due_at
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=dt.UTC)
    handle = payload.handle_minutes
    spec = plan_services.DeadlineIn(
        name=payload.name,
        due_at=due,
        business_hours=payload.business_hours,
        batch=batch,
        handle_minutes=handle
        if handle is not None
        else plan_selectors.measured_handle_minutes(a, engagement, timezone.now().date()),
        shrinkage_percent=payload.shrinkage_percent,
        occupancy_percent=payload.occupancy_percent,
    )

    def run() -> tuple[int, Any]:
        d, created = plan_services.set_deadline(
            tenant=a.tenant, actor=a.user, engagement=engagement, spec=spec
        )
        return (201 if created else 200), deadline_out(d)

    return run_idempotent(request, run)
