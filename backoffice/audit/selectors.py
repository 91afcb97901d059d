"""Reads of the audit log: each fetches within the caller's tenant and checks the audit
permission together, so the API and the pages ask the same question the same way."""

from typing import Any

from django.db.models import QuerySet

from backoffice.audit.models import AuditEvent
from backoffice.audit.permissions import VIEW_AUDIT
from backoffice.audit.verify import ChainReport, check_tenant_chain
from backoffice.core.access import Access
from backoffice.core.errors import NotFound


def access_events(
    access: Access, *, action: str = "", object_type: str = ""
) -> QuerySet[AuditEvent]:
    access.require(VIEW_AUDIT)
    qs = AuditEvent.objects.for_tenant(access.tenant).select_related("actor").order_by("-at", "-id")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs


def access_event_by_id(access: Access, event_id: int) -> AuditEvent:
    access.require(VIEW_AUDIT)
    event = (
        AuditEvent.objects.for_tenant(access.tenant)
        .select_related("actor")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise NotFound("No such audit event.")
    return event


def access_chain_report(access: Access) -> ChainReport:
    """The caller's tenant chain verified now, for the auditor's "Verify chain" button."""
    access.require(VIEW_AUDIT)
    return check_tenant_chain(access.tenant.pk)


def access_verification_by_id(access: Access, job_id: str) -> dict[str, Any]:
    """A verification job's state, if it was started for this tenant (else 404)."""
    from django.tasks.exceptions import TaskResultDoesNotExist

    from backoffice.audit.tasks import verify_tenant_audit_chain

    access.require(VIEW_AUDIT)
    try:
        result = verify_tenant_audit_chain.get_result(job_id)
    except (TaskResultDoesNotExist, ValueError) as exc:
        raise NotFound("No such job.") from exc
    if result.kwargs.get("tenant_id") != access.tenant.pk:
        raise NotFound("No such job.")
    value = result.return_value if result.is_finished and result.status == "SUCCESSFUL" else None
    return {"id": str(result.id), "status": str(result.status), "result": value}
