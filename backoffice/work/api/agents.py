"""Work API: the agent's claim, the provider's queues and the team lead's backlog."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from backoffice.api.params import Id
from backoffice.tenancy.roles import Perm
from backoffice.work import selectors, services
from backoffice.work.access import access_queue_by_id
from backoffice.work.api import schemas
from backoffice.work.api.base import access_of, scope
from backoffice.work.api.render import item_out, queue_out
from backoffice.work.models import Queue

router = Router()


@router.post("/claim-next", response={200: schemas.ItemOut, 204: None})
def claim_next(request: HttpRequest, queue_id: Id | None = None) -> Any:
    """Take the most urgent eligible item (204 when nothing is eligible).

    Acting in the provider's tenant, the agent claims across every client they serve;
    acting in a client's tenant, only from that client.
    """
    access = access_of(request)
    access.require(Perm.PROCESS_WORK)
    queue: Queue | None = None
    if queue_id is not None:
        with scope(request, Perm.PROCESS_WORK):
            queue = access_queue_by_id(access, queue_id)
    # The claim runs outside any transaction of ours: on PostgreSQL it is one statement.
    item = services.claim_next_for(access=access, queue=queue)
    if item is None:
        return HttpResponse(status=204)
    with scope(request, Perm.PROCESS_WORK):
        return Status(200, item_out(item))


@router.get("/queues", response=list[schemas.QueueOut])
def list_queues(request: HttpRequest) -> list[dict]:
    with scope(request, Perm.PROCESS_WORK) as access:
        if not access.tenant.is_provider:
            return []
        return [queue_out(q) for q in selectors.queues(access)]


@router.get("/backlog", response=list[schemas.BacklogOut])
def backlog(request: HttpRequest) -> list[dict]:
    with scope(request, Perm.ROUTE_WORK) as access:
        return [
            {
                **{k: v for k, v in row.items() if k != "engagement"},
                "engagement": row["engagement"].name,
                "tenant": row["engagement"].tenant.slug,
            }
            for row in selectors.backlog(access)
        ]
