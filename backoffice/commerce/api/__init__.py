"""API of the commerce app (mounted at /api/v1/commerce by `backoffice.site.api`).

Thin adapters: parse, call a selector or a service, shape the answer. Records are fetched
for the caller by `selectors.access_<thing>_by_id` (permission first, then the tenant's
record: another tenant's id is a 404). Amounts are integer minor units.

One module per topic; each adds its operations to the one `router` (`_common.py`). They
are imported here in the order the paths appear in the OpenAPI document.
"""

from importlib import import_module

from backoffice.commerce.api._common import router

# Each module adds its operations to `router` as it is imported, so this order is the
# order of the paths (and of route matching: `/reports/aging` before `/reports/{side}`).
TOPICS = ("parties", "catalog", "documents", "payments", "settings", "reports")
for _topic in TOPICS:
    import_module(f"{__name__}.{_topic}")

__all__ = ["router"]
