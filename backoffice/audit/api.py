"""API: read the tenant's audit log; run a chain verification as a background job."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from backoffice.api.pagination import Page
from backoffice.audit import selectors, services
from backoffice.core.access import Access

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    lane: int
    seq: int
    at: datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    request_id: str
    hash: str

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.username if obj.actor_id else None


class JobOut(Schema):
    id: str
    status: str
    result: Any = None


@router.get("/events", response=list[AuditEventOut])
@paginate(Page)
def list_events(request: HttpRequest, action: str = "", object_type: str = "") -> Any:
    access: Access = request.auth  # type: ignore[attr-defined]
    return selectors.access_events(access, action=action, object_type=object_type)


@router.get("/events/{event_id}", response=AuditEventOut)
def get_event(request: HttpRequest, event_id: int) -> Any:
    access: Access = request.auth  # type: ignore[attr-defined]
    return selectors.access_event_by_id(access, event_id)


@router.post("/verifications", response={202: JobOut})
def start_verification(request: HttpRequest) -> Status[dict]:
    access: Access = request.auth  # type: ignore[attr-defined]
    result = services.start_chain_verification(access=access)
    return Status(202, {"id": str(result.id), "status": str(result.status)})


@router.get("/verifications/{job_id}", response=JobOut)
def get_verification(request: HttpRequest, job_id: str) -> dict:
    access: Access = request.auth  # type: ignore[attr-defined]
    return selectors.access_verification_by_id(access, job_id)
