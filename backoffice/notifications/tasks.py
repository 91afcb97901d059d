"""Background jobs of notifications (each wraps a service; all safe to run twice)."""

from typing import Any

from django.tasks import task

from backoffice.notifications import services


@task()
def send_email(*, tenant_id: int, outbound_id: int, **_: Any) -> str:
    """Send one logged mail (a mail already sent is not sent again)."""
    return services.deliver(tenant_id=tenant_id, outbound_id=outbound_id)


@task()
def send_digests(**_: Any) -> dict[str, Any]:
    """The daily digest of each person whose local digest hour (08:00) has come: their
    waiting messages in one mail per organization. Run it every 15 minutes or so."""
    return {"digests": services.send_due_digests()}


@task()
def retry_failed_email(**_: Any) -> dict[str, Any]:
    """Send again the mails that failed (a few tries each)."""
    return {"retried": services.retry_failed()}
