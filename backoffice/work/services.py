"""State changes of the work engine. One transaction each, audited in that transaction.

Every change of an item's state goes through `_move`, which checks the state machine,
writes a `WorkItemEvent` (actor, time, from, to, note) and an audit event together with
the change itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any

import psycopg
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backoffice.audit.services import PendingEvent, record_event, record_events
from backoffice.core.ahead import ahead
from backoffice.core.context import request_id_var
from backoffice.core.errors import Conflict, DomainError, Forbidden, NotFound
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import accessible_tenants
from backoffice.work import bulk, catalog
from backoffice.work.calendar import CalendarError, CalendarSpec, calendar_for, parse_hours
from backoffice.work.models import (
    CLAIMABLE_STATES,
    TRANSITIONS,
    Attachment,
    BusinessCalendar,
    Comment,
    DoubleKey,
    Engagement,
    EngagementMember,
    IntakeBatch,
    Queue,
    ServiceType,
    State,
    WorkItem,
    WorkItemEvent,
)
from backoffice.work.schema import check_schema, field_errors, validate
from backoffice.work.schema import fast_check as schema_fast_check

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/tiff": (".tif", ".tiff"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "audio/mpeg": (".mp3",),
    "audio/wav": (".wav",),
    "audio/x-wav": (".wav",),
}
MAX_REF = 200
REPORT_CAP = 1000
BATCH_SIZE = 10_000
KEEP_ITEMS = 10_000  # bigger intakes do not keep the created rows in memory


# --- catalogue, calendars, engagements, queues -------------------------------------------


def create_service_type(
    *,
    provider: Organization,
    actor: User | None,
    code: str,
    template: str | None = None,
    **fields: Any,
) -> ServiceType:
    """A catalogue entry of the provider, optionally from one of the shipped templates."""
    if not provider.is_provider:
        raise DomainError("Service types belong to the provider's catalogue.", code="not_provider")
    values: dict[str, Any] = {}
    if template:
        if template not in catalog.TEMPLATES:
            raise DomainError(
                f"Unknown template {template!r}.", fields={"template": ["unknown template"]}
            )
        values.update(json.loads(json.dumps(catalog.TEMPLATES[template])))
    values.update(fields)
    if not values.get("name"):
        raise DomainError("A service type needs a name.", fields={"name": ["required"]})
    for key in ("input_schema", "output_schema"):
        check_schema(values.get(key) or {"type": "object"})
    _check_workflow(values.get("workflow") or catalog.CAPTURE_DONE)
    with transaction.atomic():
        if ServiceType.objects.for_tenant(provider).filter(code=code).exists():
            raise Conflict(f"Service type {code!r} exists.", fields={"code": ["already used"]})
        st = ServiceType.objects.create(tenant=provider, code=code, **values)
        record_event(tenant=provider, actor=actor, action="work.service_type_created", obj=st)
    return st


def _check_workflow(workflow: Any) -> None:
    from backoffice.tenancy.roles import Role

    if not isinstance(workflow, list) or not workflow:
        raise DomainError("A workflow is a non-empty list of steps.", code="invalid_workflow")
    for step in workflow:
        if not isinstance(step, dict) or not step.get("step") or step.get("role") not in Role:
            raise DomainError(
                "Each workflow step needs a name and a role.",
                code="invalid_workflow",
                fields={"workflow": [f"bad step {step!r}"]},
            )


def create_calendar(
    *,
    tenant: Organization,
    actor: User | None,
    name: str,
    timezone_name: str | None = None,
    working_hours: dict[str, Any] | None = None,
    holiday_country: str | None = None,
    holiday_subdivision: str = "",
    closures: Sequence[str] = (),
) -> BusinessCalendar:
    """A business calendar; defaults follow the client's zone and country, Mon-Fri 9-17."""
    hours = working_hours or {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    cal = BusinessCalendar(
        tenant=tenant,
        name=name,
        timezone=timezone_name or tenant.timezone,
        working_hours=hours,
        holiday_country=tenant.country if holiday_country is None else holiday_country,
        holiday_subdivision=holiday_subdivision,
        closures=sorted(closures),
    )
    try:
        spec_of(cal)
    except (CalendarError, ValueError) as exc:
        raise DomainError(str(exc), code="invalid_calendar") from exc
    with transaction.atomic():
        cal.save()
        record_event(tenant=tenant, actor=actor, action="work.calendar_created", obj=cal)
    return cal


_SPECS: dict[tuple[Any, ...], CalendarSpec] = {}


def spec_of(cal: BusinessCalendar) -> CalendarSpec:
    """The calendar's compiled-spec key, memoised by content (rows are read often)."""
    key = (
        cal.timezone,
        json.dumps(cal.working_hours, sort_keys=True),
        cal.holiday_country,
        cal.holiday_subdivision,
        tuple(cal.closures),
    )
    spec = _SPECS.get(key)
    if spec is None:
        spec = CalendarSpec(
            timezone=cal.timezone,
            hours=parse_hours(cal.working_hours),
            country=cal.holiday_country,
            subdivision=cal.holiday_subdivision,
            closures=frozenset(datetime.fromisoformat(d).date() for d in cal.closures),
        )
        _SPECS[key] = spec
    return spec


def create_engagement(
    *,
    tenant: Organization,
    actor: User | None,
    service_type: ServiceType,
    calendar: BusinessCalendar,
    code: str,
    name: str = "",
    sla_minutes: int | None = None,
    sla_basis: str = Engagement.SlaBasis.BUSINESS,
    sla_target_percent: int = 95,
    at_risk_percent: int = 75,
    priority_rules: list[dict[str, Any]] | None = None,
    idle_timeout_minutes: int = 30,
    double_key: bool = False,
) -> Engagement:
    """A client's contract for a service type; pins a snapshot of the service type."""
    if tenant.is_provider or tenant.provider_id != service_type.tenant_id:
        raise NotFound("No such service type.")
    if calendar.tenant_id != tenant.pk:
        raise NotFound("No such calendar.")
    _check_priority_rules(priority_rules or [])
    with transaction.atomic():
        if Engagement.objects.for_tenant(tenant).filter(code=code).exists():
            raise Conflict(f"Engagement {code!r} exists.", fields={"code": ["already used"]})
        engagement = Engagement.objects.create(
            tenant=tenant,
            code=code,
            name=name or service_type.name,
            service_type=service_type,
            calendar=calendar,
            service_name=service_type.name,
            instructions=service_type.instructions,
            input_schema=service_type.input_schema,
            output_schema=service_type.output_schema,
            workflow=service_type.workflow,
            qa_sample_percent=service_type.qa_sample_percent,
            billing_unit=service_type.billing_unit,
            sla_minutes=sla_minutes or service_type.default_sla_minutes,
            sla_basis=sla_basis,
            sla_target_percent=sla_target_percent,
            at_risk_percent=at_risk_percent,
            priority_rules=priority_rules or [],
            idle_timeout_minutes=idle_timeout_minutes,
            double_key=double_key,
        )
        record_event(tenant=tenant, actor=actor, action="work.engagement_created", obj=engagement)
    return engagement


def _check_priority_rules(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        ok = (
            isinstance(rule, dict)
            and isinstance(rule.get("field"), str)
            and isinstance(rule.get("priority"), int)
            and 0 <= rule["priority"] <= 9
            and ("equals" in rule or "gte" in rule)
        )
        if not ok:
            raise DomainError(
                "A priority rule is {field, equals|gte, priority 0-9}.",
                fields={"priority_rules": [f"bad rule {rule!r}"]},
            )


def add_team_member(
    *, engagement: Engagement, user: User, actor: User | None, is_lead: bool = False
) -> EngagementMember:
    with transaction.atomic():
        member, _ = EngagementMember.objects.for_tenant(engagement.tenant_id).update_or_create(
            tenant_id=engagement.tenant_id,
            engagement=engagement,
            user=user,
            defaults={"is_lead": is_lead},
        )
        record_event(
            tenant=engagement.tenant_id,
            actor=actor,
            action="work.team_member_set",
            obj=member,
            after={"user": user.username, "is_lead": is_lead},
        )
    return member


def create_queue(
    *,
    provider: Organization,
    actor: User | None,
    code: str,
    name: str,
    engagement: Engagement | None = None,
    service_type: ServiceType | None = None,
    skill: str = "",
    language: str = "",
    min_priority: int = 0,
) -> Queue:
    if not provider.is_provider:
        raise DomainError("Queues belong to the provider.", code="not_provider")
    with transaction.atomic():
        queue = Queue.objects.create(
            tenant=provider,
            code=code,
            name=name,
            engagement=engagement,
            service_type=service_type,
            skill=skill,
            language=language,
            min_priority=min_priority,
        )
        record_event(tenant=provider, actor=actor, action="work.queue_created", obj=queue)
    return queue


# --- SLA clock -------------------------------------------------------------------------------


def due_at(engagement: Engagement, start: datetime, paused_seconds: int = 0) -> datetime:
    """The SLA due time: SLA plus paused time, in business time or wall-clock time."""
    total = timedelta(minutes=engagement.sla_minutes, seconds=paused_seconds)
    if engagement.sla_basis == Engagement.SlaBasis.ELAPSED:
        return start + total
    return calendar_for(spec_of(engagement.calendar)).add(start, total)


def clock_between(engagement: Engagement, a: datetime, b: datetime) -> timedelta:
    if engagement.sla_basis == Engagement.SlaBasis.ELAPSED:
        return b - a
    return calendar_for(spec_of(engagement.calendar)).between(a, b)


def sla_used(item: WorkItem, engagement: Engagement, now: datetime) -> timedelta:
    """SLA time consumed so far (paused time excluded, the current pause too)."""
    until = item.paused_at or item.completed_at or now
    used = clock_between(engagement, item.received_at, until)
    return used - timedelta(seconds=item.paused_seconds)


def priority_for(engagement: Engagement, data: dict[str, Any]) -> int:
    """The first matching priority rule wins; 5 when none matches."""
    for rule in engagement.priority_rules:
        value = data.get(rule["field"])
        if "equals" in rule and value == rule["equals"]:
            return int(rule["priority"])
        if "gte" in rule:
            try:
                if value is not None and float(value) >= float(rule["gte"]):
                    return int(rule["priority"])
            except (TypeError, ValueError):
                continue
    return 5


# --- intake ----------------------------------------------------------------------------------


@dataclass
class ItemInput:
    external_ref: str
    data: dict[str, Any]
    priority: int | None = None
    skill: str = ""
    language: str = ""
    unreadable: bool = False  # the file's row could not be read at all
    row: int = 0  # the row number in the source file, when it is not first_row + offset
    # What reading the file found wrong with the row: (field, message); "" is the row.
    problems: tuple[tuple[str, str], ...] = ()


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class IntakeResult:
    batch: IntakeBatch | None
    created: int = 0
    existing: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)


def _ref_errors(ref: Any) -> list[str]:
    if not isinstance(ref, str) or not ref.strip():
        return ["An external reference is required."]
    if len(ref) > MAX_REF:
        return [f"At most {MAX_REF} characters."]
    return []


def submit_item(
    *,
    engagement: Engagement,
    actor: User | None,
    external_ref: str,
    data: dict[str, Any],
    priority: int | None = None,
    skill: str = "",
    language: str = "",
) -> tuple[WorkItem, bool]:
    """Submit one item; a retry with the same external reference returns the existing item."""
    _require_active(engagement)
    fields: dict[str, list[str]] = {}
    if errs := _ref_errors(external_ref):
        fields["external_ref"] = errs
    if priority is not None and not 0 <= priority <= 9:
        fields["priority"] = ["Between 0 and 9."]
    if not isinstance(data, dict):
        fields["data"] = ["An object is required."]
    else:
        for path, messages in field_errors(engagement.input_schema, data).items():
            fields[f"data.{path}" if path else "data"] = messages
    existing = _existing_item(engagement, external_ref) if not fields.get("external_ref") else None
    if existing is not None:
        return existing, False
    if fields:
        raise DomainError(
            "The item does not match the service's schema.", code="schema_violation", fields=fields
        )
    try:
        with transaction.atomic():
            result = _create_items(
                engagement=engagement,
                actor=actor,
                rows=[ItemInput(external_ref, data, priority, skill, language)],
                batch=None,
            )
            record_event(
                tenant=engagement.tenant_id,
                actor=actor,
                action="work.item_submitted",
                obj=result[0],
                after={"external_ref": external_ref, "state": State.QUEUED},
            )
    except IntegrityError:
        existing = _existing_item(engagement, external_ref)
        if existing is None:
            raise
        return existing, False
    return result[0], True


def _existing_item(engagement: Engagement, external_ref: str) -> WorkItem | None:
    return (
        WorkItem.objects.for_tenant(engagement.tenant_id)
        .filter(engagement=engagement, external_ref=external_ref)
        .first()
    )


def _require_active(engagement: Engagement) -> None:
    if not engagement.is_active:
        raise DomainError("This engagement is closed to new work.", code="engagement_inactive")


class _RowCheck:
    """Bulk intake's per-row validation; accumulates the report as rows pass through."""

    def __init__(self, engagement: Engagement) -> None:
        self.schema = engagement.input_schema
        self.fast = schema_fast_check(self.schema)
        self.errors: list[RowError] = []
        self.bad_rows = 0
        self.seen: set[str] = set()

    def accepts(self, row: int, item: ItemInput) -> bool:
        ref, priority = item.external_ref, item.priority
        if (  # the common case, decided without building anything
            not item.problems
            and not item.unreadable
            and type(ref) is str
            and 0 < len(ref) <= MAX_REF
            and ref not in self.seen
            and (priority is None or 0 <= priority <= 9)
            and self.fast is not None
            and ref.strip()
            and self.fast(item.data)
        ):
            self.seen.add(ref)
            return True
        return self._judge(row, item)

    def _judge(self, row: int, item: ItemInput) -> bool:
        read = [RowError(row, name, message) for name, message in item.problems]
        if item.unreadable:
            self.errors.extend(read)
            self.bad_rows += 1
            return False
        row_errors = [RowError(row, "external_ref", m) for m in _ref_errors(item.external_ref)]
        if not row_errors and item.external_ref in self.seen:
            row_errors.append(RowError(row, "external_ref", "Duplicate in this batch."))
        if item.priority is not None and not 0 <= item.priority <= 9:
            row_errors.append(RowError(row, "priority", "Between 0 and 9."))
        if self.fast is None or not self.fast(item.data):
            for path, messages in field_errors(self.schema, item.data).items():
                row_errors.extend(RowError(row, path or "data", m) for m in messages)
        if read:  # a field reading already faulted is not reported twice
            already = {e.field for e in read}
            row_errors = read + [e for e in row_errors if e.field not in already]
        if row_errors:
            self.errors.extend(row_errors)
            self.bad_rows += 1
            return False
        self.seen.add(item.external_ref)
        return True


def submit_items(
    *,
    engagement: Engagement,
    actor: User | None,
    rows: Iterable[ItemInput],
    mode: str = IntakeBatch.Mode.ALL_OR_NOTHING,
    source: str = "api",
    first_row: int = 1,
    progress: Any = None,
) -> IntakeResult:
    """Bulk intake: validate every row and write the valid ones, in one transaction.

    Reading and checking run a chunk ahead in a thread (`core.ahead`) while the database
    writes the chunk before, so a big file costs about the larger of the two, not their
    sum. All-or-nothing stops writing at the first error, checks the rest for the report,
    then raises — rolling back whatever was written. Existing external references are not
    errors: they are counted and left alone, so a retried upload is safe. `rows` may be
    lazy (a file being read); problems found while reading travel on each row.
    """
    _require_active(engagement)
    if mode not in IntakeBatch.Mode.values:
        raise DomainError(
            "Unknown intake mode.", fields={"mode": [f"one of {IntakeBatch.Mode.values}"]}
        )
    check = _RowCheck(engagement)
    all_or_nothing = mode == IntakeBatch.Mode.ALL_OR_NOTHING

    def checked() -> Iterator[tuple[int, list[tuple[ItemInput, int]]]]:
        """(rows read so far, the chunk's valid rows with their priorities)."""
        source_rows = iter(rows)
        total = 0
        while chunk := list(islice(source_rows, BATCH_SIZE)):
            valid = []
            for offset, item in enumerate(chunk, total):
                if check.accepts(item.row or first_row + offset, item):
                    priority = item.priority
                    if priority is None:
                        priority = priority_for(engagement, item.data)
                    valid.append((item, priority))
            total += len(chunk)
            yield total, valid

    created: list[int] = []
    total = written = existing_count = 0
    with transaction.atomic():
        was_empty = (
            not WorkItem.objects.for_tenant(engagement.tenant_id)
            .filter(engagement=engagement)
            .exists()
        )
        batch = IntakeBatch.objects.create(
            tenant_id=engagement.tenant_id,
            engagement=engagement,
            source=source[:255],
            mode=mode,
            created_by=actor,
        )
        now = timezone.now()
        due = due_at(engagement, now)
        with closing(ahead(checked())) as chunks:
            for total, valid in chunks:
                if progress is not None:
                    progress(total)
                if not was_empty:
                    existing = _existing_refs(engagement, [item.external_ref for item, _ in valid])
                    fresh = [pair for pair in valid if pair[0].external_ref not in existing]
                    existing_count += len(valid) - len(fresh)
                    valid = fresh
                if all_or_nothing and check.errors:
                    continue  # nothing of this batch will stay; only the report is wanted
                ids = bulk.insert_items(
                    tenant_id=engagement.tenant_id,
                    engagement_id=engagement.pk,
                    batch_id=batch.pk,
                    actor_id=actor.pk if actor is not None else None,
                    rows=valid,
                    now=now,
                    due=due,
                )
                written += len(ids)
                if written <= KEEP_ITEMS:
                    created.extend(ids)
                if progress is not None:
                    progress(total, written=written)
        errors = sorted(check.errors, key=lambda e: e.row)
        rejected = check.bad_rows
        if errors and all_or_nothing:
            raise DomainError(
                f"{rejected} row(s) are invalid; nothing was imported.",
                code="intake_rejected",
                fields={"rows": [e.as_dict() for e in errors[:REPORT_CAP]]},
            )
        batch.rows_total = total
        batch.rows_created = written
        batch.rows_existing = existing_count
        batch.rows_rejected = rejected
        batch.report = [e.as_dict() for e in errors[:REPORT_CAP]]
        batch.save(
            update_fields=["rows_total", "rows_created", "rows_existing", "rows_rejected", "report"]
        )
        record_events(
            tenant=engagement.tenant_id,
            actor=actor,
            events=[
                PendingEvent(
                    "work.items_submitted",
                    "work.intakebatch",
                    str(batch.pk),
                    None,
                    {
                        "source": batch.source,
                        "created": written,
                        "existing": existing_count,
                        "rejected": rejected,
                    },
                )
            ],
        )
    return IntakeResult(
        batch=batch,
        created=written,
        existing=existing_count,
        rejected=rejected,
        errors=errors,
        item_ids=created if written <= KEEP_ITEMS else [],
    )


def _existing_refs(engagement: Engagement, refs: list[str]) -> set[str]:
    found: set[str] = set()
    qs = WorkItem.objects.for_tenant(engagement.tenant_id).filter(engagement=engagement)
    for start in range(0, len(refs), 5000):
        chunk = refs[start : start + 5000]
        found.update(qs.filter(external_ref__in=chunk).values_list("external_ref", flat=True))
    return found


def _create_items(
    *,
    engagement: Engagement,
    actor: User | None,
    rows: Sequence[ItemInput],
    batch: IntakeBatch | None,
) -> list[WorkItem]:
    """Insert queued items and their intake events (caller holds the transaction)."""
    now = timezone.now()
    due = due_at(engagement, now)
    actor_id = actor.pk if actor is not None else None
    items = []
    for row in rows:
        priority = row.priority if row.priority is not None else priority_for(engagement, row.data)
        items.append(
            WorkItem(
                tenant_id=engagement.tenant_id,
                engagement=engagement,
                batch=batch,
                external_ref=row.external_ref,
                data=row.data,
                state=State.QUEUED,
                priority=priority,
                skill=row.skill,
                language=row.language,
                received_at=now,
                sla_due_at=due,
                created_by_id=actor_id,
            )
        )
    WorkItem.objects.bulk_create(items)
    WorkItemEvent.objects.bulk_create(
        [
            WorkItemEvent(
                tenant_id=engagement.tenant_id,
                item_id=item.pk,
                actor_id=actor_id,
                at=now,
                from_state=State.NEW,
                to_state=State.QUEUED,
                note="submitted",
            )
            for item in items
        ]
    )
    return items


# --- transitions -----------------------------------------------------------------------------


def _lock(item: WorkItem) -> WorkItem:
    """Re-read the item under a row lock (fresh state, serialised writers)."""
    return WorkItem.objects.for_tenant(item.tenant_id).select_for_update().get(pk=item.pk)


def _move(
    item: WorkItem,
    to: str,
    *,
    actor: User | None,
    note: str = "",
    action: str = "work.item_transitioned",
    now: datetime | None = None,
    audit_lane: int = 0,
    **changes: Any,
) -> WorkItem:
    """Apply one legal transition with its event and audit record (inside a transaction)."""
    if to not in TRANSITIONS.get(item.state, frozenset()):
        raise Conflict(
            f"An item cannot go from {item.state} to {to}.",
            code="illegal_transition",
            fields={"state": [f"{item.state} → {to} is not allowed"]},
        )
    now = now or timezone.now()
    before = item.state
    item.state = to
    item.last_activity_at = now
    if to in CLAIMABLE_STATES:
        changes.setdefault("assignee", None)
        changes.setdefault("claimed_at", None)
    if to in (State.DONE, State.CANCELLED):
        item.completed_at = now
    for name, value in changes.items():
        setattr(item, name, value)
    fields = ["state", "last_activity_at", "completed_at", *changes]
    item.save(update_fields=fields)
    WorkItemEvent.objects.create(
        tenant_id=item.tenant_id,
        item=item,
        actor=actor,
        at=now,
        from_state=before,
        to_state=to,
        note=note[:2000],
        holder_id=item.assignee_id,
    )
    record_event(
        tenant=item.tenant_id,
        actor=actor,
        action=action,
        obj=item,
        before={"state": before},
        after={"state": to, "note": note[:200]} if note else {"state": to},
        lane=audit_lane,
    )
    return item


def transition_item(*, item: WorkItem, actor: User | None, to: str, note: str = "") -> WorkItem:
    """Move an item along the state machine; illegal transitions are refused (409)."""
    if to not in State.values:
        raise DomainError(f"Unknown state {to!r}.", fields={"state": ["unknown state"]})
    if to == State.WAITING_ON_CLIENT:
        raise DomainError("Ask the client a question to wait on them.", code="use_ask_client")
    with transaction.atomic():
        item = _lock(item)
        if item.state == State.WAITING_ON_CLIENT and to != State.CANCELLED:
            raise Conflict("The item waits for the client's answer.", code="waiting_on_client")
        held_by_other = item.assignee_id is not None and (
            actor is None or item.assignee_id != actor.pk
        )
        if item.state == State.IN_PROGRESS and to != State.CANCELLED and held_by_other:
            raise Conflict("Another agent holds this item.", code="held_by_other")
        if item.state == State.IN_REVIEW and to != State.CANCELLED:
            _refuse_pending_adjudication(item)
        if to == State.IN_PROGRESS:
            if actor is None:
                raise DomainError("Someone must hold an item in progress.")
            _refuse_first_keyer(item, actor)
            return _move(
                item, to, actor=actor, note=note, assignee=actor, claimed_at=timezone.now()
            )
        return _move(item, to, actor=actor, note=note)


def _refuse_pending_adjudication(item: WorkItem) -> None:
    """A double-key mismatch is settled by adjudication, not by an accept or a rework."""
    if item.engagement.double_key:
        from backoffice.work import double_key

        if double_key.pending_adjudication(item) is not None:
            raise Conflict(
                "The two keys differ: settle the mismatching fields first.",
                code="needs_adjudication",
            )


def _refuse_first_keyer(item: WorkItem, user: User) -> None:
    """The agent who gave the first key may not be given the second."""
    if item.engagement.double_key:
        from backoffice.work import double_key

        if double_key.keyed_first_by(item, user):
            raise Conflict(
                f"{user.username} gave this item's first key: another agent must key it.",
                code="same_agent",
                fields={"assignee": ["gave the first key"]},
            )


def served_tenant_ids(agent: User) -> list[int]:
    """Client tenants where the user may process work (their memberships, or provider-wide)."""
    return [
        org.pk
        for org, role in accessible_tenants(agent)
        if not org.is_provider and Perm.PROCESS_WORK in _perms(role)
    ]


def _perms(role: str) -> frozenset[str]:
    from backoffice.tenancy.roles import ROLE_PERMISSIONS

    return ROLE_PERMISSIONS.get(role, frozenset())


def eligible_engagement_ids(
    agent: User, tenant_ids: list[int], queue: Queue | None = None
) -> list[int]:
    """Engagements the agent may take work from: active, and on the team when it has one."""
    engagements = Engagement.objects.for_tenants(tenant_ids).filter(is_active=True)
    if queue is not None and queue.engagement_id:
        engagements = engagements.filter(pk=queue.engagement_id)
    if queue is not None and queue.service_type_id:
        engagements = engagements.filter(service_type_id=queue.service_type_id)
    ids = list(engagements.values_list("pk", flat=True))
    teams: dict[int, set[int]] = {}
    for eng_id, user_id in (
        EngagementMember.objects.for_tenants(tenant_ids)
        .filter(engagement_id__in=ids)
        .values_list("engagement_id", "user_id")
    ):
        teams.setdefault(eng_id, set()).add(user_id)
    return [e for e in ids if e not in teams or agent.pk in teams[e]]


def claim_next_item(
    *,
    agent: User,
    queue: Queue | None = None,
    tenant_ids: list[int] | None = None,
    engagement_ids: list[int] | None = None,
) -> WorkItem | None:
    """Give the agent the most urgent eligible item, atomically; None when nothing is left.

    PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` lets concurrent agents pass over rows
    another agent is claiming. SQLite: the IMMEDIATE transaction takes the write lock at
    BEGIN, so the select and the update run alone (one writer at a time).
    Agents serve several client tenants: the claim looks across all of them.
    """
    if tenant_ids is None:
        tenant_ids = served_tenant_ids(agent)
    if not tenant_ids:
        return None
    if engagement_ids is None:
        engagement_ids = eligible_engagement_ids(agent, tenant_ids, queue)
    if not engagement_ids:
        return None
    filters: dict[str, Any] = {}
    if queue is not None:
        filters = {k: v for k, v in queue.filters().items() if not k.startswith("engagement")}
    if connection.vendor == "postgresql":
        return _claim_postgres(agent, tenant_ids, engagement_ids, filters)
    with transaction.atomic():
        keyed_first = DoubleKey.objects.for_tenants(tenant_ids).filter(
            status=DoubleKey.Status.AWAITING_SECOND, first_agent=agent
        )
        item = (
            WorkItem.objects.for_tenants(tenant_ids)
            .filter(engagement_id__in=engagement_ids, state__in=CLAIMABLE_STATES, **filters)
            .exclude(pk__in=keyed_first.values("item_id"))
            .order_by("-priority", "sla_due_at", "id")
            .first()
        )
        if item is None:
            return None
        now = timezone.now()
        return _move(
            item,
            State.IN_PROGRESS,
            actor=agent,
            action="work.item_claimed",
            now=now,
            audit_lane=claim_lane(agent),
            assignee=agent,
            claimed_at=now,
        )


def _claim_postgres(
    agent: User, tenant_ids: list[int], engagement_ids: list[int], filters: dict[str, Any]
) -> WorkItem | None:
    """One statement, `work_claim_next` (work migration 0009): pick with SKIP LOCKED, move,
    log and append the audit event, server-side. Outside a transaction the statement is
    its own; inside one it joins it.

    The pick reads each eligible engagement's claimable index in order and stops at its
    first unlocked row (LATERAL … LIMIT 1), then takes the most urgent of those: a few
    index probes however long the queues. Same effect as `_move(item, IN_PROGRESS)`
    without the ORM's read-modify-write: only queued and rework rows are picked.

    The function turns off the wait for the WAL flush at commit for its transaction: a
    claim holds its audit lane's head until commit, and waiting for the disk there would
    serialise agents behind fsync. A crash can lose the last few hundred milliseconds of
    claims — item, event and audit record together — and those items are still queued.
    """
    now = timezone.now()
    request_id = request_id_var.get()
    params = [
        agent.pk,
        tenant_ids,
        engagement_ids,
        filters.get("skill"),
        filters.get("language"),
        filters.get("priority__gte"),
        now,
        # The hash's canonical JSON of the two free-text values, as `event_hash` writes it.
        json.dumps(now.isoformat(timespec="microseconds")),
        request_id,
        json.dumps(request_id, ensure_ascii=False),
        claim_lane(agent),
    ]
    connection.ensure_connection()
    with connection.wrap_database_errors:
        # Server-side binding, prepared once per connection: the claim is the hottest
        # statement there is, and Django's client-side quoting and `raw()` model building
        # cost as much Python as the database spends on the whole claim.
        cursor = psycopg.Cursor(connection.connection)
        try:
            cursor.execute(_CLAIM_SQL, params, prepare=True)
            row = cursor.fetchone()
            if row is None:
                return None
            result = cursor.pgresult
            assert result is not None
            names = tuple(result.fname(i) or b"" for i in range(result.nfields))
            return _item_loader(names)(row)
        finally:
            cursor.close()


_CLAIM_SQL = (
    "SELECT * FROM work_claim_next(%s::bigint, %s::bigint[], %s::bigint[], %s::text, "
    "%s::text, %s::integer, %s::timestamptz, %s::text, %s::text, %s::text, %s::integer)"
)


@lru_cache(maxsize=8)
def _item_loader(columns: tuple[bytes, ...]) -> Callable[[tuple[Any, ...]], WorkItem]:
    """Turns a row of the table's own type into a `WorkItem`, as the ORM would load it;
    worked out once per column list."""
    where = {name.decode(): i for i, name in enumerate(columns)}
    fields = WorkItem._meta.concrete_fields
    plan = [
        (where[f.column or f.attname], f if hasattr(f, "from_db_value") else None) for f in fields
    ]
    attnames = [f.attname for f in fields]

    def load(row: tuple[Any, ...]) -> WorkItem:
        values = []
        for i, f in plan:
            value = row[i]
            if f is not None and value is not None:
                value = f.from_db_value(value, None, connection)
            values.append(value)
        return WorkItem.from_db(connection.alias, attnames, values)

    return load


CLAIM_LANES = 16


def claim_lane(agent: User) -> int:
    """The audit lane of an agent's claims (1…16): agents of one client claiming at once
    append to different chain heads instead of queueing behind lane 0's."""
    return 1 + agent.pk % CLAIM_LANES


def assign_item(*, item: WorkItem, assignee: User, actor: User, note: str = "") -> WorkItem:
    """A team lead gives (or re-gives) an item to an agent who serves its tenant."""
    if item.tenant_id not in served_tenant_ids(assignee):
        raise DomainError(
            "That person does not serve this client.", fields={"assignee": ["not on this client"]}
        )
    with transaction.atomic():
        item = _lock(item)
        _refuse_first_keyer(item, assignee)
        now = timezone.now()
        if item.state == State.IN_PROGRESS:
            previous = item.assignee
            item.assignee = assignee
            item.claimed_at = now
            item.last_activity_at = now
            item.save(update_fields=["assignee", "claimed_at", "last_activity_at"])
            WorkItemEvent.objects.create(
                tenant_id=item.tenant_id,
                item=item,
                actor=actor,
                at=now,
                from_state=item.state,
                to_state=item.state,
                note=note or f"reassigned to {assignee.username}",
                holder=assignee,
            )
            record_event(
                tenant=item.tenant_id,
                actor=actor,
                action="work.item_reassigned",
                obj=item,
                before={"assignee": previous.username if previous else None},
                after={"assignee": assignee.username},
            )
            return item
        return _move(
            item,
            State.IN_PROGRESS,
            actor=actor,
            note=note or f"assigned to {assignee.username}",
            action="work.item_assigned",
            now=now,
            assignee=assignee,
            claimed_at=now,
        )


def release_item(*, item: WorkItem, actor: User, reason: str) -> WorkItem:
    """The agent hands the item back to its queue (skip, with a reason)."""
    if not reason.strip():
        raise DomainError("Say why you skip this item.", fields={"reason": ["required"]})
    with transaction.atomic():
        item = _lock(item)
        if item.assignee_id != actor.pk:
            raise Forbidden("Only the agent holding the item can hand it back.")
        back = State.QUEUED
        return _move(item, back, actor=actor, note=f"skipped: {reason}", action="work.item_skipped")


def release_idle_items(*, now: datetime | None = None) -> int:
    """Items held past their engagement's idle timeout go back to their queue (system job)."""
    now = now or timezone.now()
    released = 0
    with transaction.atomic():
        from backoffice.core.rls import set_rls_bypass

        set_rls_bypass()
        engagements = Engagement.objects.unscoped("system job across all clients").filter(
            is_active=True
        )
        for engagement in engagements:
            cutoff = now - timedelta(minutes=engagement.idle_timeout_minutes)
            stale = (
                WorkItem.objects.for_tenant(engagement.tenant_id)
                .filter(engagement=engagement, state=State.IN_PROGRESS, last_activity_at__lt=cutoff)
                .select_for_update(skip_locked=True)
            )
            for item in stale:
                _move(
                    item,
                    State.QUEUED,
                    actor=None,
                    note="released: idle timeout",
                    action="work.item_released",
                    now=now,
                )
                released += 1
    return released


def complete_item(
    *, item: WorkItem, actor: User, output: dict[str, Any], note: str = ""
) -> WorkItem:
    """The agent submits the output; it goes to review when sampled, else it is done."""
    engagement = item.engagement
    validate(engagement.output_schema, output, what="output")
    with transaction.atomic():
        item = _lock(item)
        if item.state != State.IN_PROGRESS or item.assignee_id != actor.pk:
            raise Conflict("Only the agent holding the item can complete it.", code="not_holder")
        if engagement.double_key:
            from backoffice.work import double_key

            keyed = double_key.capture(
                item=item, engagement=engagement, actor=actor, output=output, note=note
            )
            if keyed is not None:
                return keyed
        to = State.IN_REVIEW if _sampled(item, engagement) else State.DONE
        return _move(item, to, actor=actor, note=note, action="work.item_completed", output=output)


def _sampled(item: WorkItem, engagement: Engagement) -> bool:
    """Deterministic QA sample: the same item always gets the same answer."""
    if not engagement.has_review_step or engagement.qa_sample_percent == 0:
        return False
    digest = hashlib.sha256(f"{item.tenant_id}:{item.pk}".encode()).digest()
    return int.from_bytes(digest[:2]) % 100 < engagement.qa_sample_percent


def review_item(*, item: WorkItem, actor: User, accept: bool, note: str = "") -> WorkItem:
    with transaction.atomic():
        item = _lock(item)
        if not accept and not note.strip():
            raise DomainError("Say what must be reworked.", fields={"note": ["required"]})
        _refuse_pending_adjudication(item)
        to = State.DONE if accept else State.REWORK
        return _move(item, to, actor=actor, note=note, action="work.item_reviewed")


# --- comments, questions and answers ---------------------------------------------------------


def add_comment(*, item: WorkItem, actor: User, body: str) -> Comment:
    if not body.strip():
        raise DomainError("A comment needs text.", fields={"body": ["required"]})
    with transaction.atomic():
        comment = Comment.objects.create(
            tenant_id=item.tenant_id, item=item, author=actor, body=body, created_at=timezone.now()
        )
        record_event(tenant=item.tenant_id, actor=actor, action="work.comment_added", obj=comment)
    return comment


def ask_client(*, item: WorkItem, actor: User, question: str) -> Comment:
    """Ask the client; the item waits on them and its SLA clock stops until they answer."""
    if not question.strip():
        raise DomainError("A question needs text.", fields={"body": ["required"]})
    with transaction.atomic():
        item = _lock(item)
        now = timezone.now()
        comment = Comment.objects.create(
            tenant_id=item.tenant_id,
            item=item,
            author=actor,
            kind=Comment.Kind.QUESTION,
            body=question,
            created_at=now,
        )
        _move(
            item,
            State.WAITING_ON_CLIENT,
            actor=actor,
            note=f"question: {question}",
            action="work.client_asked",
            now=now,
            paused_at=now,
        )
    return comment


def answer_question(*, question: Comment, actor: User, body: str) -> Comment:
    """The client answers; paused business time is added and the due time moves back."""
    if question.kind != Comment.Kind.QUESTION:
        raise DomainError("Only a question can be answered.", code="not_a_question")
    if question.answered_at is not None:
        raise Conflict("This question has been answered.", code="already_answered")
    if not body.strip():
        raise DomainError("An answer needs text.", fields={"body": ["required"]})
    with transaction.atomic():
        item = _lock(question.item)
        now = timezone.now()
        answer = Comment.objects.create(
            tenant_id=item.tenant_id,
            item=item,
            author=actor,
            kind=Comment.Kind.ANSWER,
            body=body,
            reply_to=question,
            created_at=now,
        )
        question.answered_at = now
        question.save(update_fields=["answered_at"])
        if item.state == State.WAITING_ON_CLIENT and not _open_questions(item, exclude=question):
            resume_item(item=item, actor=actor, now=now)
        else:
            record_event(
                tenant=item.tenant_id, actor=actor, action="work.client_answered", obj=answer
            )
    return answer


def _open_questions(item: WorkItem, *, exclude: Comment) -> bool:
    return (
        item.comments.filter(kind=Comment.Kind.QUESTION, answered_at__isnull=True)
        .exclude(pk=exclude.pk)
        .exists()
    )


def resume_item(*, item: WorkItem, actor: User | None, now: datetime) -> WorkItem:
    """End the pause (inside the caller's transaction): add paused time, move the due time."""
    engagement = item.engagement
    assert item.paused_at is not None
    paused = clock_between(engagement, item.paused_at, now)
    total = item.paused_seconds + max(0, int(paused.total_seconds()))
    to = State.IN_PROGRESS if item.assignee_id else State.QUEUED
    return _move(
        item,
        to,
        actor=actor,
        note="client answered",
        action="work.client_answered",
        now=now,
        paused_at=None,
        paused_seconds=total,
        sla_due_at=due_at(engagement, item.received_at, total),
    )


# --- attachments -----------------------------------------------------------------------------


def add_attachment(*, item: WorkItem, actor: User, upload: UploadedFile) -> Attachment:
    """Store a file on the item after checking its size and type (extension and header)."""
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise DomainError(
            f"The file is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            code="attachment_too_large",
            fields={"file": [f"{size} bytes is too large"]},
        )
    if size == 0:
        raise DomainError("The file is empty.", code="attachment_empty", fields={"file": ["empty"]})
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    allowed = ATTACHMENT_TYPES.get(content_type)
    if allowed is None or not name.lower().endswith(allowed) or not _sniff_ok(upload, content_type):
        raise DomainError(
            "This type of file is not accepted.",
            code="attachment_type",
            fields={"file": [f"{content_type or 'unknown type'} ({name}) is not accepted"]},
        )
    with transaction.atomic():
        attachment = Attachment(
            tenant_id=item.tenant_id,
            item=item,
            name=name,
            content_type=content_type,
            size=size,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        record_event(
            tenant=item.tenant_id, actor=actor, action="work.attachment_added", obj=attachment
        )
    return attachment


_MAGIC = {
    "application/pdf": (b"%PDF",),
    "image/png": (b"\x89PNG",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}


def _sniff_ok(upload: UploadedFile, content_type: str) -> bool:
    """The file starts the way its declared type does (binary types only)."""
    magic = _MAGIC.get(content_type)
    if magic is None:
        return True
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return head.startswith(magic)


# --- SLA monitoring --------------------------------------------------------------------------


@dataclass
class SlaSweep:
    at_risk: int = 0
    breached: int = 0
    notified: list[str] = field(default_factory=list)


def refresh_sla_flags(*, now: datetime | None = None) -> SlaSweep:
    """Mark open items at risk or breached; tell each engagement's leads (audit event)."""
    now = now or timezone.now()
    sweep = SlaSweep()
    with transaction.atomic():
        from backoffice.core.rls import set_rls_bypass

        set_rls_bypass()
        engagements = Engagement.objects.unscoped("SLA sweep across all clients").select_related(
            "calendar"
        )
        for engagement in engagements:
            items = (
                WorkItem.objects.for_tenant(engagement.tenant_id)
                .filter(
                    engagement=engagement,
                    state__in=[
                        State.QUEUED,
                        State.IN_PROGRESS,
                        State.IN_REVIEW,
                        State.REWORK,
                        State.NEW,
                    ],
                    breached=False,
                )
                .only("id", "received_at", "sla_due_at", "paused_seconds", "paused_at", "at_risk")
            )
            sla = timedelta(minutes=engagement.sla_minutes)
            risk_at = sla * engagement.at_risk_percent / 100
            newly_breached: list[int] = []
            newly_at_risk: list[int] = []
            for item in items.iterator(chunk_size=2000):
                if now >= item.sla_due_at:
                    newly_breached.append(item.pk)
                elif not item.at_risk and sla_used(item, engagement, now) >= risk_at:
                    newly_at_risk.append(item.pk)
            if not newly_breached and not newly_at_risk:
                continue
            scoped = WorkItem.objects.for_tenant(engagement.tenant_id)
            scoped.filter(pk__in=newly_breached).update(breached=True, at_risk=True)
            scoped.filter(pk__in=newly_at_risk).update(at_risk=True)
            leads = sorted(
                EngagementMember.objects.for_tenant(engagement.tenant_id)
                .filter(engagement=engagement, is_lead=True)
                .values_list("user__username", flat=True)
            )
            record_event(
                tenant=engagement.tenant_id,
                actor=None,
                action="work.sla_alert",
                obj=engagement,
                after={
                    "breached": newly_breached[:100],
                    "at_risk": newly_at_risk[:100],
                    "notify": leads,
                },
            )
            sweep.at_risk += len(newly_at_risk)
            sweep.breached += len(newly_breached)
            sweep.notified.extend(leads)
    return sweep
