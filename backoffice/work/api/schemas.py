"""Request and response shapes of the work API (OpenAPI components keep these names)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from backoffice.api.params import Code, Id, Minutes
from backoffice.work.models import IntakeBatch


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
    code: Code
    template: str | None = None
    name: str | None = None
    description: str | None = None
    instructions: str | None = None
    input_schema: dict | None = None
    output_schema: dict | None = None
    workflow: list | None = None
    default_sla_minutes: Minutes | None = None
    qa_sample_percent: int | None = Field(None, ge=0, le=100)
    billing_unit: str | None = None


class CalendarIn(Schema):
    timezone: str | None = None
    working_hours: dict | None = None
    holiday_country: str | None = None
    holiday_subdivision: str = ""
    closures: list[str] = []


class EngagementIn(Schema):
    code: Code
    name: str = ""
    service_type_id: Id
    sla_minutes: Minutes | None = None
    sla_basis: str = "business"
    sla_target_percent: int = Field(95, ge=1, le=100)
    at_risk_percent: int = Field(75, ge=1, le=100)
    priority_rules: list[dict] = []
    idle_timeout_minutes: Minutes = 30
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


class RevealIn(Schema):
    field: str = Field(
        ..., max_length=120, description='A confidential field: "data.<name>" or "output.<name>"'
    )
    reason: str = Field("", max_length=500, description="Why you need the value (audited)")


class RevealOut(Schema):
    field: str
    value: Any


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


class ItemPageOut(Schema):
    items: list[ItemOut]
    count: int
    page: int
    pages: int


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
