"""API of the work app (mounted at /api/v1/work).

Thin: check the permission, fetch objects through the tenant-scoped selectors (another
tenant's id is a 404), call a service, shape the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from backoffice.api.idempotency import run_idempotent
from backoffice.core.errors import DomainError, Forbidden, NotFound
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import double_key, intake, metrics, qa, selectors, services
from backoffice.work.models import (
    Comment,
    DoubleKey,
    Engagement,
    IntakeBatch,
    QaReview,
    Queue,
    ServiceType,
    State,
    WorkItem,
)

router = Router(tags=["work"])
MAX_ID = 2**63 - 1  # the largest id a database column holds; bigger query ids are a 422


def _access(request: HttpRequest) -> TenantAccess:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@contextmanager
def _scope(request: HttpRequest, perm: str) -> Iterator[TenantAccess]:
    """Check `perm`, open a transaction and let RLS show the tenants the caller may see."""
    access = _access(request)
    access.require(perm)
    with transaction.atomic():
        set_rls_tenants({access.tenant.pk, *selectors.work_tenant_ids(access)})
        yield access


# --- shapes ----------------------------------------------------------------------------------


class ServiceTypeOut(Schema):
    id: int
    code: str
    name: str
    description: str
    instructions: str
    input_schema: dict
    output_schema: dict
    workflow: list
    default_sla_minutes: int
    qa_sample_percent: int
    billing_unit: str


class ServiceTypeIn(Schema):
    code: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    template: str | None = None
    name: str | None = None
    description: str | None = None
    instructions: str | None = None
    input_schema: dict | None = None
    output_schema: dict | None = None
    workflow: list | None = None
    default_sla_minutes: int | None = Field(None, ge=1)
    qa_sample_percent: int | None = Field(None, ge=0, le=100)
    billing_unit: str | None = None


class CalendarIn(Schema):
    timezone: str | None = None
    working_hours: dict | None = None
    holiday_country: str | None = None
    holiday_subdivision: str = ""
    closures: list[str] = []


class EngagementIn(Schema):
    code: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = ""
    service_type_id: int
    sla_minutes: int | None = Field(None, ge=1)
    sla_basis: str = "business"
    sla_target_percent: int = Field(95, ge=1, le=100)
    at_risk_percent: int = Field(75, ge=1, le=100)
    priority_rules: list[dict] = []
    idle_timeout_minutes: int = Field(30, ge=1)
    double_key: bool = False
    calendar: CalendarIn = CalendarIn()


class EngagementOut(Schema):
    id: int
    tenant: str
    code: str
    name: str
    service_type_id: int
    service_name: str
    instructions: str
    input_schema: dict
    output_schema: dict
    workflow: list
    billing_unit: str
    sla_minutes: int
    sla_basis: str
    sla_target_percent: int
    at_risk_percent: int
    priority_rules: list
    double_key: bool
    calendar: dict
    is_active: bool


class ItemIn(Schema):
    external_ref: str
    data: dict
    priority: int | None = None
    skill: str = ""
    language: str = ""


class BulkIn(Schema):
    mode: str = IntakeBatch.Mode.ALL_OR_NOTHING
    items: list[ItemIn] = Field(..., max_length=10_000)


class ItemOut(Schema):
    id: int
    tenant: str
    engagement_id: int
    external_ref: str
    state: str
    priority: int
    skill: str
    language: str
    data: dict
    output: dict | None
    assignee: str | None
    received_at: datetime
    sla_due_at: datetime
    sla_remaining_minutes: float | None
    paused_minutes: float
    at_risk: bool
    breached: bool
    claimed_at: datetime | None
    completed_at: datetime | None


class EventOut(Schema):
    at: datetime
    actor: str | None
    from_state: str
    to_state: str
    note: str


class CommentOut(Schema):
    id: int
    kind: str
    author: str | None
    body: str
    reply_to_id: int | None
    answered_at: datetime | None
    created_at: datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    created_at: datetime


class ItemDetailOut(ItemOut):
    events: list[EventOut]
    comments: list[CommentOut]
    attachments: list[AttachmentOut]


class IntakeOut(Schema):
    batch_id: int | None
    created: int
    existing: int
    rejected: int
    errors: list[dict]
    item_ids: list[int]


class TransitionIn(Schema):
    to: str
    note: str = ""


class CompleteIn(Schema):
    output: dict
    note: str = ""


class ReviewIn(Schema):
    accept: bool
    note: str = ""


class AssignIn(Schema):
    username: str


class SkipIn(Schema):
    reason: str


class TextIn(Schema):
    body: str = Field(..., min_length=1, max_length=20_000)


class QueueOut(Schema):
    id: int
    code: str
    name: str
    engagement_id: int | None
    service_type_id: int | None
    skill: str
    language: str
    min_priority: int


class BacklogOut(Schema):
    engagement_id: int
    engagement: str
    tenant: str
    open: int
    queued: int
    in_progress: int
    waiting: int
    in_review: int
    at_risk: int
    breached: int


def _service_type_out(st: ServiceType) -> dict[str, Any]:
    return {f: getattr(st, f) for f in ServiceTypeOut.model_fields}


def _engagement_out(e: Engagement) -> dict[str, Any]:
    out = {f: getattr(e, f) for f in EngagementOut.model_fields if f not in ("tenant", "calendar")}
    cal = e.calendar
    out["tenant"] = e.tenant.slug
    out["calendar"] = {
        "timezone": cal.timezone,
        "working_hours": cal.working_hours,
        "holiday_country": cal.holiday_country,
        "holiday_subdivision": cal.holiday_subdivision,
        "closures": cal.closures,
    }
    return out


def item_out(item: WorkItem, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    remaining: float | None = None
    if item.is_open:
        since = item.paused_at or now
        left = services.clock_between(item.engagement, since, item.sla_due_at)
        remaining = round(left.total_seconds() / 60, 1)
    return {
        "id": item.pk,
        "tenant": item.engagement.tenant.slug,
        "engagement_id": item.engagement_id,
        "external_ref": item.external_ref,
        "state": item.state,
        "priority": item.priority,
        "skill": item.skill,
        "language": item.language,
        "data": item.data,
        "output": item.output,
        "assignee": item.assignee.username if item.assignee else None,
        "received_at": item.received_at,
        "sla_due_at": item.sla_due_at,
        "sla_remaining_minutes": remaining,
        "paused_minutes": round(item.paused_seconds / 60, 1),
        "at_risk": item.at_risk,
        "breached": item.breached,
        "claimed_at": item.claimed_at,
        "completed_at": item.completed_at,
    }


def _comment_out(c: Comment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "author": c.author.username if c.author else None,
        "body": c.body,
        "reply_to_id": c.reply_to_id,
        "answered_at": c.answered_at,
        "created_at": c.created_at,
    }


def _detail(item: WorkItem) -> dict[str, Any]:
    return {
        **item_out(item),
        "events": [
            {
                "at": e.at,
                "actor": e.actor.username if e.actor else None,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in selectors.item_events(item)
        ],
        "comments": [_comment_out(c) for c in item.comments.select_related("author")],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "created_at": a.created_at,
            }
            for a in item.attachments.all()
        ],
    }


def _intake_out(result: services.IntakeResult) -> dict[str, Any]:
    return {
        "batch_id": result.batch.pk if result.batch else None,
        "created": result.created,
        "existing": result.existing,
        "rejected": result.rejected,
        "errors": [e.as_dict() for e in result.errors[: services.REPORT_CAP]],
        "item_ids": result.item_ids[:10_000],
    }


# --- catalogue -------------------------------------------------------------------------------


@router.get("/service-types", response=list[ServiceTypeOut])
def list_service_types(request: HttpRequest) -> list[dict]:
    with _scope(request, Perm.VIEW_WORK) as access:
        return [_service_type_out(st) for st in selectors.service_types(access)]


@router.get("/service-types/{service_type_id}", response=ServiceTypeOut)
def get_service_type(request: HttpRequest, service_type_id: int) -> dict:
    with _scope(request, Perm.VIEW_WORK) as access:
        return _service_type_out(selectors.get_service_type(access, service_type_id))


@router.post("/service-types", response={201: ServiceTypeOut})
def create_service_type(request: HttpRequest, payload: ServiceTypeIn) -> Any:
    access = _access(request)
    access.require(Perm.MANAGE_CATALOG)
    if not access.tenant.is_provider:
        raise Forbidden("The service catalogue is the provider's.")
    fields = payload.dict(exclude_none=True, exclude={"code", "template"})

    def create() -> tuple[int, dict]:
        st = services.create_service_type(
            provider=access.tenant,
            actor=access.user,
            code=payload.code,
            template=payload.template,
            **fields,
        )
        return 201, _service_type_out(st)

    return run_idempotent(request, create)


# --- engagements -----------------------------------------------------------------------------


@router.get("/engagements", response=list[EngagementOut])
def list_engagements(request: HttpRequest) -> list[dict]:
    with _scope(request, Perm.VIEW_WORK) as access:
        return [_engagement_out(e) for e in selectors.engagements(access)]


@router.get("/engagements/{engagement_id}", response=EngagementOut)
def get_engagement(request: HttpRequest, engagement_id: int) -> dict:
    with _scope(request, Perm.VIEW_WORK) as access:
        return _engagement_out(selectors.get_engagement(access, engagement_id))


@router.post("/engagements", response={201: EngagementOut})
def create_engagement(request: HttpRequest, payload: EngagementIn) -> Any:
    """Provider staff acting in a client's tenant set up that client's engagement."""
    access = _access(request)
    access.require(Perm.MANAGE_CATALOG)
    if access.tenant.is_provider:
        raise DomainError("Create engagements while acting in the client's organization.")

    def create() -> tuple[int, dict]:
        set_rls_tenants([access.tenant.pk, int(access.tenant.provider_id or 0)])
        service_type = (
            ServiceType.objects.for_tenant(int(access.tenant.provider_id or 0))
            .filter(pk=payload.service_type_id, is_active=True)
            .first()
        )
        if service_type is None:
            raise NotFound("No such service type.")
        cal = payload.calendar
        calendar = services.create_calendar(
            tenant=access.tenant,
            actor=access.user,
            name=f"{payload.code} calendar",
            timezone_name=cal.timezone,
            working_hours=cal.working_hours,
            holiday_country=cal.holiday_country,
            holiday_subdivision=cal.holiday_subdivision,
            closures=cal.closures,
        )
        engagement = services.create_engagement(
            tenant=access.tenant,
            actor=access.user,
            service_type=service_type,
            calendar=calendar,
            code=payload.code,
            name=payload.name,
            sla_minutes=payload.sla_minutes,
            sla_basis=payload.sla_basis,
            sla_target_percent=payload.sla_target_percent,
            at_risk_percent=payload.at_risk_percent,
            priority_rules=payload.priority_rules,
            idle_timeout_minutes=payload.idle_timeout_minutes,
            double_key=payload.double_key,
        )
        return 201, _engagement_out(engagement)

    return run_idempotent(request, create)


def _submit_engagement(access: TenantAccess, engagement_id: int) -> Engagement:
    """Only the client's own tenant submits work to its engagement."""
    engagement = selectors.get_engagement(access, engagement_id)
    if engagement.tenant_id != access.tenant.pk:
        raise NotFound("No such engagement.")
    return engagement


@router.post("/engagements/{engagement_id}/items", response={200: ItemOut, 201: ItemOut})
def submit_item(request: HttpRequest, engagement_id: int, payload: ItemIn) -> Any:
    """Submit one item. A repeated external_ref returns the existing item with 200."""
    access = _access(request)
    access.require(Perm.SUBMIT_WORK)

    def create() -> tuple[int, dict]:
        engagement = _submit_engagement(access, engagement_id)
        item, created = services.submit_item(
            engagement=engagement,
            actor=access.user,
            external_ref=payload.external_ref,
            data=payload.data,
            priority=payload.priority,
            skill=payload.skill,
            language=payload.language,
        )
        return (201 if created else 200), item_out(item)

    return run_idempotent(request, create)


@router.post("/engagements/{engagement_id}/items/bulk", response={201: IntakeOut})
def submit_items(request: HttpRequest, engagement_id: int, payload: BulkIn) -> Any:
    access = _access(request)
    access.require(Perm.SUBMIT_WORK)

    def create() -> tuple[int, dict]:
        engagement = _submit_engagement(access, engagement_id)
        rows = [
            services.ItemInput(i.external_ref, i.data, i.priority, i.skill, i.language)
            for i in payload.items
        ]
        result = services.submit_items(
            engagement=engagement, actor=access.user, rows=rows, mode=payload.mode, source="api"
        )
        return 201, _intake_out(result)

    return run_idempotent(request, create)


@router.post("/engagements/{engagement_id}/files", response={201: IntakeOut})
def upload_file(
    request: HttpRequest,
    engagement_id: int,
    file: File[UploadedFile],
    mode: Form[str] = IntakeBatch.Mode.ALL_OR_NOTHING,
) -> Status[Any]:
    """Upload a CSV, JSONL or XLSX intake file (multipart field `file`)."""
    with _scope(request, Perm.SUBMIT_WORK) as access:
        engagement = _submit_engagement(access, engagement_id)
        result = intake.import_file(
            engagement=engagement,
            actor=access.user,
            filename=file.name or "upload",
            content=file.read(),
            mode=mode,
        )
        return Status(201, _intake_out(result))


# --- items -----------------------------------------------------------------------------------


class ItemPageOut(Schema):
    items: list[ItemOut]
    count: int
    page: int
    pages: int


def _item_page(qs: Any, page: int, page_size: int) -> dict[str, Any]:
    """One page of items; a page past the end is empty (never an offset the database
    cannot hold: page numbers are unbounded)."""
    count = qs.count()
    start = (page - 1) * page_size
    now = timezone.now()
    rows = qs[start : start + page_size] if start < count else []
    return {
        "items": [item_out(i, now) for i in rows],
        "count": count,
        "page": page,
        "pages": max(1, -(-count // page_size)),
    }


@router.get("/items", response=ItemPageOut)
def list_items(
    request: HttpRequest,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    state: str | None = None,
    external_ref: str | None = None,
    assignee: str | None = None,
    at_risk: bool | None = None,
    breached: bool | None = None,
    open: bool | None = None,
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=500),
) -> dict:
    """Items the caller may see, newest first; the same envelope as every paged list."""
    with _scope(request, Perm.VIEW_WORK) as access:
        if state and state not in State.values:
            raise DomainError("Unknown state.", fields={"state": [f"one of {State.values}"]})
        qs = selectors.items(
            access,
            engagement_id=engagement_id,
            state=state,
            external_ref=external_ref,
            assignee__username=assignee,
            at_risk=at_risk,
            breached=breached,
            open=open,
        ).select_related("engagement__calendar", "engagement__tenant")
        return _item_page(qs, page, page_size)


@router.get("/items/{item_id}", response=ItemDetailOut)
def get_item(request: HttpRequest, item_id: int) -> dict:
    with _scope(request, Perm.VIEW_WORK) as access:
        return _detail(selectors.get_item(access, item_id))


_TRANSITION_PERMS = {
    State.CANCELLED: Perm.ROUTE_WORK,
    State.DONE: Perm.REVIEW_WORK,
    State.REWORK: Perm.REVIEW_WORK,
}


@router.post("/items/{item_id}/transition", response=ItemOut)
def transition_item(request: HttpRequest, item_id: int, payload: TransitionIn) -> dict:
    with _scope(request, Perm.VIEW_WORK) as access:
        item = selectors.get_item(access, item_id)
        needed = _TRANSITION_PERMS.get(payload.to, Perm.PROCESS_WORK)  # type: ignore[call-overload]
        if payload.to == State.CANCELLED and access.can(Perm.SUBMIT_WORK):
            needed = Perm.SUBMIT_WORK
        access.require(needed)
        return item_out(
            services.transition_item(item=item, actor=access.user, to=payload.to, note=payload.note)
        )


@router.post("/items/{item_id}/complete", response=ItemOut)
def complete_item(request: HttpRequest, item_id: int, payload: CompleteIn) -> dict:
    with _scope(request, Perm.PROCESS_WORK) as access:
        item = selectors.get_item(access, item_id)
        return item_out(
            services.complete_item(
                item=item, actor=access.user, output=payload.output, note=payload.note
            )
        )


@router.post("/items/{item_id}/review", response=ItemOut)
def review_item(request: HttpRequest, item_id: int, payload: ReviewIn) -> dict:
    with _scope(request, Perm.REVIEW_WORK) as access:
        item = selectors.get_item(access, item_id)
        return item_out(
            services.review_item(
                item=item, actor=access.user, accept=payload.accept, note=payload.note
            )
        )


@router.post("/items/{item_id}/assign", response=ItemOut)
def assign_item(request: HttpRequest, item_id: int, payload: AssignIn) -> dict:
    with _scope(request, Perm.ROUTE_WORK) as access:
        item = selectors.get_item(access, item_id)
        assignee = User.objects.filter(username=payload.username, is_active=True).first()
        if assignee is None:
            raise DomainError("No such person.", fields={"username": ["unknown"]})
        return item_out(services.assign_item(item=item, assignee=assignee, actor=access.user))


@router.post("/items/{item_id}/skip", response=ItemOut)
def skip_item(request: HttpRequest, item_id: int, payload: SkipIn) -> dict:
    with _scope(request, Perm.PROCESS_WORK) as access:
        item = selectors.get_item(access, item_id)
        return item_out(services.release_item(item=item, actor=access.user, reason=payload.reason))


@router.get("/items/{item_id}/comments", response=list[CommentOut])
def list_comments(request: HttpRequest, item_id: int) -> list[dict]:
    with _scope(request, Perm.VIEW_WORK) as access:
        item = selectors.get_item(access, item_id)
        return [_comment_out(c) for c in item.comments.select_related("author")]


@router.post("/items/{item_id}/comments", response={201: CommentOut})
def add_comment(request: HttpRequest, item_id: int, payload: TextIn) -> Status[Any]:
    with _scope(request, Perm.VIEW_WORK) as access:
        if not (access.can(Perm.SUBMIT_WORK) or access.can(Perm.PROCESS_WORK)):
            raise Forbidden("Your role may not comment on items.")
        item = selectors.get_item(access, item_id)
        return Status(
            201, _comment_out(services.add_comment(item=item, actor=access.user, body=payload.body))
        )


@router.post("/items/{item_id}/questions", response={201: CommentOut})
def ask_client(request: HttpRequest, item_id: int, payload: TextIn) -> Status[Any]:
    """Ask the client a question: the item waits and its SLA clock stops."""
    with _scope(request, Perm.PROCESS_WORK) as access:
        item = selectors.get_item(access, item_id)
        return Status(
            201,
            _comment_out(services.ask_client(item=item, actor=access.user, question=payload.body)),
        )


@router.post("/items/{item_id}/questions/{question_id}/answer", response={201: CommentOut})
def answer_question(
    request: HttpRequest, item_id: int, question_id: int, payload: TextIn
) -> Status[Any]:
    """The client answers; the clock restarts with the paused time added to the due time."""
    with _scope(request, Perm.SUBMIT_WORK) as access:
        item = selectors.get_item(access, item_id)
        question = selectors.get_comment(access, item, question_id)
        return Status(
            201,
            _comment_out(
                services.answer_question(question=question, actor=access.user, body=payload.body)
            ),
        )


@router.post("/items/{item_id}/attachments", response={201: AttachmentOut})
def add_attachment(request: HttpRequest, item_id: int, file: File[UploadedFile]) -> Status[Any]:
    with _scope(request, Perm.VIEW_WORK) as access:
        if not (access.can(Perm.SUBMIT_WORK) or access.can(Perm.PROCESS_WORK)):
            raise Forbidden("Your role may not attach files.")
        item = selectors.get_item(access, item_id)
        a = services.add_attachment(item=item, actor=access.user, upload=file)
        return Status(
            201,
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "created_at": a.created_at,
            },
        )


# --- agents and leads ------------------------------------------------------------------------


@router.post("/claim-next", response={200: ItemOut, 204: None})
def claim_next(request: HttpRequest, queue_id: int | None = None) -> Any:
    """Take the most urgent eligible item (204 when nothing is eligible).

    Acting in the provider's tenant, the agent claims across every client they serve;
    acting in a client's tenant, only from that client.
    """
    access = _access(request)
    access.require(Perm.PROCESS_WORK)
    queue: Queue | None = None
    if queue_id is not None:
        with _scope(request, Perm.PROCESS_WORK):
            queue = selectors.get_queue(access, queue_id)
    served = set(services.served_tenant_ids(access.user))
    tenant_ids = [t for t in selectors.work_tenant_ids(access) if t in served]
    item = services.claim_next_item(agent=access.user, queue=queue, tenant_ids=tenant_ids)
    if item is None:
        return HttpResponse(status=204)
    with _scope(request, Perm.PROCESS_WORK):
        return Status(200, item_out(item))


@router.get("/queues", response=list[QueueOut])
def list_queues(request: HttpRequest) -> list[dict]:
    with _scope(request, Perm.PROCESS_WORK) as access:
        if not access.tenant.is_provider:
            return []
        return [{f: getattr(q, f) for f in QueueOut.model_fields} for q in selectors.queues(access)]


@router.get("/backlog", response=list[BacklogOut])
def backlog(request: HttpRequest) -> list[dict]:
    with _scope(request, Perm.ROUTE_WORK) as access:
        return [
            {
                **{k: v for k, v in row.items() if k != "engagement"},
                "engagement": row["engagement"].name,
                "tenant": row["engagement"].tenant.slug,
            }
            for row in selectors.backlog(access)
        ]


# --- quality: field-level QA and accuracy ----------------------------------------------------


class FieldVerdictIn(Schema):
    verdict: str
    value: Any = None


class QaReviewIn(Schema):
    decision: str
    verdicts: dict[str, FieldVerdictIn]
    note: str = Field("", max_length=2000)


class FieldVerdictOut(Schema):
    field: str
    verdict: str
    agent_value: Any
    corrected_value: Any


class QaReviewOut(Schema):
    id: int
    item_id: int
    engagement_id: int
    agent: str
    reviewer: str
    decision: str
    fields_reviewed: int
    fields_correct: int
    accuracy_percent: float
    note: str
    reviewed_at: datetime
    verdicts: list[FieldVerdictOut]


class AccuracyRowOut(Schema):
    engagement_id: int | None
    engagement: str
    client: str
    agent: str
    reviews: int
    fields_reviewed: int
    fields_correct: int
    accuracy_percent: float | None = Field(description="QA reviews only")
    double_keys: int = Field(description="settled double-keyed items the agent keyed")
    double_key_fields: int
    double_key_correct: int
    double_key_accuracy_percent: float | None
    combined_fields: int = Field(description="fields_reviewed + double_key_fields")
    combined_correct: int
    combined_accuracy_percent: float | None


class AccuracyOut(Schema):
    start: date | None
    end: date | None
    rows: list[AccuracyRowOut]
    by_agent: list[AccuracyRowOut]
    by_engagement: list[AccuracyRowOut]
    total: AccuracyRowOut


def qa_review_out(review: QaReview) -> dict[str, Any]:
    return {
        "id": review.pk,
        "item_id": review.item_id,
        "engagement_id": review.engagement_id,
        "agent": review.agent.username,
        "reviewer": review.reviewer.username,
        "decision": review.decision,
        "fields_reviewed": review.fields_reviewed,
        "fields_correct": review.fields_correct,
        "accuracy_percent": round(100 * review.accuracy, 1),
        "note": review.note,
        "reviewed_at": review.reviewed_at,
        "verdicts": [
            {
                "field": v.field,
                "verdict": v.verdict,
                "agent_value": v.agent_value,
                "corrected_value": v.corrected_value,
            }
            for v in review.verdicts.all()
        ],
    }


@router.get("/qa/items", response=ItemPageOut)
def qa_items(
    request: HttpRequest,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=500),
) -> dict:
    """Items waiting for QA review, most urgent first."""
    with _scope(request, Perm.REVIEW_WORK) as access:
        qs = (
            selectors.items(access, state=State.IN_REVIEW, engagement_id=engagement_id)
            .select_related("engagement__calendar", "engagement__tenant")
            .order_by("sla_due_at", "id")
        )
        return _item_page(qs, page, page_size)


@router.post("/items/{item_id}/qa-reviews", response={201: QaReviewOut})
def record_qa_review(request: HttpRequest, item_id: int, payload: QaReviewIn) -> Any:
    """Score the output field by field (`correct` / `corrected` with `value`), then
    `accept` (corrections become the output; the item is done) or `rework`."""
    access = _access(request)
    access.require(Perm.REVIEW_WORK)

    def create() -> tuple[int, dict]:
        set_rls_tenants({access.tenant.pk, *selectors.work_tenant_ids(access)})
        item = selectors.get_item(access, item_id)
        review = qa.record_qa_review(
            item=item,
            actor=access.user,
            verdicts={k: qa.FieldVerdict(v.verdict, v.value) for k, v in payload.verdicts.items()},
            decision=payload.decision,
            note=payload.note,
        )
        return 201, qa_review_out(review)

    return run_idempotent(request, create)


@router.get("/items/{item_id}/qa-reviews", response=list[QaReviewOut])
def list_qa_reviews(request: HttpRequest, item_id: int) -> list[dict]:
    """The item's QA reviews, oldest first (provider staff: agents, reviewers, leads)."""
    with _scope(request, Perm.VIEW_WORK) as access:
        if not any(access.can(p) for p in (Perm.PROCESS_WORK, Perm.REVIEW_WORK, Perm.ROUTE_WORK)):
            raise Forbidden("Your role may not read QA reviews.")
        item = selectors.get_item(access, item_id)
        reviews = item.qa_reviews.select_related("agent", "reviewer").prefetch_related("verdicts")
        return [qa_review_out(r) for r in reviews]


@router.get("/qa/accuracy", response=AccuracyOut)
def qa_accuracy(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    agent: str | None = None,
) -> dict:
    """Field accuracy per agent and engagement over a period of local dates (both included):
    from QA reviews, from settled double keys, and both combined."""
    with _scope(request, Perm.ROUTE_WORK) as access:
        period = metrics.period_for(access, start, end)
        report = metrics.accuracy_report(
            access, period=period, engagement_id=engagement_id, agent=agent
        )
        return {
            "start": start,
            "end": end,
            "rows": [r.as_dict() for r in report.rows],
            "by_agent": [r.as_dict() for r in report.by_agent],
            "by_engagement": [r.as_dict() for r in report.by_engagement],
            "total": report.total.as_dict(),
        }


# --- handle time -------------------------------------------------------------------------------


class HandleRowOut(Schema):
    engagement_id: int | None
    engagement: str
    client: str
    agent: str
    items: int
    completed: int
    total_seconds: float
    median_seconds: float | None
    p90_seconds: float | None
    items_per_hour: float | None


class HandleTimeOut(Schema):
    start: date | None
    end: date | None
    rows: list[HandleRowOut]
    by_agent: list[HandleRowOut]


@router.get("/handle-time", response=HandleTimeOut)
def handle_time(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    agent: str | None = None,
) -> dict:
    """Time agents held items in progress (from the items' events) per agent and engagement:
    items, items handed on, total, median and p90 seconds per item, items per hour."""
    with _scope(request, Perm.ROUTE_WORK) as access:
        period = metrics.period_for(access, start, end)
        report = metrics.handle_time_report(
            access, period=period, engagement_id=engagement_id, agent=agent
        )
        return {
            "start": start,
            "end": end,
            "rows": [r.as_dict() for r in report.rows],
            "by_agent": [r.as_dict() for r in report.by_agent],
        }


# --- double-key entry --------------------------------------------------------------------------


class DoubleKeyOut(Schema):
    item_id: int
    status: str
    first_agent: str
    first_output: dict
    second_agent: str | None
    second_output: dict | None
    mismatched_fields: list[str]
    adjudicator: str | None
    final_output: dict | None


class AdjudicationIn(Schema):
    values: dict[str, Any]


def _double_key_out(dk: DoubleKey) -> dict[str, Any]:
    return {
        "item_id": dk.item_id,
        "status": dk.status,
        "first_agent": dk.first_agent.username,
        "first_output": dk.first_output,
        "second_agent": dk.second_agent.username if dk.second_agent else None,
        "second_output": dk.second_output,
        "mismatched_fields": dk.mismatched_fields,
        "adjudicator": dk.adjudicator.username if dk.adjudicator else None,
        "final_output": dk.final_output,
    }


def _double_key_of(access: TenantAccess, item_id: int) -> tuple[WorkItem, DoubleKey]:
    item = selectors.get_item(access, item_id)
    dk = double_key.for_item(item)
    if dk is None:
        raise NotFound("This item has no double key.")
    return item, dk


@router.get("/items/{item_id}/double-key", response=DoubleKeyOut)
def get_double_key(request: HttpRequest, item_id: int) -> dict:
    """Both keys of a double-keyed item and the fields where they differ (reviewers)."""
    with _scope(request, Perm.REVIEW_WORK) as access:
        return _double_key_out(_double_key_of(access, item_id)[1])


@router.post("/items/{item_id}/double-key/adjudication", response=DoubleKeyOut)
def adjudicate_double_key(request: HttpRequest, item_id: int, payload: AdjudicationIn) -> dict:
    """A third person gives the right value of each mismatching field (null leaves it out);
    the item is done with the agreed fields plus these values."""
    with _scope(request, Perm.REVIEW_WORK) as access:
        item, _ = _double_key_of(access, item_id)
        return _double_key_out(
            double_key.adjudicate(item=item, actor=access.user, values=payload.values)
        )
