"""The client dashboard's figures for machines: the same numbers as the page, for the
engagements the caller may see (`/api/v1/portal/dashboard…`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from backoffice.api.params import MAX_ID
from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.portal.dashboard import figures as fig
from backoffice.portal.dashboard import grants, money
from backoffice.portal.dashboard.error_codes import ErrorCode
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess, access_membership_by_username
from backoffice.work import selectors as work_selectors

router = Router(tags=["portal"])


class EngagementFiguresOut(Schema):
    engagement_id: int
    code: str
    name: str
    open: int
    at_risk: int
    breached: int
    waiting_on_client: int
    done: int = Field(description="Items done in the window")
    done_on_time: int
    sla_percent: float | None = Field(description="Done on time ÷ done, in %")
    sla_target_percent: int
    qa_fields_reviewed: int
    qa_fields_correct: int


class DayOut(Schema):
    day: date
    on_time: int
    late: int


class AgeOut(Schema):
    key: str
    label: str
    open: int


class WeekOut(Schema):
    week_start: date
    qa_percent: float | None


class DashboardOut(Schema):
    as_of: datetime
    time_zone: str
    window_days: int
    window_start: date
    sla_percent: float | None
    done: int
    done_on_time: int
    done_per_day: float
    open: int
    at_risk: int
    breached: int
    waiting_on_client: int
    oldest_open_received_at: datetime | None
    qa_percent: float | None
    engagements: list[EngagementFiguresOut]
    done_by_day: list[DayOut]
    open_by_age: list[AgeOut]
    qa_by_week: list[WeekOut]


class EstimateOut(Schema):
    contract_id: int
    contract: str
    currency: str
    period: date
    as_of: datetime
    charges: int = Field(description="Minor units of the currency")
    credits: int
    total: int


class InvoiceOut(Schema):
    id: int
    period: date
    contract: str
    currency: str
    number: str
    due_date: date | None
    total: int = Field(description="Minor units of the currency")
    open_amount: int | None


class ItemOut(Schema):
    id: int
    external_ref: str
    engagement_id: int
    state: str
    received_at: datetime
    sla_due_at: datetime
    completed_at: datetime | None
    at_risk: bool
    breached: bool


def _access(request: HttpRequest, perm: str, tenants: Any) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    access.require(perm)
    set_rls_tenants(tenants(access))
    return access


def _row(r: fig.EngagementRow) -> dict[str, Any]:
    e = r.engagement
    return {
        "engagement_id": e.pk,
        "code": e.code,
        "name": e.name,
        "open": r.open,
        "at_risk": r.at_risk,
        "breached": r.breached,
        "waiting_on_client": r.waiting,
        "done": r.done,
        "done_on_time": r.met,
        "sla_percent": r.sla_percent,
        "sla_target_percent": e.sla_target_percent,
        "qa_fields_reviewed": r.qa_reviewed,
        "qa_fields_correct": r.qa_correct,
    }


def figures_out(f: fig.Figures) -> dict[str, Any]:
    return {
        "as_of": f.as_of,
        "time_zone": f.zone,
        "window_days": fig.WINDOW_DAYS,
        "window_start": f.window_start,
        "sla_percent": f.sla_percent,
        "done": f.total_done,
        "done_on_time": f.total_met,
        "done_per_day": f.done_per_day,
        "open": f.total_open,
        "at_risk": f.total_at_risk,
        "breached": f.total_breached,
        "waiting_on_client": f.total_waiting,
        "oldest_open_received_at": f.oldest_open,
        "qa_percent": f.qa_percent,
        "engagements": [_row(r) for r in f.engagements],
        "done_by_day": [
            {"day": d, "on_time": on, "late": late}
            for d, on, late in zip(f.days, f.on_time_by_day, f.late_by_day, strict=True)
        ],
        "open_by_age": [
            {"key": k, "label": label, "open": f.age_counts.get(k, 0)}
            for k, label, _a in fig.AGE_BUCKETS
        ],
        "qa_by_week": [
            {"week_start": w, "qa_percent": p} for w, p in zip(f.weeks, f.qa_by_week, strict=True)
        ],
    }


@router.get("/dashboard", response=DashboardOut)
def dashboard(request: HttpRequest) -> dict[str, Any]:
    """SLA attainment, backlog and its age, throughput and QA accuracy over the last 30
    days (local days of the caller's time zone), for the engagements the caller may see."""
    with transaction.atomic():
        access = _access(request, Perm.VIEW_WORK, work_selectors.visible_tenant_ids)
        return figures_out(fig.compute(access))


class ItemPageOut(Schema):
    items: list[ItemOut]
    count: int
    page: int
    pages: int


@router.get("/dashboard/items", response=ItemPageOut)
def dashboard_items(
    request: HttpRequest,
    figure: str = Query("open", max_length=20),
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    day: date | None = None,
    age: str = Query("", max_length=10),
    page: int = Query(1, ge=1, le=10_000_000),
    page_size: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """The items behind a figure: `figure` is one of open, at_risk, breached, waiting,
    done, on_time, late; `day` narrows done items to one local day, `age` open items to
    an age bucket (lt1h, lt4h, lt1d, lt3d, gt3d)."""
    with transaction.atomic():
        access = _access(request, Perm.VIEW_WORK, work_selectors.visible_tenant_ids)
        qs = fig.items_behind(
            access,
            figure=figure if figure in fig.FIGURE_LABELS else "open",
            engagement_id=engagement_id,
            day=day,
            age=age,
        )
        count = qs.count()
        start = (page - 1) * page_size
        rows = list(qs[start : start + page_size]) if start < count else []
        return {
            "items": rows,
            "count": count,
            "page": page,
            "pages": max(1, -(-count // page_size)),
        }


@router.get("/dashboard/charges", response=list[EstimateOut])
def charges(request: HttpRequest) -> list[dict[str, Any]]:
    """This month's charges so far, per contract in force (billing's estimate)."""
    with transaction.atomic():
        access = _access(request, Perm.VIEW_BILLING, money.read_tenants)
        return [
            {
                "contract_id": e.contract.pk,
                "contract": e.contract.name,
                "currency": e.contract.currency,
                "period": e.period,
                "as_of": e.as_of,
                "charges": e.charges,
                "credits": e.credits,
                "total": e.total,
            }
            for e in money.estimates(access)
        ]


@router.get("/dashboard/invoices", response=list[InvoiceOut])
def invoices(request: HttpRequest) -> list[dict[str, Any]]:
    """The client's latest issued invoices and what is still open on each."""
    with transaction.atomic():
        access = _access(request, Perm.VIEW_BILLING, money.read_tenants)
        return [
            {
                "id": r.invoice.pk,
                "period": r.invoice.period,
                "contract": r.invoice.contract.name,
                "currency": r.invoice.currency,
                "number": r.document.number if r.document else "",
                "due_date": r.document.due_date if r.document else None,
                "total": r.total,
                "open_amount": r.open_amount,
            }
            for r in money.invoices(access)
        ]


# --- who sees what: a client admin's grants per member --------------------------------------


class GrantsIn(Schema):
    all_engagements: bool = True
    engagement_ids: list[int] = Field(default_factory=list, max_length=1000)
    may_submit: bool = True
    may_accept_quotes: bool = True
    may_see_invoices: bool = True


class GrantsOut(GrantsIn):
    username: str
    role: str


def _grants_out(access: TenantAccess, username: str) -> dict[str, Any]:
    membership = access_membership_by_username(access, username)
    found = grants.grants_of(access, [membership]).get(membership.pk)
    if found is None:
        raise DomainError(
            "Only the client's own members (client admins and client users) have grants.",
            code=ErrorCode.NOT_A_CLIENT_MEMBER,
            status=404,
        )
    return {
        "username": username,
        "role": membership.role,
        "all_engagements": found.all_engagements,
        "engagement_ids": sorted(found.engagement_ids),
        **found.flags,
    }


@router.get("/members/{username}/grants", response=GrantsOut)
def get_member_grants(request: HttpRequest, username: str) -> dict[str, Any]:
    """Which engagements a member of the client sees and what they may do."""
    with transaction.atomic():
        access = _access(request, Perm.MANAGE_MEMBERS, lambda a: [a.tenant.pk])
        return _grants_out(access, username)


@router.put("/members/{username}/grants", response=GrantsOut)
def put_member_grants(request: HttpRequest, username: str, payload: GrantsIn) -> dict[str, Any]:
    """Set them (a client admin, for another member of the client; audited). Repeating the
    same request changes nothing further."""
    access = _access(request, Perm.MANAGE_MEMBERS, lambda a: [a.tenant.pk])
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        grants.set_member_grants(access=access, username=username, **payload.model_dump())
        return _grants_out(access, username)
