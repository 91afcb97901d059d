"""The project's URLs plus commerce's, with the commerce router on the shared API object.

Only used by tests/settings_commerce.py until the lead wires the app in for good; every
step is skipped when the project already mounts commerce.
"""

from django.urls import include, path

from backoffice.commerce.api import router
from backoffice.site.api import api

if not any(r is router for _, r in api._routers):
    api.add_router("/commerce", router)

from backoffice.urls import urlpatterns as base_patterns

urlpatterns = list(base_patterns)
if not any(getattr(p, "namespace", None) == "commerce" for p in base_patterns):
    urlpatterns.insert(-1, path("", include("backoffice.commerce.urls")))
