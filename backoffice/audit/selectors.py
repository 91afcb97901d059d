"""Reads of the audit log, always within one tenant."""

from typing import Any

from django.db.models import QuerySet

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import NotFound
from backoffice.tenancy.models import Organization


def events_for(
    tenant: Organization, *, action: str = "", object_type: str = ""
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.for_tenant(tenant).select_related("actor").order_by("-at", "-id")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs


def event_by_id(tenant: Organization, event_id: int) -> AuditEvent:
    event = (
        AuditEvent.objects.for_tenant(tenant).select_related("actor").filter(pk=event_id).first()
    )
    if event is None:
        raise NotFound("No such audit event.")
    return event


def verification_job(tenant: Organization, job_id: str) -> dict[str, Any]:
    """A verification job's state, if it was started for this tenant (else 404)."""
    from django.tasks.exceptions import TaskResultDoesNotExist

    from backoffice.audit.tasks import verify_tenant_audit_chain

    try:
        result = verify_tenant_audit_chain.get_result(job_id)
    except (TaskResultDoesNotExist, ValueError) as exc:
        raise NotFound("No such job.") from exc
    if result.kwargs.get("tenant_id") != tenant.pk:
        raise NotFound("No such job.")
    value = result.return_value if result.is_finished and result.status == "SUCCESSFUL" else None
    return {"id": str(result.id), "status": str(result.status), "result": value}
