"""The audit events of project requests and quotes: one builder per kind, each action
named here once. They are recorded in the provider's chain (the rows are the provider's),
inside the service's transaction; the actor may be the client's user."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from django.db import models

    from backoffice.portal.projects.models import (
        ProjectRequest,
        Quote,
        RequestSample,
        StandardRate,
    )
    from backoffice.tenancy.models import Organization, User


class Action(StrEnum):
    REQUEST_DRAFTED = "portal.request_drafted"
    REQUEST_SUBMITTED = "portal.request_submitted"
    REQUEST_WITHDRAWN = "portal.request_withdrawn"
    QUOTE_DRAFTED = "portal.quote_drafted"
    QUOTE_SENT = "portal.quote_sent"
    QUOTE_ACCEPTED = "portal.quote_accepted"
    QUOTE_DECLINED = "portal.quote_declined"
    RATE_SET = "portal.standard_rate_set"
    SAMPLE_ADDED = "portal.sample_added"


def record(*, tenant: Organization | int, actor: User | None, event: PendingEvent) -> None:
    """Append the event to the tenant's chain, in the caller's transaction."""
    record_events(tenant=tenant, actor=actor, events=[event])


def _event(
    action: Action, obj: models.Model, *, before: Any = None, after: Any = None
) -> PendingEvent:
    return PendingEvent(
        action=action.value,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
    )


def request_drafted(r: ProjectRequest) -> PendingEvent:
    return _event(
        Action.REQUEST_DRAFTED,
        r,
        after={
            "client": r.client_id,
            "kind": r.kind,
            "title": r.title,
            "service_type": r.service_type_id,
            "engagement": r.engagement_id,
            "expected_volume": r.expected_volume,
            "deadline": r.deadline.isoformat() if r.deadline else None,
            "languages": r.languages,
        },
    )


describe(Action.REQUEST_DRAFTED, "Project request {object} drafted")


def request_submitted(r: ProjectRequest) -> PendingEvent:
    return _event(
        Action.REQUEST_SUBMITTED, r, before={"status": "draft"}, after={"status": r.status}
    )


describe(Action.REQUEST_SUBMITTED, "Project request {object} sent to the provider")


def request_withdrawn(r: ProjectRequest, before: str) -> PendingEvent:
    return _event(
        Action.REQUEST_WITHDRAWN, r, before={"status": before}, after={"status": r.status}
    )


describe(Action.REQUEST_WITHDRAWN, "Project request {object} withdrawn")


def _lines(q: Quote) -> list[dict[str, Any]]:
    return [
        {"code": x.code, "metric": x.metric, "model": x.model, "unit_rate": x.unit_rate}
        for x in q.lines.all()
    ]


def quote_drafted(q: Quote) -> PendingEvent:
    return _event(
        Action.QUOTE_DRAFTED,
        q,
        after={
            "request": q.request_id,
            "number": q.number,
            "currency": q.currency,
            "valid_until": q.valid_until.isoformat(),
            "setup_fee": q.setup_fee,
            "minimum_commitment": q.minimum_commitment,
            "sla_minutes": q.sla_minutes,
            "lines": _lines(q),
        },
    )


describe(Action.QUOTE_DRAFTED, "Quote {after[number]} drafted for request {after[request]}")


def quote_sent(q: Quote, withdrawn: list[int]) -> PendingEvent:
    return _event(
        Action.QUOTE_SENT,
        q,
        before={"status": "draft"},
        after={"status": q.status, "request": q.request_id, "withdrawn_quotes": withdrawn},
    )


describe(Action.QUOTE_SENT, "Quote {object} sent to the client")


def quote_accepted(q: Quote, engagement_id: int, contract_id: int, version_id: int) -> PendingEvent:
    return _event(
        Action.QUOTE_ACCEPTED,
        q,
        before={"status": "sent"},
        after={
            "status": q.status,
            "request": q.request_id,
            "engagement": engagement_id,
            "contract": contract_id,
            "contract_version": version_id,
        },
    )


describe(Action.QUOTE_ACCEPTED, "Quote {object} accepted")


def quote_declined(q: Quote) -> PendingEvent:
    return _event(
        Action.QUOTE_DECLINED,
        q,
        before={"status": "sent"},
        after={"status": q.status, "reason": q.decline_reason},
    )


describe(Action.QUOTE_DECLINED, "Quote {object} declined")


def rate_set(r: StandardRate, before: dict[str, Any] | None) -> PendingEvent:
    return _event(
        Action.RATE_SET,
        r,
        before=before,
        after={
            "service_type": r.service_type_id,
            "code": r.code,
            "model": r.model,
            "unit_rate": r.unit_rate,
            "currency": r.currency,
        },
    )


describe(Action.RATE_SET, "Standard rate {object} set")


def sample_added(s: RequestSample) -> PendingEvent:
    return _event(
        Action.SAMPLE_ADDED,
        s,
        after={"request": s.request_id, "name": s.name, "content_type": s.content_type,
               "size": s.size},
    )  # fmt: skip


describe(Action.SAMPLE_ADDED, "Sample {object} attached to a project request")
