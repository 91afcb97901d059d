"""Work data made through the real services (as production makes it)."""

from __future__ import annotations

from typing import Any

from backoffice.tenancy.models import Organization, User
from backoffice.work import services
from backoffice.work.models import Engagement, ServiceType, State, WorkItem

SIMPLE_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "amount": {"type": "number", "minimum": 0},
        "pages": {"type": "integer", "minimum": 1},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "when": {"type": "string", "format": "date"},
    },
    "required": ["name", "amount"],
    "additionalProperties": False,
}
OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {"result": {"type": "string", "minLength": 1}},
    "required": ["result"],
}


def make_service_type(provider: Organization, code: str = "simple", **kw: Any) -> ServiceType:
    values: dict[str, Any] = {
        "name": "Simple capture",
        "input_schema": SIMPLE_SCHEMA,
        "output_schema": OUTPUT_SCHEMA,
        "workflow": [
            {"step": "capture", "role": "agent"},
            {"step": "review", "role": "qa_reviewer"},
            {"step": "done", "role": "team_lead"},
        ],
        "qa_sample_percent": 0,
        "default_sla_minutes": 480,
    }
    values.update(kw)
    return services.create_service_type(provider=provider, actor=None, code=code, **values)


def make_engagement(
    client: Organization,
    service_type: ServiceType,
    code: str = "eng",
    **kw: Any,
) -> Engagement:
    calendar = services.create_calendar(
        tenant=client, actor=None, name=f"{code} calendar", holiday_country=""
    )
    return services.create_engagement(
        tenant=client,
        actor=None,
        service_type=service_type,
        calendar=calendar,
        code=code,
        **kw,
    )


def submit(engagement: Engagement, ref: str, actor: User | None = None, **data: Any):
    payload = {"name": "x", "amount": 1, **data}
    item, _ = services.submit_item(
        engagement=engagement, actor=actor, external_ref=ref, data=payload
    )
    return item


QA_OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "vendor": {"type": "string", "minLength": 1},
        "total": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
        "paid": {"type": "boolean"},
    },
    "required": ["vendor", "total", "currency"],
    "additionalProperties": False,
}
QA_OUTPUT = {"vendor": "Acme", "total": 120.5, "currency": "EUR", "paid": False}


def make_qa_engagement(
    client: Organization, provider: Organization, code: str = "qa", **kw: Any
) -> Engagement:
    """An engagement whose every item goes to QA review (sample 100%), with a 4-field output."""
    st = ServiceType.objects.for_tenant(provider).filter(code="qa-capture").first()
    if st is None:
        st = make_service_type(
            provider, code="qa-capture", output_schema=QA_OUTPUT_SCHEMA, qa_sample_percent=100
        )
    return make_engagement(client, st, code=code, **kw)


def key(item: WorkItem, agent: User, output: dict[str, Any]) -> WorkItem:
    """Let `agent` take the item and complete it with `output` (one key of a double key)."""
    services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    return services.complete_item(item=item, actor=agent, output=dict(output))


def key_item(engagement: Engagement, ref: str, agent: User, output: dict[str, Any] | None = None):
    """Submit an item, let `agent` take it and complete it with `output`."""
    return key(submit(engagement, ref), agent, QA_OUTPUT if output is None else output)
