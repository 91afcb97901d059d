"""The API's JSON of work objects: each response schema's fields read off the object, with
the few that are worked out (names, SLA minutes, nested lists) given by name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from ninja import Schema

from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault import fields as vault_fields
from backoffice.work import selectors, sla
from backoffice.work.api import schemas
from backoffice.work.services import REPORT_CAP, IntakeResult
from backoffice.work.services.items import item_values

if TYPE_CHECKING:
    from backoffice.work import models


def _pick(obj: Any, schema: type[Schema], **worked_out: Any) -> dict[str, Any]:
    """`schema`'s fields: those in `worked_out` as given, the others read off `obj`."""
    return {f: worked_out[f] if f in worked_out else getattr(obj, f) for f in schema.model_fields}


def _username(user: Any) -> str | None:
    return user.username if user else None


def service_type_out(st: models.ServiceType) -> dict[str, Any]:
    return _pick(st, schemas.ServiceTypeOut)


def engagement_out(e: models.Engagement) -> dict[str, Any]:
    """The engagement with its client's slug and its calendar as it was given."""
    calendar = _pick(e.calendar, schemas.CalendarIn)
    return _pick(e, schemas.EngagementOut, tenant=e.tenant.slug, calendar=calendar)


def item_out(
    item: models.WorkItem, now: datetime | None = None, access: TenantAccess | None = None
) -> dict[str, Any]:
    """The item; its confidential values opened for the agent holding it (`access`), masked
    for everyone else (and wherever the caller is not given)."""
    if access is not None:
        data, output = item_values(access, item)
    else:
        data, output = _masked(item)
    return _pick(
        item,
        schemas.ItemOut,
        data=data,
        output=output,
        id=item.pk,
        tenant=item.engagement.tenant.slug,
        assignee=_username(item.assignee),
        sla_remaining_minutes=sla.remaining_minutes(item, now or timezone.now()),
        paused_minutes=round(item.paused_seconds / 60, 1),
    )


def _masked(item: models.WorkItem) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Data and output with every confidential value masked (without the keyring: payment
    data shows as •••• here, its last four digits only where the item is read alone)."""
    engagement = item.engagement
    inp = vault_fields.sensitive_fields(engagement.input_schema)
    out = vault_fields.sensitive_fields(engagement.output_schema)
    return (
        vault_fields.mask_document(None, inp, "data", item.data),
        vault_fields.mask_document(None, out, "output", item.output),
    )


def queue_out(q: models.Queue) -> dict[str, Any]:
    return _pick(q, schemas.QueueOut)


def comment_out(c: models.Comment) -> dict[str, Any]:
    return _pick(c, schemas.CommentOut, id=c.pk, author=_username(c.author))


def attachment_out(a: models.Attachment) -> dict[str, Any]:
    return _pick(a, schemas.AttachmentOut, id=a.pk)


def item_detail_out(item: models.WorkItem, access: TenantAccess | None = None) -> dict[str, Any]:
    """The item with its history, comments and files."""
    return {
        **item_out(item, access=access),
        "events": [
            _pick(e, schemas.EventOut, actor=_username(e.actor))
            for e in selectors.item_events(item)
        ],
        "comments": [comment_out(c) for c in selectors.item_comments(item)],
        "attachments": [attachment_out(a) for a in selectors.item_attachments(item)],
    }


def intake_out(result: IntakeResult) -> dict[str, Any]:
    return {
        "batch_id": result.batch.pk if result.batch else None,
        "created": result.created,
        "existing": result.existing,
        "rejected": result.rejected,
        "errors": [e.as_dict() for e in result.errors[:REPORT_CAP]],
        "item_ids": result.item_ids[:10_000],
    }


def qa_review_out(review: models.QaReview) -> dict[str, Any]:
    return _pick(
        review,
        schemas.QaReviewOut,
        id=review.pk,
        agent=review.agent.username,
        reviewer=review.reviewer.username,
        accuracy_percent=round(100 * review.accuracy, 1),
        verdicts=[_pick(v, schemas.FieldVerdictOut) for v in review.verdicts.all()],
    )


def double_key_out(dk: models.DoubleKey) -> dict[str, Any]:
    return _pick(
        dk,
        schemas.DoubleKeyOut,
        first_agent=dk.first_agent.username,
        second_agent=_username(dk.second_agent),
        adjudicator=_username(dk.adjudicator),
    )


def report_out(report: Any, start: Any, end: Any, parts: tuple[str, ...]) -> dict[str, Any]:
    """A period report (accuracy, handle time): its dates and each part's rows."""
    out: dict[str, Any] = {"start": start, "end": end}
    for part in parts:
        value = getattr(report, part)
        out[part] = [r.as_dict() for r in value] if isinstance(value, list) else value.as_dict()
    return out
