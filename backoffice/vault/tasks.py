"""Background jobs of the vault."""

from typing import Any

from django.tasks import task

from backoffice.vault import services


@task()
def rotate_data_key(*, tenant_id: int, job_id: int) -> dict[str, Any]:
    """Re-seal a tenant's values under its new data key, chunk by chunk."""
    try:
        job = services.continue_rotation(tenant_id=tenant_id, job_id=job_id)
    except Exception as exc:
        services.fail_rotation(tenant_id=tenant_id, job_id=job_id, error=type(exc).__name__)
        raise
    return {"status": job.status, "done": job.done, "total": job.total}
