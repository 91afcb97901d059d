"""Editing what the set-up pages made: service types, calendars, engagements and queues.

Each change runs in one transaction with an audit event whose before/after hold only the
fields that changed (nothing changed: nothing written). A service type's edit never
reaches running engagements: they keep the snapshot pinned when they were opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Model

from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.tenancy.models import Organization, User
from backoffice.work import events
from backoffice.work.calendar import CalendarError
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import BillingUnit, BusinessCalendar, Engagement, Queue, ServiceType
from backoffice.work.schema import check_schema
from backoffice.work.services.engagements import (
    MAX_PRIORITY,
    check_priority_rules,
    check_workflow,
    create_queue,
    refused,
)
from backoffice.work.sla import spec_of

SERVICE_TYPE_FIELDS = (
    "name",
    "description",
    "instructions",
    "input_schema",
    "output_schema",
    "workflow",
    "default_sla_minutes",
    "qa_sample_percent",
    "billing_unit",
    "is_active",
)
ENGAGEMENT_FIELDS = (
    "name",
    "calendar",
    "sla_minutes",
    "sla_basis",
    "sla_target_percent",
    "at_risk_percent",
    "priority_rules",
    "idle_timeout_minutes",
    "double_key",
    "is_active",
)


def _shown(value: Any) -> Any:
    """A field's value as the audit log keeps it (a related row by its id)."""
    return value.pk if isinstance(value, Model) else value


def _apply(obj: Model, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set the changed fields on `obj`; the before and after of those fields."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(obj, name)
        if _shown(old) != _shown(value):
            before[name], after[name] = _shown(old), _shown(value)
            setattr(obj, name, value)
    return before, after


def _update_fields(after: dict[str, Any]) -> list[str]:
    return [
        f"{name}_id" if name in ("calendar", "engagement", "service_type") else name
        for name in after
    ]


# --- service types -----------------------------------------------------------------------------


def check_service_type_settings(values: dict[str, Any]) -> None:
    """The rules a service type's settings keep, whoever writes them (form or API)."""
    if "name" in values and not str(values["name"]).strip():
        raise refused("name", "A service type needs a name.")
    for key in ("input_schema", "output_schema"):
        if key in values:
            try:
                check_schema(values[key] or {"type": "object"})
            except DomainError as exc:
                raise DomainError(
                    exc.message, code=ErrorCode.INVALID_SCHEMA, fields={key: [exc.message]}
                ) from exc
    if "workflow" in values:
        check_workflow(values["workflow"])
    sla = values.get("default_sla_minutes")
    if sla is not None and not 0 < sla <= 10**7:
        raise refused("default_sla_minutes", "The default SLA must be more than zero.")
    qa = values.get("qa_sample_percent")
    if qa is not None and not 0 <= qa <= 100:
        raise refused("qa_sample_percent", "The QA sample is a share from 0 to 100%.")
    unit = values.get("billing_unit")
    if unit is not None and unit not in BillingUnit.values:
        raise refused("billing_unit", "Choose one of the billing units.")


def update_service_type(
    *, service_type: ServiceType, actor: User | None, **changes: Any
) -> ServiceType:
    """Change a catalogue entry (its code stays); engagements keep their own snapshot."""
    unknown = set(changes) - set(SERVICE_TYPE_FIELDS)
    if unknown:
        raise DomainError(f"These settings cannot be changed: {', '.join(sorted(unknown))}.")
    check_service_type_settings(changes)
    with transaction.atomic():
        before, after = _apply(service_type, changes)
        if after:
            service_type.save(update_fields=_update_fields(after))
            event = events.service_type_changed_event(service_type, before=before, after=after)
            events.record(tenant=service_type.tenant_id, actor=actor, event=event)
    return service_type


# --- calendars ---------------------------------------------------------------------------------


def update_calendar(
    *,
    calendar: BusinessCalendar,
    actor: User | None,
    name: str,
    timezone_name: str,
    working_hours: dict[str, Any],
    holiday_country: str,
    holiday_subdivision: str,
    closures: Sequence[str],
) -> BusinessCalendar:
    """Change a calendar; items already received keep the due time they were given."""
    if not name.strip():
        raise refused("name", "A calendar needs a name.")
    changes = {
        "name": name.strip(),
        "timezone": timezone_name,
        "working_hours": working_hours,
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
        "closures": sorted(set(closures)),
    }
    trial = BusinessCalendar(tenant_id=calendar.tenant_id, **changes)
    try:
        spec_of(trial)
    except (CalendarError, ValueError) as exc:
        raise DomainError(str(exc), code=ErrorCode.INVALID_CALENDAR) from exc
    with transaction.atomic():
        taken = BusinessCalendar.objects.for_tenant(calendar.tenant_id).filter(name=changes["name"])
        if taken.exclude(pk=calendar.pk).exists():
            raise Conflict(
                "Another calendar of this client has that name.",
                fields={"name": ["Another calendar of this client has that name."]},
            )
        before, after = _apply(calendar, changes)
        if after:
            calendar.save(update_fields=_update_fields(after))
            event = events.calendar_changed_event(calendar, before=before, after=after)
            events.record(tenant=calendar.tenant_id, actor=actor, event=event)
    return calendar


# --- engagements -------------------------------------------------------------------------------


def check_engagement_settings(values: dict[str, Any]) -> None:
    """SLA figures and priority rules an engagement keeps (its database checks, in words)."""
    sla = values.get("sla_minutes")
    if sla is not None and not 0 < sla <= 10**7:
        raise refused("sla_minutes", "The SLA must be more than zero.")
    basis = values.get("sla_basis")
    if basis is not None and basis not in Engagement.SlaBasis.values:
        raise refused("sla_basis", "The SLA clock runs on business hours or on elapsed time.")
    for key, what in (("sla_target_percent", "SLA target"), ("at_risk_percent", "At-risk point")):
        value = values.get(key)
        if value is not None and not 1 <= value <= 100:
            raise refused(key, f"{what} is a share from 1 to 100%.")
    idle = values.get("idle_timeout_minutes")
    if idle is not None and not 1 <= idle <= 24 * 60:
        raise refused("idle_timeout_minutes", "Idle release is from 1 minute to 24 hours.")
    if "priority_rules" in values:
        check_priority_rules(values["priority_rules"])


def update_engagement(*, engagement: Engagement, actor: User | None, **changes: Any) -> Engagement:
    """Change an engagement's service level, calendar, rules or team settings.

    New items follow the new settings; items already received keep their due time.
    """
    unknown = set(changes) - set(ENGAGEMENT_FIELDS)
    if unknown:
        raise DomainError(f"These settings cannot be changed: {', '.join(sorted(unknown))}.")
    if "name" in changes and not str(changes["name"]).strip():
        raise refused("name", "An engagement needs a name.")
    calendar = changes.get("calendar")
    if calendar is not None and calendar.tenant_id != engagement.tenant_id:
        raise NotFound("No such calendar.", fields={"calendar": ["No such calendar."]})
    check_engagement_settings(changes)
    with transaction.atomic():
        before, after = _apply(engagement, changes)
        if after:
            engagement.save(update_fields=_update_fields(after))
            event = events.engagement_changed_event(engagement, before=before, after=after)
            events.record(tenant=engagement.tenant_id, actor=actor, event=event)
    return engagement


# --- queues ------------------------------------------------------------------------------------


def _check_queue(
    provider: Organization,
    *,
    engagement: Engagement | None,
    service_type: ServiceType | None,
    min_priority: int,
    name: str,
) -> None:
    if not provider.is_provider:
        raise DomainError("Queues belong to the provider.", code=ErrorCode.NOT_PROVIDER)
    if not name.strip():
        raise refused("name", "A queue needs a name.", ErrorCode.INVALID_QUEUE)
    if not 0 <= min_priority <= MAX_PRIORITY:
        raise refused(
            "min_priority", "The lowest priority is from 0 to 9.", ErrorCode.INVALID_QUEUE
        )
    if engagement is not None and engagement.tenant.provider_id != provider.pk:
        raise NotFound("No such engagement.", fields={"engagement": ["No such engagement."]})
    if service_type is not None and service_type.tenant_id != provider.pk:
        raise NotFound("No such service type.", fields={"service_type": ["No such service type."]})


def define_queue(
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
    """A new routing queue, checked first: a used code or a foreign engagement is refused
    in words (`create_queue` alone would reach the database's unique constraint)."""
    _check_queue(
        provider,
        engagement=engagement,
        service_type=service_type,
        min_priority=min_priority,
        name=name,
    )
    with transaction.atomic():
        if Queue.objects.for_tenant(provider).filter(code=code).exists():
            raise Conflict(
                "Another queue has that code.", fields={"code": ["Another queue has that code."]}
            )
        return create_queue(
            provider=provider,
            actor=actor,
            code=code,
            name=name.strip(),
            engagement=engagement,
            service_type=service_type,
            skill=skill.strip(),
            language=language.strip(),
            min_priority=min_priority,
        )


def update_queue(
    *,
    queue: Queue,
    actor: User | None,
    name: str,
    engagement: Engagement | None,
    service_type: ServiceType | None,
    skill: str,
    language: str,
    min_priority: int,
) -> Queue:
    """Change what a queue routes; its code stays."""
    provider = queue.tenant
    _check_queue(
        provider,
        engagement=engagement,
        service_type=service_type,
        min_priority=min_priority,
        name=name,
    )
    changes = {
        "name": name.strip(),
        "engagement": engagement,
        "service_type": service_type,
        "skill": skill.strip(),
        "language": language.strip(),
        "min_priority": min_priority,
    }
    with transaction.atomic():
        before, after = _apply(queue, changes)
        if after:
            queue.save(update_fields=_update_fields(after))
            event = events.queue_changed_event(queue, before=before, after=after)
            events.record(tenant=queue.tenant_id, actor=actor, event=event)
    return queue
