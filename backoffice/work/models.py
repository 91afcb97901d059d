"""Work engine: service catalogue, engagements, work items, their events, comments, queues.

Where rows live (see docs/work.md):
* `ServiceType` and `Queue` belong to the provider (its catalogue and its routing).
* Everything about a client's work (`BusinessCalendar`, `Engagement`, `WorkItem`, events,
  comments, attachments, intake batches) carries the CLIENT's tenant, so RLS and the scoped
  querysets hide it from every other client. An engagement pins a snapshot of its service
  type (schemas, workflow, instructions) so a client never needs to read provider rows and
  a catalogue edit never changes the rules of running work.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned, trigger_checked_tenant
from backoffice.work.calendar import CalendarSpec, parse_hours


class BillingUnit(models.TextChoices):
    ITEM = "item", "Item"
    PAGE = "page", "Page"
    LINE = "line", "Line"
    AUDIO_MINUTE = "audio_minute", "Audio minute"
    HOUR = "hour", "Hour"


class State(models.TextChoices):
    NEW = "new", "New"
    QUEUED = "queued", "Queued"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CLIENT = "waiting_on_client", "Waiting on client"
    IN_REVIEW = "in_review", "In review"
    REWORK = "rework", "Rework"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


# The state machine: every allowed (from, to). Anything else is refused by the services.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.NEW: frozenset({State.QUEUED, State.CANCELLED}),
    State.QUEUED: frozenset({State.IN_PROGRESS, State.WAITING_ON_CLIENT, State.CANCELLED}),
    State.IN_PROGRESS: frozenset(
        {
            State.QUEUED,
            State.WAITING_ON_CLIENT,
            State.IN_REVIEW,
            State.DONE,
            State.CANCELLED,
        }
    ),
    State.WAITING_ON_CLIENT: frozenset({State.QUEUED, State.IN_PROGRESS, State.CANCELLED}),
    State.IN_REVIEW: frozenset({State.DONE, State.REWORK, State.CANCELLED}),
    State.REWORK: frozenset({State.IN_PROGRESS, State.WAITING_ON_CLIENT, State.CANCELLED}),
    State.DONE: frozenset(),
    State.CANCELLED: frozenset(),
}
OPEN_STATES = frozenset(
    {
        State.NEW,
        State.QUEUED,
        State.IN_PROGRESS,
        State.WAITING_ON_CLIENT,
        State.IN_REVIEW,
        State.REWORK,
    }
)
CLAIMABLE_STATES = (State.QUEUED, State.REWORK)
# States whose SLA clock runs (waiting on the client is paused; done and cancelled are over).
SWEPT_STATES = ["new", "queued", "in_progress", "in_review", "rework"]


class ServiceType(TenantOwned):
    """A service the provider sells (its catalogue): how items look and how they flow."""

    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    instructions = models.TextField(blank=True, help_text="Shown to agents beside the form")
    input_schema = models.JSONField(default=dict, help_text="JSON Schema of the client's data")
    output_schema = models.JSONField(default=dict, help_text="JSON Schema of the agent's work")
    workflow = models.JSONField(
        default=list, help_text='Steps, e.g. [{"step": "capture", "role": "agent"}, ...]'
    )
    default_sla_minutes = models.PositiveIntegerField(default=480, help_text="Business minutes")
    qa_sample_percent = models.PositiveSmallIntegerField(default=10)
    billing_unit = models.CharField(
        max_length=20, choices=BillingUnit.choices, default=BillingUnit.ITEM
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="work_servicetype_code"),
            models.CheckConstraint(
                condition=Q(qa_sample_percent__lte=100), name="work_servicetype_qa_percent"
            ),
            models.CheckConstraint(
                condition=Q(default_sla_minutes__gt=0), name="work_servicetype_sla_positive"
            ),
            models.CheckConstraint(
                condition=Q(billing_unit__in=[u.value for u in BillingUnit]),
                name="work_servicetype_billing_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BusinessCalendar(TenantOwned):
    """A client's business time: zone, weekly hours, public holidays and own closures."""

    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="UTC")
    working_hours = models.JSONField(
        default=dict, help_text='{"mon": [["09:00", "17:00"]], ...}; a missing day is closed'
    )
    holiday_country = models.CharField(max_length=2, blank=True)
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    closures = models.JSONField(default=list, help_text="The client's own closed dates, ISO")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="work_calendar_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> CalendarSpec:
        return CalendarSpec(
            timezone=self.timezone,
            hours=parse_hours(self.working_hours),
            country=self.holiday_country,
            subdivision=self.holiday_subdivision,
            closures=frozenset(date.fromisoformat(d) for d in self.closures),
        )


class Engagement(TenantOwned):
    """A client's contract for one service type, with its SLA, calendar and team."""

    class SlaBasis(models.TextChoices):
        BUSINESS = "business", "Business time"
        ELAPSED = "elapsed", "Fixed turnaround (wall-clock)"

    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    # Snapshot of the service type, pinned when the engagement is made.
    service_name = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    input_schema = models.JSONField(default=dict)
    output_schema = models.JSONField(default=dict)
    workflow = models.JSONField(default=list)
    qa_sample_percent = models.PositiveSmallIntegerField(default=10)
    billing_unit = models.CharField(max_length=20, choices=BillingUnit.choices)
    # The service level.
    sla_minutes = models.PositiveIntegerField(help_text="Target turnaround in minutes")
    sla_basis = models.CharField(max_length=10, choices=SlaBasis.choices, default="business")
    sla_target_percent = models.PositiveSmallIntegerField(
        default=95, help_text="Share of items to finish within the SLA"
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        default=75, help_text="An item is at risk once this share of its SLA is used"
    )
    priority_rules = models.JSONField(
        default=list,
        help_text='[{"field": "amount", "gte": 10000, "priority": 8}, '
        '{"field": "urgent", "equals": true, "priority": 9}]',
    )
    idle_timeout_minutes = models.PositiveIntegerField(default=30)
    double_key = models.BooleanField(
        default=False,
        help_text="Two different agents key each item; mismatching fields are adjudicated",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="work_engagement_code"),
            models.CheckConstraint(condition=Q(sla_minutes__gt=0), name="work_engagement_sla"),
            models.CheckConstraint(
                condition=Q(sla_target_percent__gte=1, sla_target_percent__lte=100)
                & Q(at_risk_percent__gte=1, at_risk_percent__lte=100)
                & Q(qa_sample_percent__lte=100),
                name="work_engagement_percentages",
            ),
            models.CheckConstraint(
                condition=Q(sla_basis__in=["business", "elapsed"]), name="work_engagement_basis"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_review_step(self) -> bool:
        return any(step.get("step") == "review" for step in self.workflow)


class EngagementMember(TenantOwned):
    """The staff team that serves an engagement; leads are told about SLA risk."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_lead = models.BooleanField(default=False)
    skills = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "engagement", "user"], name="work_engagement_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.engagement}"


class EngagementGrant(TenantOwned):
    """One engagement a client member may see when their client admin narrowed them to named
    engagements (`Membership.all_engagements` off). Rows of a member who sees all are kept
    but unused, so switching back and forth loses nothing."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "engagement"], name="work_engagement_grant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.engagement}"


class IntakeBatch(TenantOwned):
    """One file (or bulk API call) of items and its per-row validation report."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
        VALID_ROWS = "valid_rows", "Valid rows only"

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=255)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_existing = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, help_text="[{row, field, message}], capped")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "engagement", "created_at"])]

    def __str__(self) -> str:
        return self.source


class WorkItem(TenantOwned):
    """One unit of client work moving through the state machine under an SLA clock."""

    # Single-column FK indexes are left out where a tenant-led index covers the reads or
    # the referenced row is practically never deleted: each index costs every intake row.
    # The references written at intake carry no per-row foreign-key triggers either (a
    # deferred RI check per row and reference was 40% of a bulk intake); on PostgreSQL
    # statement triggers check them set-based and keep them fixed (migration 0007).
    tenant = trigger_checked_tenant()
    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.PROTECT,
        related_name="items",
        db_index=False,
        db_constraint=False,
    )
    batch = models.ForeignKey(
        IntakeBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    external_ref = models.CharField(max_length=200)
    data = models.JSONField(default=dict)
    output = models.JSONField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW)
    priority = models.PositiveSmallIntegerField(default=5, help_text="0 (low) to 9 (urgent)")
    skill = models.CharField(max_length=50, blank=True)
    language = models.CharField(max_length=10, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    received_at = models.DateTimeField()
    sla_due_at = models.DateTimeField()
    # When the item turns at risk, stored with the due time whenever that is (re)computed,
    # so the SLA sweep reads only the items crossing a threshold (docs/work.md). Empty on
    # closed items from before it existed; the sweep fills it in on an open item it finds empty.
    sla_at_risk_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0, help_text="Business time paused so far")
    paused_at = models.DateTimeField(null=True, blank=True)
    at_risk = models.BooleanField(default=False)
    breached = models.BooleanField(default=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "engagement", "external_ref"], name="work_item_external_ref"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="work_item_state_valid"
            ),
            models.CheckConstraint(condition=Q(priority__lte=9), name="work_item_priority"),
            models.CheckConstraint(condition=Q(paused_seconds__gte=0), name="work_item_paused"),
            # Held by exactly one agent while in progress; nobody holds a queued item.
            models.CheckConstraint(
                condition=~Q(state="in_progress") | Q(assignee__isnull=False),
                name="work_item_in_progress_has_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["queued", "rework"]) | Q(assignee__isnull=True),
                name="work_item_queued_unassigned",
            ),
            models.CheckConstraint(
                condition=~Q(state="waiting_on_client") | Q(paused_at__isnull=False),
                name="work_item_waiting_is_paused",
            ),
        ]
        indexes = [
            # The claim path: most urgent claimable item first.
            models.Index(
                fields=["tenant", "engagement", "-priority", "sla_due_at", "id"],
                condition=Q(state__in=["queued", "rework"]),
                name="work_item_claimable",
            ),
            models.Index(fields=["tenant", "state", "sla_due_at"], name="work_item_state_due"),
            # The client dashboard's window reads (done per day, on time or late) as an
            # index-only range scan; intake never writes a done row, so it costs intake nothing.
            models.Index(
                fields=["tenant", "completed_at", "engagement", "sla_due_at"],
                condition=Q(state="done"),
                name="work_item_done",
            ),
            # The SLA sweep's two thresholds: open items not yet at risk by their at-risk
            # instant, and items at risk (a few) by their due time. Crossing one moves the
            # row out of the first index, so the sweep reads only what crosses now.
            models.Index(
                fields=["tenant", "sla_at_risk_at"],
                condition=Q(state__in=SWEPT_STATES, at_risk=False, breached=False),
                name="work_item_sla_risk",
            ),
            models.Index(
                fields=["tenant", "sla_due_at"],
                condition=Q(state__in=SWEPT_STATES, at_risk=True, breached=False),
                name="work_item_sla_breach",
            ),
            # Partial: intake writes unassigned rows, which never need this index.
            models.Index(
                fields=["tenant", "assignee", "state"],
                condition=Q(assignee__isnull=False),
                name="work_item_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.external_ref

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class WorkItemEvent(TenantOwned):
    """One state change of an item: who, when, from, to, why. Append-only.

    Written once per intake row, so, like the items, its references are checked by a
    statement trigger on PostgreSQL rather than per-row foreign-key triggers.
    """

    tenant = trigger_checked_tenant()
    # No index of its own: the (tenant, item, at) index serves every lookup, and one less
    # index to write is felt on every claim and every intake row.
    item = models.ForeignKey(
        WorkItem,
        on_delete=models.CASCADE,
        related_name="events",
        db_constraint=False,
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    at = models.DateTimeField()
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    # Who holds the item after this event (handle time is measured per holder). Empty on
    # events that hold nobody and on claim events written by the PostgreSQL claim
    # statement, whose actor is the holder.
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "item", "at"], name="work_event_item")]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class Comment(TenantOwned):
    """A message on an item between client and provider. A question pauses the SLA clock."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        QUESTION = "question", "Question to the client"
        ANSWER = "answer", "Answer from the client"

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField()
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "item", "created_at"], name="work_comment_item")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="answer") | Q(reply_to__isnull=False),
                name="work_comment_answer_replies",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.body[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"work/{instance.tenant_id}/{instance.item_id}/{filename}"


class Attachment(TenantOwned):
    """A file on an item, stored through Django's storage API."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "item"], name="work_attachment_item")]

    def __str__(self) -> str:
        return self.name


class Queue(TenantOwned):
    """A provider's routing queue: the claimable items matching its filters."""

    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service_type = models.ForeignKey(
        ServiceType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    skill = models.CharField(max_length=50, blank=True)
    language = models.CharField(max_length=10, blank=True)
    min_priority = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="work_queue_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def filters(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.engagement_id:
            out["engagement_id"] = self.engagement_id
        if self.service_type_id:
            out["engagement__service_type_id"] = self.service_type_id
        if self.skill:
            out["skill"] = self.skill
        if self.language:
            out["language"] = self.language
        if self.min_priority:
            out["priority__gte"] = self.min_priority
        return out


class QaReview(TenantOwned):
    """A reviewer's field-by-field check of an agent's output on a sampled item.

    Accuracy is `fields_correct / fields_reviewed`, per item (one review), and summed over
    reviews per agent and engagement for a period. The reviewer is never the agent.
    """

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted (corrections applied)"
        REWORK = "rework", "Sent back for rework"

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="qa_reviews")
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    fields_reviewed = models.PositiveIntegerField()
    fields_correct = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["reviewed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fields_reviewed__gte=1), name="work_qa_review_has_fields"
            ),
            models.CheckConstraint(
                condition=Q(fields_correct__lte=models.F("fields_reviewed")),
                name="work_qa_review_correct_le_reviewed",
            ),
            models.CheckConstraint(
                condition=~Q(reviewer=models.F("agent")), name="work_qa_review_not_own_work"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "rework"]), name="work_qa_review_decision"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "engagement", "reviewed_at"], name="work_qa_eng_time"),
            models.Index(fields=["tenant", "agent", "reviewed_at"], name="work_qa_agent_time"),
            models.Index(fields=["tenant", "item"], name="work_qa_item"),
        ]

    def __str__(self) -> str:
        return f"QA {self.item_id}: {self.fields_correct}/{self.fields_reviewed}"

    @property
    def accuracy(self) -> float:
        return self.fields_correct / self.fields_reviewed


class QaFieldVerdict(TenantOwned):
    """One field of a QA review: the agent's value was correct, or the reviewer corrected it."""

    class Verdict(models.TextChoices):
        CORRECT = "correct", "Correct"
        CORRECTED = "corrected", "Corrected"

    review = models.ForeignKey(QaReview, on_delete=models.CASCADE, related_name="verdicts")
    field = models.CharField(max_length=200)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    agent_value = models.JSONField(null=True, blank=True)
    corrected_value = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "review", "field"], name="work_qa_verdict_field"
            ),
            models.CheckConstraint(
                condition=(Q(verdict="correct") & Q(corrected_value__isnull=True))
                | (Q(verdict="corrected") & Q(corrected_value__isnull=False)),
                name="work_qa_verdict_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.verdict}"


class DoubleKey(TenantOwned):
    """Double-key entry of one item: two independent captures by different agents.

    Equal captures let the item move on; mismatching fields wait in review for a third
    person, who picks or edits each value (`adjudicated`).
    """

    class Status(models.TextChoices):
        AWAITING_SECOND = "awaiting_second", "Waiting for the second key"
        MATCHED = "matched", "Both keys match"
        MISMATCH = "mismatch", "Mismatch: waiting for adjudication"
        ADJUDICATED = "adjudicated", "Adjudicated"

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    first_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    first_output = models.JSONField()
    first_at = models.DateTimeField()
    second_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    second_output = models.JSONField(null=True, blank=True)
    second_at = models.DateTimeField(null=True, blank=True)
    mismatched_fields = models.JSONField(default=list, blank=True)
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    final_output = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "item"], name="work_double_key_item"),
            models.CheckConstraint(
                condition=Q(status__in=["awaiting_second", "matched", "mismatch", "adjudicated"]),
                name="work_double_key_status",
            ),
            # The same agent may not key both captures, nor adjudicate their own keys.
            models.CheckConstraint(
                condition=~Q(second_agent=models.F("first_agent")),
                name="work_double_key_two_agents",
            ),
            models.CheckConstraint(
                condition=~Q(adjudicator=models.F("first_agent"))
                & ~Q(adjudicator=models.F("second_agent")),
                name="work_double_key_third_person",
            ),
            models.CheckConstraint(
                condition=(Q(status="awaiting_second") & Q(second_agent__isnull=True))
                | (~Q(status="awaiting_second") & Q(second_agent__isnull=False)),
                name="work_double_key_second_capture",
            ),
            models.CheckConstraint(
                condition=(Q(status="adjudicated") & Q(adjudicator__isnull=False))
                | (~Q(status="adjudicated") & Q(adjudicator__isnull=True)),
                name="work_double_key_adjudicator",
            ),
        ]

    def __str__(self) -> str:
        return f"double key {self.item_id}: {self.status}"
