from ninja import Router

from backoffice.portal.dashboard.api import router as dashboard_router
from backoffice.portal.projects.api import router as projects_router

router = Router(tags=["portal"])
router.add_router("", projects_router)
router.add_router("", dashboard_router)
