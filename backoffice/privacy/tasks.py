"""Background jobs of privacy: the periodic retention run and a client's offboarding."""

from typing import Any

from django.tasks import task

from backoffice.core.errors import DomainError
from backoffice.privacy import offboarding, services


@task()
def apply_retention(**_: Any) -> dict[str, Any]:
    """Every active retention rule: erase what is due (held items stay)."""
    runs = services.apply_retention()
    return {
        "rules": len(runs),
        "erased": sum(r.erasable for r in runs),
        "held": sum(r.held for r in runs),
    }


@task()
def run_offboarding(*, tenant_id: int, job_id: int) -> dict[str, Any]:
    """Export, erase, certify; a failure marks the job failed (it can be resumed)."""
    try:
        job = offboarding.continue_offboarding(tenant_id=tenant_id, job_id=job_id)
    except DomainError as exc:
        offboarding.fail_offboarding(tenant_id=tenant_id, job_id=job_id, error=exc.message)
        return {"status": "failed"}
    except Exception as exc:
        offboarding.fail_offboarding(tenant_id=tenant_id, job_id=job_id, error=type(exc).__name__)
        raise
    return {"status": job.status, "done": job.done, "total": job.total}
