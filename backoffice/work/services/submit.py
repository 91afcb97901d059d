"""Intake: a client's items into the queue, one at a time or in bulk, with a per-row report.

Items are created directly in `queued` with a `new → queued` event, their due time set by
the engagement's SLA (`sla.due_at`) and their priority by its rules (`priority_for`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.core.ahead import ahead
from backoffice.core.errors import DomainError
from backoffice.core.metrics import count_after_commit
from backoffice.core.stats import analyze_after_commit
from backoffice.tenancy.models import User
from backoffice.vault import fields as vault_fields
from backoffice.vault import index as blind_index
from backoffice.vault import keys as vault_keys
from backoffice.work import bulk, events
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import Engagement, IntakeBatch, State, WorkItem, WorkItemEvent
from backoffice.work.observability import INTAKE_ROWS
from backoffice.work.schema import fast_check as schema_fast_check
from backoffice.work.schema import field_errors
from backoffice.work.sla import at_risk_at, due_at

MAX_REF = 200
REPORT_CAP = 1000
BATCH_SIZE = 10_000
KEEP_ITEMS = 10_000  # bigger intakes do not keep the created rows in memory


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
    # Once sealed: the blind-index digests of its searchable sensitive fields.
    digests: dict[str, str] = field(default_factory=dict)


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


def _ref_errors(ref: Any) -> list[str]:
    if not isinstance(ref, str) or not ref.strip():
        return ["An external reference is required."]
    if len(ref) > MAX_REF:
        return [f"At most {MAX_REF} characters."]
    return []


def _require_active(engagement: Engagement) -> None:
    if not engagement.is_active:
        raise DomainError(
            "This engagement is closed to new work.", code=ErrorCode.ENGAGEMENT_INACTIVE
        )


ITEM_RECORD = "work.item"


class Sealer:
    """Seals the sensitive fields of an engagement's input (vault): one data-key unwrap
    per intake, however many rows; a schema without sensitive fields seals nothing."""

    def __init__(self, engagement: Engagement) -> None:
        self.fields = vault_fields.sensitive_fields(engagement.input_schema)
        self.ring = (
            vault_keys.require_sealing(vault_keys.keyring(engagement.tenant_id, create=True))
            if self.fields
            else None
        )

    def seal(self, item: ItemInput) -> None:
        if self.ring is not None:
            item.data, item.digests = vault_fields.seal_document(
                self.ring, self.fields, "data", item.data
            )

    def index(self, ids: Sequence[int], rows: Sequence[ItemInput]) -> None:
        """Keep the digests of the rows just written under their new ids."""
        if self.ring is not None:
            pairs = [(pk, row.digests) for pk, row in zip(ids, rows, strict=True) if row.digests]
            blind_index.add_digests(self.ring, ITEM_RECORD, pairs)


# --- one item ----------------------------------------------------------------------------------


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
    fields = _item_errors(engagement, external_ref, data, priority)
    existing = _existing_item(engagement, external_ref) if not fields.get("external_ref") else None
    if existing is not None:
        return existing, False
    if fields:
        raise DomainError(
            "The item does not match the service's schema.",
            code=ErrorCode.SCHEMA_VIOLATION,
            fields=fields,
        )
    if priority is None:
        priority = priority_for(engagement, data)  # on the values, before they are sealed
    try:
        with transaction.atomic():
            sealer = Sealer(engagement)
            row = ItemInput(external_ref, data, priority, skill, language)
            sealer.seal(row)
            (item,) = _create_items(engagement=engagement, actor=actor, rows=[row], batch=None)
            sealer.index([item.pk], [row])
            event = events.item_submitted_event(item, external_ref=external_ref, state=State.QUEUED)
            events.record(tenant=engagement.tenant_id, actor=actor, event=event)
    except IntegrityError:
        existing = _existing_item(engagement, external_ref)
        if existing is None:
            raise
        return existing, False
    return item, True


def _item_errors(
    engagement: Engagement, external_ref: str, data: Any, priority: int | None
) -> dict[str, list[str]]:
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
    return fields


def _existing_item(engagement: Engagement, external_ref: str) -> WorkItem | None:
    return (
        WorkItem.objects.for_tenant(engagement.tenant_id)
        .filter(engagement=engagement, external_ref=external_ref)
        .first()
    )


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
    risk = at_risk_at(engagement, now)
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
                sla_at_risk_at=risk,
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


# --- bulk --------------------------------------------------------------------------------------


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


@dataclass
class _Tally:
    """What a bulk intake has read and written so far."""

    total: int = 0
    written: int = 0
    existing: int = 0
    item_ids: list[int] = field(default_factory=list)


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
    with transaction.atomic():
        sealer = Sealer(engagement)
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
        tally = _stream(
            engagement=engagement,
            actor=actor,
            batch=batch,
            chunks=_checked_chunks(engagement, rows, check, first_row, sealer),
            check=check,
            sealer=sealer,
            all_or_nothing=all_or_nothing,
            may_exist=not was_empty,
            progress=progress,
        )
        analyze_after_commit(["work_workitem", "work_workitemevent"], rows=tally.written)
        count_after_commit(INTAKE_ROWS, tally.written)
        return _close_batch(batch, actor=actor, check=check, tally=tally, strict=all_or_nothing)


def _checked_chunks(
    engagement: Engagement,
    rows: Iterable[ItemInput],
    check: _RowCheck,
    first_row: int,
    sealer: Sealer,
) -> Iterator[tuple[int, list[tuple[ItemInput, int]]]]:
    """(rows read so far, the chunk's valid rows with their priorities), sensitive values
    sealed (in the read-ahead thread: pure computation with the batch's unwrapped key)."""
    source_rows = iter(rows)
    total = 0
    while chunk := list(islice(source_rows, BATCH_SIZE)):
        valid = []
        for offset, item in enumerate(chunk, total):
            if check.accepts(item.row or first_row + offset, item):
                priority = item.priority
                if priority is None:
                    priority = priority_for(engagement, item.data)
                sealer.seal(item)
                valid.append((item, priority))
        total += len(chunk)
        yield total, valid


def _stream(
    *,
    engagement: Engagement,
    actor: User | None,
    batch: IntakeBatch,
    chunks: Iterator[tuple[int, list[tuple[ItemInput, int]]]],
    check: _RowCheck,
    sealer: Sealer,
    all_or_nothing: bool,
    may_exist: bool,
    progress: Any,
) -> _Tally:
    """Write each checked chunk while the next one is read and checked (`core.ahead`)."""
    tally = _Tally()
    now = timezone.now()
    due = due_at(engagement, now)
    risk = at_risk_at(engagement, now)
    with closing(ahead(chunks)) as checked:
        for tally.total, valid in checked:
            if progress is not None:
                progress(tally.total)
            if may_exist:
                valid = _without_existing(engagement, valid, tally)
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
                risk=risk,
            )
            sealer.index(ids, [item for item, _ in valid])
            tally.written += len(ids)
            if tally.written <= KEEP_ITEMS:
                tally.item_ids.extend(ids)
            if progress is not None:
                progress(tally.total, written=tally.written)
    return tally


def _without_existing(
    engagement: Engagement, valid: list[tuple[ItemInput, int]], tally: _Tally
) -> list[tuple[ItemInput, int]]:
    """The rows whose reference the engagement has not seen (the others are counted)."""
    existing = _existing_refs(engagement, [item.external_ref for item, _ in valid])
    fresh = [pair for pair in valid if pair[0].external_ref not in existing]
    tally.existing += len(valid) - len(fresh)
    return fresh


def _existing_refs(engagement: Engagement, refs: list[str]) -> set[str]:
    found: set[str] = set()
    qs = WorkItem.objects.for_tenant(engagement.tenant_id).filter(engagement=engagement)
    for start in range(0, len(refs), 5000):
        chunk = refs[start : start + 5000]
        found.update(qs.filter(external_ref__in=chunk).values_list("external_ref", flat=True))
    return found


def _close_batch(
    batch: IntakeBatch, *, actor: User | None, check: _RowCheck, tally: _Tally, strict: bool
) -> IntakeResult:
    """Refuse the whole batch (strict, with errors) or record its counts and report."""
    errors = sorted(check.errors, key=lambda e: e.row)
    rejected = check.bad_rows
    report = [e.as_dict() for e in errors[:REPORT_CAP]]
    if errors and strict:
        raise DomainError(
            f"{rejected} row(s) are invalid; nothing was imported.",
            code=ErrorCode.INTAKE_REJECTED,
            fields={"rows": report},
        )
    batch.rows_total = tally.total
    batch.rows_created = tally.written
    batch.rows_existing = tally.existing
    batch.rows_rejected = rejected
    batch.report = report
    batch.save(
        update_fields=["rows_total", "rows_created", "rows_existing", "rows_rejected", "report"]
    )
    event = events.items_submitted_event(
        batch, created=tally.written, existing=tally.existing, rejected=rejected
    )
    events.record(tenant=batch.tenant_id, actor=actor, event=event)
    return IntakeResult(
        batch=batch,
        created=tally.written,
        existing=tally.existing,
        rejected=rejected,
        errors=errors,
        item_ids=tally.item_ids if tally.written <= KEEP_ITEMS else [],
    )
