"""A project request's conversation: the conversations app keeps the thread (in the
client's tenant, subject kind "request", the request's id); the portal tells it what the
request is called and opens the thread from the request page."""

from __future__ import annotations

from backoffice.conversations import hooks
from backoffice.conversations import services as conversations
from backoffice.conversations.models import Thread
from backoffice.portal.projects.models import ProjectRequest
from backoffice.tenancy.models import Organization
from backoffice.tenancy.selectors import TenantAccess

KIND = "request"


def request_title(tenant_id: int, subject_id: int) -> str | None:
    """The title of client `tenant_id`'s request `subject_id` (None: it has no such one)."""
    client = Organization.objects.filter(pk=tenant_id, provider__isnull=False).first()
    if client is None:
        return None
    found = (
        ProjectRequest.objects.for_tenant(int(client.provider_id or 0))
        .filter(pk=subject_id, client_id=client.pk)
        .first()
    )
    return None if found is None else f"Project request: {found.title}"


def register() -> None:
    """Called from the portal's `AppConfig.ready()`."""
    hooks.register_subject(KIND, request_title)


def thread_of(access: TenantAccess, req: ProjectRequest) -> Thread:
    """The request's thread, started now if it has none (the caller already holds the
    request through `access_request_by_id`)."""
    return conversations.thread_for(
        tenant_id=req.client_id, subject_kind=KIND, subject_id=req.pk, actor=access.user
    )
