"""A client's project requests: drafted, sent to the provider, withdrawn. Each function is
one transaction with its audit event, in the provider's chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.portal.projects import events, selectors
from backoffice.portal.projects.error_codes import ErrorCode
from backoffice.portal.projects.models import ProjectRequest, Quote
from backoffice.portal.projects.services._common import Errors, see_both
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

MAX_VOLUME = 10**9


@dataclass(frozen=True)
class RequestIn:
    """What a client asks for. `service_type_id` None: something not in the catalogue;
    `engagement_id` names the running engagement a change request is about."""

    title: str
    description: str
    kind: str = ProjectRequest.Kind.NEW
    service_type_id: int | None = None
    engagement_id: int | None = None
    expected_volume: int | None = None
    volume_unit: str = ""
    deadline: date | None = None
    languages: str = ""


def _require_requester(access: TenantAccess) -> None:
    if access.tenant.is_provider:
        raise Forbidden("Project requests are made from the client's organization.")
    access.require(Perm.REQUEST_PROJECTS)


def _check(access: TenantAccess, data: RequestIn) -> dict[str, Any]:
    """The request's fields, cleaned; every problem at once, in words."""
    errors: Errors = {}
    if data.kind not in ProjectRequest.Kind.values:
        errors["kind"] = ["a new project or a change to a running engagement"]
    title, description = data.title.strip(), data.description.strip()
    if not title:
        errors["title"] = ["Give the project a short name."]
    elif len(title) > 200:
        errors["title"] = ["At most 200 characters."]
    if not description:
        errors["description"] = ["Describe the work: what comes in, what you need back."]
    service_type = None
    if data.service_type_id is not None:
        service_type = selectors.catalogue(access).filter(pk=data.service_type_id).first()
        if service_type is None:
            errors["service_type_id"] = ["Not a service of the catalogue."]
    engagement = None
    if data.kind == ProjectRequest.Kind.CHANGE:
        if data.engagement_id is None:
            errors["engagement_id"] = ["Choose the engagement to change."]
        else:
            engagement = selectors.client_engagements(access).filter(pk=data.engagement_id).first()
            if engagement is None:
                errors["engagement_id"] = ["Not one of your running engagements."]
            elif service_type is None:
                service_type = engagement.service_type
    volume = data.expected_volume
    if volume is not None and (isinstance(volume, bool) or not 0 < volume <= MAX_VOLUME):
        errors["expected_volume"] = ["A whole number above zero."]
    today = selectors.today_in(access.tenant.timezone)
    if data.deadline is not None and data.deadline < today:
        errors["deadline"] = [f"The deadline has passed: choose {today:%-d %B %Y} or later."]
    if len(data.languages) > 200 or len(data.volume_unit) > 50:
        errors["languages" if len(data.languages) > 200 else "volume_unit"] = ["Too long."]
    if errors:
        raise DomainError(
            "The request is not complete.", code=ErrorCode.INVALID_REQUEST, fields=errors
        )
    languages = ", ".join(x.strip() for x in data.languages.split(",") if x.strip())
    return {
        "kind": data.kind,
        "title": title,
        "description": description,
        "service_type": service_type,
        "engagement": engagement,
        "expected_volume": volume,
        "volume_unit": data.volume_unit.strip(),
        "deadline": data.deadline,
        "languages": languages,
    }


def create_request(
    *, access: TenantAccess, data: RequestIn, submit: bool = False
) -> ProjectRequest:
    """A new request of the caller's organization, kept as a draft or sent at once."""
    _require_requester(access)
    values = _check(access, data)
    with transaction.atomic():
        see_both(access)
        req = ProjectRequest.objects.create(
            tenant_id=selectors.provider_of(access.tenant),
            client=access.tenant,
            created_by=access.user,
            **values,
        )
        events.record(tenant=req.tenant_id, actor=access.user, event=events.request_drafted(req))
        if submit:
            _submit(access, req)
    return req


def _submit(access: TenantAccess, req: ProjectRequest) -> None:
    req.status = ProjectRequest.Status.SUBMITTED
    req.submitted_at = timezone.now()
    req.save(update_fields=["status", "submitted_at", "updated_at"])
    events.record(tenant=req.tenant_id, actor=access.user, event=events.request_submitted(req))


def submit_request(*, access: TenantAccess, request_id: int) -> ProjectRequest:
    """Send a draft to the provider (its deadline must still be ahead)."""
    _require_requester(access)
    with transaction.atomic():
        see_both(access)
        req = selectors.access_request_by_id(access, request_id, for_update=True)
        if req.status != ProjectRequest.Status.DRAFT:
            raise Conflict(
                f"This request was already sent ({req.get_status_display().lower()}).",
                code=ErrorCode.REQUEST_NOT_DRAFT,
            )
        if req.deadline is not None and req.deadline < selectors.today_in(access.tenant.timezone):
            raise DomainError(
                "The deadline has passed: change it before sending the request.",
                code=ErrorCode.INVALID_REQUEST,
                fields={"deadline": ["The deadline has passed."]},
            )
        _submit(access, req)
    return req


def withdraw_request(*, access: TenantAccess, request_id: int) -> ProjectRequest:
    """The client no longer wants it (before a quote was accepted)."""
    _require_requester(access)
    with transaction.atomic():
        see_both(access)
        req = selectors.access_request_by_id(access, request_id, for_update=True)
        open_ = (
            ProjectRequest.Status.DRAFT,
            ProjectRequest.Status.SUBMITTED,
            ProjectRequest.Status.QUOTED,
            ProjectRequest.Status.DECLINED,
        )
        if req.status not in open_:
            raise Conflict(
                f"This request cannot be withdrawn: it is {req.get_status_display().lower()}.",
                code=ErrorCode.REQUEST_NOT_OPEN,
            )
        before = req.status
        req.status = ProjectRequest.Status.WITHDRAWN
        req.save(update_fields=["status", "updated_at"])
        Quote.objects.for_tenant(req.tenant_id).filter(request=req, status="sent").update(
            status="withdrawn"
        )
        events.record(
            tenant=req.tenant_id, actor=access.user, event=events.request_withdrawn(req, before)
        )
    return req
