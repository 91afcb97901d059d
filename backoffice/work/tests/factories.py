"""Work data made through the real services (as production makes it)."""

from __future__ import annotations

from typing import Any

from backoffice.tenancy.models import Organization, User
from backoffice.work import services
from backoffice.work.models import Engagement, ServiceType

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
