"""Background jobs of the audit app."""

from typing import Any

from django.db import transaction
from django.tasks import task

from backoffice.audit.verify import verify_tenant_chain
from backoffice.core.rls import set_rls_tenants


@task()
def verify_tenant_audit_chain(*, tenant_id: int) -> dict[str, Any]:
    """Verify one tenant's chain; the result names the first broken link, if any."""
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        broken = verify_tenant_chain(tenant_id)
    return {"intact": broken is None, "broken": str(broken) if broken else None}
