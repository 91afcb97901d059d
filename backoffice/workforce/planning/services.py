"""Batch deadlines: set one (audited, idempotent by name), and the sweep that raises the
alert to the team leads when the projection passes the deadline (an audit event and the
flag on the workforce pages; `at_risk_since` remembers it so it is raised once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError
from backoffice.core.rls import set_rls_bypass
from backoffice.tenancy.models import Organization, User
from backoffice.work.models import Engagement, IntakeBatch
from backoffice.workforce import events
from backoffice.workforce.error_codes import ErrorCode
from backoffice.workforce.models import BatchDeadline
from backoffice.workforce.planning import selectors

_WHY = "batch deadline sweep across all providers"


@dataclass(frozen=True)
class DeadlineIn:
    name: str
    due_at: datetime | None = None  # either a moment …
    business_hours: float | None = None  # … or business hours of the engagement from the start
    batch: IntakeBatch | None = None
    starts_at: datetime | None = None  # default: now
    handle_minutes: Decimal | str | float | None = None
    shrinkage_percent: int = 30
    occupancy_percent: int = 85


def _when(value: datetime, engagement: Engagement) -> str:
    local = value.astimezone(ZoneInfo(engagement.calendar.timezone))
    return f"{local:%a %-d %b %Y %H:%M} ({engagement.calendar.timezone} time)"


def _validate(
    spec: DeadlineIn, engagement: Engagement, now: datetime
) -> tuple[datetime, datetime, Decimal]:
    errors: dict[str, list[str]] = {}
    if not spec.name.strip():
        errors["name"] = ["Name the batch or campaign, e.g. “December claims”."]
    if spec.batch is not None and spec.batch.engagement_id != engagement.pk:
        errors["batch"] = ["Choose a batch of this engagement."]
    starts = spec.starts_at or now
    due = spec.due_at
    if due is None and spec.business_hours is not None:
        if spec.business_hours <= 0:
            errors["business_hours"] = ["Give a number of business hours above zero."]
        else:
            due = selectors.calendar_of(engagement).add(
                max(starts, now), timedelta(hours=spec.business_hours)
            )
    if due is None and "business_hours" not in errors:
        errors["due_at"] = ["Give the deadline: a date and time, or business hours from now."]
    elif due is not None and due <= now:
        errors["due_at"] = [
            f"The deadline {_when(due, engagement)} has already passed; choose a time after now."
        ]
    elif due is not None and due <= starts:
        errors["due_at"] = ["The deadline must come after the start."]
    try:
        handle = (
            Decimal(str(spec.handle_minutes)) if spec.handle_minutes not in (None, "") else None
        )
    except InvalidOperation:
        handle = Decimal(-1)
    if handle is None or not Decimal("0.01") <= handle <= Decimal("10000"):
        errors["handle_minutes"] = ["Give the minutes one item takes, e.g. 6 or 4.5."]
    if not 0 <= spec.shrinkage_percent <= 90:
        errors["shrinkage_percent"] = ["Shrinkage is a percentage from 0 to 90."]
    if not 1 <= spec.occupancy_percent <= 100:
        errors["occupancy_percent"] = ["Target occupancy is a percentage from 1 to 100."]
    if errors:
        raise DomainError(
            "The batch deadline cannot be set: " + " ".join(m[0] for m in errors.values()),
            code=ErrorCode.INVALID_DEADLINE,
            fields=errors,
        )
    assert due is not None and handle is not None
    return starts, due, handle.quantize(Decimal("0.01"))


@transaction.atomic
def set_deadline(
    *,
    tenant: Organization,
    actor: User,
    engagement: Engagement,
    spec: DeadlineIn,
    now: datetime | None = None,
) -> tuple[BatchDeadline, bool]:
    """Set a deadline on a batch (or campaign) of `engagement`. The same name again with the
    same engagement and batch answers the existing one (created False); another is refused."""
    now = now or timezone.now()
    starts, due, handle = _validate(spec, engagement, now)
    name = spec.name.strip()
    existing = BatchDeadline.objects.for_tenant(tenant).filter(name=name).first()
    if existing is not None:
        if existing.engagement_id == engagement.pk and existing.batch_id == (
            spec.batch.pk if spec.batch else None
        ):
            return existing, False
        raise Conflict(
            f"A batch deadline named “{name}” already exists for another batch; "
            "choose another name.",
            code=ErrorCode.DEADLINE_EXISTS,
            fields={"name": ["This name is taken."]},
        )
    d = BatchDeadline.objects.create(
        tenant=tenant,
        name=name,
        engagement=engagement,
        batch=spec.batch,
        starts_at=starts,
        due_at=due,
        handle_minutes=handle,
        shrinkage_percent=spec.shrinkage_percent,
        occupancy_percent=spec.occupancy_percent,
        created_by=actor,
    )
    found: list[events.PendingEvent] = [events.deadline_set(d)]
    status = selectors.deadline_status(d, now=now)
    if status.at_risk:
        d.at_risk_since = now
        d.save(update_fields=["at_risk_since"])
        found.append(events.deadline_at_risk(d, status.figures()))
    events.record(tenant=tenant, actor=actor, events=found)
    return d, True


def _flip(d: BatchDeadline, now: datetime) -> events.PendingEvent | None:
    status = selectors.deadline_status(d, now=now)
    if status.at_risk and d.at_risk_since is None:
        d.at_risk_since = now
        d.save(update_fields=["at_risk_since"])
        return events.deadline_at_risk(d, status.figures())
    if not status.at_risk and d.at_risk_since is not None:
        d.at_risk_since = None
        d.save(update_fields=["at_risk_since"])
        return events.deadline_on_track(d, status.figures())
    return None


def sweep_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """A system job: recompute every deadline still open and raise (or lower) its alert,
    one audit event per change in the provider's chain."""
    now = now or timezone.now()
    raised = lowered = 0
    with transaction.atomic():
        set_rls_bypass()
        rows = (
            BatchDeadline.objects.unscoped(_WHY)
            .filter(due_at__gt=now - timedelta(days=1))
            .select_related("engagement", "engagement__calendar", "tenant")
        )
        for d in rows:
            event = _flip(d, now)
            if event is None:
                continue
            if d.at_risk_since is not None:
                raised += 1
            else:
                lowered += 1
            events.record(tenant=d.tenant, actor=None, events=[event])
    return {"raised": raised, "lowered": lowered}
