"""Work API: items — the list and detail, their moves, comments, questions and files.

Who may do what is `access.py`'s (the same rules the pages use); a handler parses,
fetches through `access_*_by_id` (another tenant's id is a 404), calls a service, renders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from backoffice.core.errors import DomainError
from backoffice.core.numbers import MAX_ID
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault import fields as vault_fields
from backoffice.vault import index as blind_index
from backoffice.vault import keys as vault_keys
from backoffice.work import access as rules
from backoffice.work import selectors, services
from backoffice.work.access import access_comment_by_id, access_item_by_id
from backoffice.work.api import schemas
from backoffice.work.api.base import item_page, scope
from backoffice.work.api.render import attachment_out, comment_out, item_detail_out, item_out
from backoffice.work.models import State, WorkItem
from backoffice.work.services.items import reveal_item_field
from backoffice.work.services.submit import ITEM_RECORD

router = Router()


@router.get("/items", response=schemas.ItemPageOut)
def list_items(
    request: HttpRequest,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    state: str | None = None,
    external_ref: str | None = None,
    assignee: str | None = None,
    at_risk: bool | None = None,
    breached: bool | None = None,
    open: bool | None = None,
    field: str | None = Query(None, max_length=100),
    value: str | None = Query(None, max_length=500),
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=500),
) -> dict:
    """Items the caller may see, newest first; the same envelope as every paged list.
    `field` and `value` find items by the exact value of a searchable confidential field
    (through the blind index; needs `engagement_id`)."""
    with scope(request, Perm.VIEW_WORK) as access:
        if state and state not in State.values:
            raise DomainError("Unknown state.", fields={"state": [f"one of {State.values}"]})
        found = _found_by_field(access, engagement_id, field, value)
        qs = selectors.items(
            access,
            engagement_id=engagement_id,
            state=state,
            external_ref=external_ref,
            assignee__username=assignee,
            at_risk=at_risk,
            breached=breached,
            open=open,
        ).select_related("engagement__calendar", "engagement__tenant")
        if found is not None:
            qs = qs.filter(pk__in=found)
        return item_page(qs, page, page_size)


def _found_by_field(
    access: TenantAccess, engagement_id: int | None, field: str | None, value: str | None
) -> list[int] | None:
    """The ids whose searchable confidential `field` is `value` (None: no such search)."""
    if field is None and value is None:
        return None
    if not field or value is None or engagement_id is None:
        raise DomainError(
            "To search by a confidential field, give the engagement, the field and the value.",
            fields={"field": ["Give engagement_id, field and value together."]},
        )
    engagement = next((e for e in selectors.engagements(access) if e.pk == engagement_id), None)
    searchable = (
        {f.name for f in vault_fields.sensitive_fields(engagement.input_schema) if f.searchable}
        if engagement is not None
        else set()
    )
    if field not in searchable:
        raise DomainError(
            "That field cannot be searched: only confidential fields marked searchable can.",
            fields={"field": [f"One of: {', '.join(sorted(searchable)) or 'none'}."]},
        )
    try:
        ring = vault_keys.keyring(engagement.tenant_id)  # type: ignore[union-attr]
    except vault_keys.NoKey:
        return []
    return blind_index.find(ring, ITEM_RECORD, f"data.{field}", value)


@router.get("/items/{item_id}", response=schemas.ItemDetailOut)
def get_item(request: HttpRequest, item_id: int) -> dict:
    with scope(request, Perm.VIEW_WORK) as access:
        return item_detail_out(access_item_by_id(access, item_id), access)


def _move(
    request: HttpRequest,
    item_id: int,
    perm: str,
    move: Callable[[TenantAccess, WorkItem], WorkItem],
) -> dict:
    """Fetch the item, let `move` call its service, render the item as it is now."""
    with scope(request, perm) as access:
        return item_out(move(access, access_item_by_id(access, item_id)), access=access)


def _by(
    service: Callable[..., WorkItem], payload: Schema
) -> Callable[[TenantAccess, WorkItem], WorkItem]:
    """`service` on the item, by the caller, with the payload's fields as its arguments."""
    return lambda access, item: service(item=item, actor=access.user, **payload.dict())


@router.post("/items/{item_id}/transition", response=schemas.ItemOut)
def transition_item(request: HttpRequest, item_id: int, payload: schemas.TransitionIn) -> dict:
    def move(access: TenantAccess, item: WorkItem) -> WorkItem:
        rules.transition_rule(payload.to).require(access)
        return services.transition_item(
            item=item, actor=access.user, to=payload.to, note=payload.note
        )

    return _move(request, item_id, Perm.VIEW_WORK, move)


@router.post("/items/{item_id}/complete", response=schemas.ItemOut)
def complete_item(request: HttpRequest, item_id: int, payload: schemas.CompleteIn) -> dict:
    return _move(request, item_id, Perm.PROCESS_WORK, _by(services.complete_item, payload))


@router.post("/items/{item_id}/review", response=schemas.ItemOut)
def review_item(request: HttpRequest, item_id: int, payload: schemas.ReviewIn) -> dict:
    return _move(request, item_id, Perm.REVIEW_WORK, _by(services.review_item, payload))


@router.post("/items/{item_id}/assign", response=schemas.ItemOut)
def assign_item(request: HttpRequest, item_id: int, payload: schemas.AssignIn) -> dict:
    def move(access: TenantAccess, item: WorkItem) -> WorkItem:
        assignee = services.assignee_named(payload.username)
        return services.assign_item(item=item, assignee=assignee, actor=access.user)

    return _move(request, item_id, Perm.ROUTE_WORK, move)


@router.post("/items/{item_id}/reveal", response=schemas.RevealOut)
def reveal_field(request: HttpRequest, item_id: int, payload: schemas.RevealIn) -> dict:
    """One confidential value of the item, with the reason you give (audited; without a
    reason it is refused and nothing is recorded)."""
    with scope(request, Perm.REVEAL_SENSITIVE) as access:
        item = access_item_by_id(access, item_id)
        value = reveal_item_field(
            access=access, item=item, field=payload.field, reason=payload.reason
        )
        return {"field": payload.field, "value": value}


@router.post("/items/{item_id}/skip", response=schemas.ItemOut)
def skip_item(request: HttpRequest, item_id: int, payload: schemas.SkipIn) -> dict:
    return _move(request, item_id, Perm.PROCESS_WORK, _by(services.release_item, payload))


@router.get("/items/{item_id}/comments", response=list[schemas.CommentOut])
def list_comments(request: HttpRequest, item_id: int) -> list[dict]:
    with scope(request, Perm.VIEW_WORK) as access:
        item = access_item_by_id(access, item_id)
        return [comment_out(c) for c in selectors.item_comments(item)]


@router.post("/items/{item_id}/comments", response={201: schemas.CommentOut})
def add_comment(request: HttpRequest, item_id: int, payload: schemas.TextIn) -> Status[Any]:
    with scope(request, Perm.VIEW_WORK) as access:
        item = access_item_by_id(access, item_id, perm=rules.COMMENT)
        comment = services.add_comment(item=item, actor=access.user, body=payload.body)
        return Status(201, comment_out(comment))


@router.post("/items/{item_id}/questions", response={201: schemas.CommentOut})
def ask_client(request: HttpRequest, item_id: int, payload: schemas.TextIn) -> Status[Any]:
    """Ask the client a question: the item waits and its SLA clock stops."""
    with scope(request, Perm.PROCESS_WORK) as access:
        item = access_item_by_id(access, item_id)
        question = services.ask_client(item=item, actor=access.user, question=payload.body)
        return Status(201, comment_out(question))


@router.post("/items/{item_id}/questions/{question_id}/answer", response={201: schemas.CommentOut})
def answer_question(
    request: HttpRequest, item_id: int, question_id: int, payload: schemas.TextIn
) -> Status[Any]:
    """The client answers; the clock restarts with the paused time added to the due time."""
    with scope(request, Perm.SUBMIT_WORK) as access:
        item = access_item_by_id(access, item_id)
        question = access_comment_by_id(access, item, question_id)
        answer = services.answer_question(question=question, actor=access.user, body=payload.body)
        return Status(201, comment_out(answer))


@router.post("/items/{item_id}/attachments", response={201: schemas.AttachmentOut})
def add_attachment(request: HttpRequest, item_id: int, file: File[UploadedFile]) -> Status[Any]:
    with scope(request, Perm.VIEW_WORK) as access:
        item = access_item_by_id(access, item_id, perm=rules.ATTACH)
        attachment = services.add_attachment(item=item, actor=access.user, upload=file)
        return Status(201, attachment_out(attachment))
