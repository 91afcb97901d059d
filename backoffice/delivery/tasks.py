"""Background jobs of the delivery app (django-tasks, run by `backoffice worker`)."""

from typing import Any

from django.tasks import task

from backoffice.delivery import services


@task()
def deliver_webhook(*, delivery_id: int, tenant_id: int, manual: bool = False) -> dict[str, Any]:
    """One try of one webhook delivery; a failure schedules the next try itself."""
    done = services.attempt_delivery(delivery_id=delivery_id, tenant_id=tenant_id, manual=manual)
    if done is None:
        return {"tried": False}
    return {"tried": True, "status": done.status, "attempts": done.attempts}


@task()
def deliver_due_webhooks(*, tenant_id: int, **_: Any) -> dict[str, Any]:
    """The client's batch sender: every due delivery, in batches, until none is due."""
    return {"tried": services.deliver_due(tenant_id=tenant_id)}
