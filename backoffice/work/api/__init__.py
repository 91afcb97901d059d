"""API of the work app (mounted at /api/v1/work by `backoffice.site.api`).

One router per topic, combined into `router` in the order the endpoints have always been
listed. Handlers are thin: fetch and authorise through `work.access`, call a service or a
selector, render with `render.py`.

| module | endpoints |
| --- | --- |
| `catalog` | service types, engagements, intake (one item, bulk, files) |
| `items` | the item list and detail, moves, comments, questions, attachments |
| `agents` | claim-next, queues, backlog |
| `quality` | QA queue and reviews, accuracy, handle time, double key |
"""

from __future__ import annotations

from ninja import Router

from backoffice.work.api import agents, catalog, items, quality

router = Router(tags=["work"])

for _topic in (catalog, items, agents, quality):
    for _path_view in _topic.router.path_operations.values():
        for _operation in _path_view.operations:
            # The OpenAPI operation ids stay what they were when this was one module.
            _operation.operation_id = _operation.operation_id or (
                f"backoffice_work_api_{_operation.view_func.__name__}"
            )
    router.add_router("", _topic.router)

__all__ = ["router"]
