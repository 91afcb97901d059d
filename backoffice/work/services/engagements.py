"""Setting up work: the provider's catalogue and queues, a client's calendars, engagements
and teams. One transaction each, audited in that transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction

from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.work import catalog, events
from backoffice.work.calendar import CalendarError
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import (
    BusinessCalendar,
    Engagement,
    EngagementMember,
    Queue,
    ServiceType,
)
from backoffice.work.schema import check_schema
from backoffice.work.sla import spec_of

WEEKDAYS_9_TO_5 = ("mon", "tue", "wed", "thu", "fri")
MAX_PRIORITY = 9  # priorities run 0 (lowest) to 9


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
        raise DomainError(
            "Service types belong to the provider's catalogue.", code=ErrorCode.NOT_PROVIDER
        )
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
    check_workflow(values.get("workflow") or catalog.CAPTURE_DONE)
    with transaction.atomic():
        if ServiceType.objects.for_tenant(provider).filter(code=code).exists():
            raise Conflict(f"Service type {code!r} exists.", fields={"code": ["already used"]})
        st = ServiceType.objects.create(tenant=provider, code=code, **values)
        events.record(tenant=provider, actor=actor, event=events.service_type_created_event(st))
    return st


def check_workflow(workflow: Any) -> None:
    """A workflow is a non-empty list of named steps, each done by a role."""
    if not isinstance(workflow, list) or not workflow:
        raise refused(
            "workflow", "A workflow is a list of one or more steps.", ErrorCode.INVALID_WORKFLOW
        )
    for step in workflow:
        if not isinstance(step, dict) or not step.get("step") or step.get("role") not in Role:
            raise refused(
                "workflow",
                "Each workflow step needs a name and a role.",
                ErrorCode.INVALID_WORKFLOW,
            )


def _require_new_engagement_code(tenant: Organization, code: str) -> None:
    if Engagement.objects.for_tenant(tenant).filter(code=code).exists():
        raise Conflict(f"Engagement {code!r} exists.", fields={"code": ["already used"]})


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
    hours = working_hours or {d: [["09:00", "17:00"]] for d in WEEKDAYS_9_TO_5}
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
        raise DomainError(str(exc), code=ErrorCode.INVALID_CALENDAR) from exc
    with transaction.atomic():
        if BusinessCalendar.objects.for_tenant(tenant).filter(name=name).exists():
            raise Conflict(f"A calendar named {name!r} exists.", fields={"name": ["already used"]})
        cal.save()
        events.record(tenant=tenant, actor=actor, event=events.calendar_created_event(cal))
    return cal


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
    if sla_basis not in Engagement.SlaBasis.values:
        raise DomainError(
            "The SLA clock runs on business hours or on elapsed time.",
            fields={"sla_basis": ["business or elapsed"]},
        )
    check_priority_rules(priority_rules or [])
    with transaction.atomic():
        _require_new_engagement_code(tenant, code)
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
        events.record(tenant=tenant, actor=actor, event=events.engagement_created_event(engagement))
    return engagement


@dataclass(frozen=True)
class CalendarTerms:
    """The business calendar an engagement is opened with (None: the client's defaults)."""

    timezone_name: str | None = None
    working_hours: dict[str, Any] | None = None
    holiday_country: str | None = None
    holiday_subdivision: str = ""
    closures: Sequence[str] = ()


@dataclass(frozen=True)
class EngagementTerms:
    """What a client's engagement is opened with, besides its service type and calendar."""

    code: str
    name: str = ""
    sla_minutes: int | None = None
    sla_basis: str = Engagement.SlaBasis.BUSINESS
    sla_target_percent: int = 95
    at_risk_percent: int = 75
    priority_rules: list[dict[str, Any]] = field(default_factory=list)
    idle_timeout_minutes: int = 30
    double_key: bool = False


def open_engagement(
    *,
    client: Organization,
    actor: User | None,
    service_type_id: int,
    terms: EngagementTerms,
    calendar: CalendarTerms,
) -> Engagement:
    """Provider staff acting in a client's tenant open an engagement on an active service
    type of the provider's catalogue, with a calendar of its own ("<code> calendar").

    The caller holds the transaction, with the client's and the provider's rows visible.
    """
    require_client_tenant(client)
    service_type = (
        ServiceType.objects.for_tenant(int(client.provider_id or 0))
        .filter(pk=service_type_id, is_active=True)
        .first()
    )
    if service_type is None:
        raise NotFound("No such service type.")
    # Before the calendar named after it: a code in use is a 409, not a clash of names.
    _require_new_engagement_code(client, terms.code)
    cal = create_calendar(
        tenant=client, actor=actor, name=f"{terms.code} calendar", **asdict(calendar)
    )
    return create_engagement(
        tenant=client, actor=actor, service_type=service_type, calendar=cal, **asdict(terms)
    )


def require_client_tenant(tenant: Organization) -> None:
    """Engagements are the client's: they are opened acting in the client's tenant."""
    if tenant.is_provider:
        raise DomainError("Create engagements while acting in the client's organization.")


def check_priority_rules(rules: Any) -> None:
    """Each rule is {field, equals or gte, priority 0-9}."""
    for rule in rules if isinstance(rules, list) else [None]:
        ok = (
            isinstance(rule, dict)
            and isinstance(rule.get("field"), str)
            and isinstance(rule.get("priority"), int)
            and 0 <= rule["priority"] <= MAX_PRIORITY
            and ("equals" in rule or "gte" in rule)
        )
        if not ok:
            raise refused(
                "priority_rules", "Each rule needs a field, a value and a priority from 0 to 9."
            )


def refused(field: str, message: str, code: str = ErrorCode.INVALID_SETTING) -> DomainError:
    """A setting refused in words, the message beside its field."""
    return DomainError(message, code=code, fields={field: [message]})


def add_team_member(
    *, engagement: Engagement, user: User, actor: User | None, is_lead: bool = False
) -> EngagementMember:
    """Put a person on the engagement's team (or change whether they lead it)."""
    with transaction.atomic():
        member, _ = EngagementMember.objects.for_tenant(engagement.tenant_id).update_or_create(
            tenant_id=engagement.tenant_id,
            engagement=engagement,
            user=user,
            defaults={"is_lead": is_lead},
        )
        event = events.team_member_set_event(member, username=user.username, is_lead=is_lead)
        events.record(tenant=engagement.tenant_id, actor=actor, event=event)
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
    """A view of the provider's work that agents claim from (by engagement, type, skill…)."""
    if not provider.is_provider:
        raise DomainError("Queues belong to the provider.", code=ErrorCode.NOT_PROVIDER)
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
        events.record(tenant=provider, actor=actor, event=events.queue_created_event(queue))
    return queue
