"""API of the work app (mounted at /api/v1/work)."""

from ninja import Router

router = Router(tags=["work"])
