"""Talking about an item: comments, questions to the client and their answers.

A question stops the item's SLA clock (the item waits on the client); the last answer
restarts it, with the paused business time added to the due time.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError
from backoffice.tenancy.models import User
from backoffice.work import events
from backoffice.work.error_codes import ErrorCode
from backoffice.work.events import Action
from backoffice.work.models import Comment, State, WorkItem
from backoffice.work.sla import at_risk_at, clock_between, due_at
from backoffice.work.transitions import lock_item, move_item


def add_comment(*, item: WorkItem, actor: User, body: str) -> Comment:
    """A note on the item, visible to the client and the provider alike."""
    if not body.strip():
        raise DomainError("A comment needs text.", fields={"body": ["required"]})
    with transaction.atomic():
        comment = _post(item, actor, Comment.Kind.NOTE, body, at=timezone.now())
        events.record(tenant=item.tenant_id, actor=actor, event=events.comment_added_event(comment))
    return comment


def ask_client(*, item: WorkItem, actor: User, question: str) -> Comment:
    """Ask the client; the item waits on them and its SLA clock stops until they answer."""
    if not question.strip():
        raise DomainError("A question needs text.", fields={"body": ["required"]})
    with transaction.atomic():
        item = lock_item(item)
        now = timezone.now()
        comment = _post(item, actor, Comment.Kind.QUESTION, question, at=now)
        move_item(
            item,
            State.WAITING_ON_CLIENT,
            actor=actor,
            note=f"question: {question}",
            action=Action.CLIENT_ASKED,
            now=now,
            paused_at=now,
        )
    return comment


def answer_question(*, question: Comment, actor: User, body: str) -> Comment:
    """The client answers; paused business time is added and the due time moves back."""
    if question.kind != Comment.Kind.QUESTION:
        raise DomainError("Only a question can be answered.", code=ErrorCode.NOT_A_QUESTION)
    if question.answered_at is not None:
        raise Conflict("This question has been answered.", code=ErrorCode.ALREADY_ANSWERED)
    if not body.strip():
        raise DomainError("An answer needs text.", fields={"body": ["required"]})
    with transaction.atomic():
        item = lock_item(question.item)
        now = timezone.now()
        answer = _post(item, actor, Comment.Kind.ANSWER, body, at=now, reply_to=question)
        question.answered_at = now
        question.save(update_fields=["answered_at"])
        if item.state == State.WAITING_ON_CLIENT and not _open_questions(item, exclude=question):
            resume_item(item=item, actor=actor, now=now)
        else:
            events.record(
                tenant=item.tenant_id, actor=actor, event=events.client_answered_event(answer)
            )
    return answer


def _post(
    item: WorkItem,
    author: User,
    kind: str,
    body: str,
    *,
    at: datetime,
    reply_to: Comment | None = None,
) -> Comment:
    return Comment.objects.create(
        tenant_id=item.tenant_id,
        item=item,
        author=author,
        kind=kind,
        body=body,
        reply_to=reply_to,
        created_at=at,
    )


def _open_questions(item: WorkItem, *, exclude: Comment) -> bool:
    return (
        item.comments.filter(kind=Comment.Kind.QUESTION, answered_at__isnull=True)
        .exclude(pk=exclude.pk)
        .exists()
    )


def resume_item(*, item: WorkItem, actor: User | None, now: datetime) -> WorkItem:
    """End the pause (inside the caller's transaction): add paused time, move the due time."""
    engagement = item.engagement
    assert item.paused_at is not None
    paused = clock_between(engagement, item.paused_at, now)
    total = item.paused_seconds + max(0, int(paused.total_seconds()))
    to = State.IN_PROGRESS if item.assignee_id else State.QUEUED
    return move_item(
        item,
        to,
        actor=actor,
        note="client answered",
        action=Action.CLIENT_ANSWERED,
        now=now,
        paused_at=None,
        paused_seconds=total,
        sla_due_at=due_at(engagement, item.received_at, total),
        sla_at_risk_at=at_risk_at(engagement, item.received_at, total),
    )
