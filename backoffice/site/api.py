"""The JSON API under /api/v1: one NinjaAPI, one router per bounded context."""

from django.conf import settings

from backoffice.api.errors import install_error_handlers
from backoffice.api.openapi import BackofficeAPI
from backoffice.tenancy.auth import api_auth

api = BackofficeAPI(
    title="Backoffice API",
    version="1",
    description=(
        "Back-office operations platform. Authenticate with `Authorization: Bearer <token>` "
        "(a personal token scoped to one tenant) or the browser session plus `X-Tenant`. "
        'Errors always have the body {"error": {"code", "message", "fields"}}. '
        "Create endpoints honour an `Idempotency-Key` header."
    ),
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)


def _mount() -> None:
    from backoffice.audit.api import router as audit_router
    from backoffice.billing.api import router as billing_router
    from backoffice.commerce.api import router as commerce_router
    from backoffice.conversations.api import router as conversations_router
    from backoffice.delivery.api import router as delivery_router
    from backoffice.identity.api import router as identity_router
    from backoffice.ledger.api import router as ledger_router
    from backoffice.notifications.api import router as notifications_router
    from backoffice.portal.api import router as portal_router
    from backoffice.privacy.api import router as privacy_router
    from backoffice.reports.api import router as reports_router
    from backoffice.tenancy.api import router as tenancy_router
    from backoffice.vault.api import router as vault_router
    from backoffice.work.api import router as work_router
    from backoffice.workforce.api import router as workforce_router

    api.add_router("/", tenancy_router)
    api.add_router("/audit", audit_router)
    api.add_router("/ledger", ledger_router)
    api.add_router("/work", work_router)
    api.add_router("/commerce", commerce_router)
    api.add_router("/billing", billing_router)
    api.add_router("/conversations", conversations_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/delivery", delivery_router)
    api.add_router("/identity", identity_router)
    api.add_router("/portal", portal_router)
    api.add_router("/workforce", workforce_router)
    api.add_router("/privacy", privacy_router)
    api.add_router("/reports", reports_router)
    api.add_router("/vault", vault_router)


_mount()
__all__ = ["api", "settings"]
