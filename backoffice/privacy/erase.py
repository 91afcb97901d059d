"""The erasure engine: what erasing an item's data means, table by table.

Privacy sits above work, conversations and vault, and none of them offers a service that
erases an item's data, so it is done here through their models, inside the caller's
transaction, with one tombstone (`Erasure` row + `privacy.data_erased` audit event):

| where | delete | anonymise |
| --- | --- | --- |
| `work.WorkItem.data` / `.output` | emptied (`{}` / null) | fields marked `x-sensitive` dropped |
| `work.WorkItem.external_ref` | `erased-<id>` | `erased-<id>` |
| `work.Attachment` (rows and files) | deleted | deleted |
| `work.Comment` | deleted | deleted |
| `work.WorkItemEvent.note` | blanked | blanked |
| `work.QaFieldVerdict` values | blanked | blanked |
| `work.DoubleKey` captures | emptied | emptied |
| `vault.BlindIndex` of the item | deleted | deleted |
| conversation on the item: messages, notes | bodies replaced by "(erased)", files deleted | same |

The item row itself stays (state, dates, engagement, priority): billing's `BilledItem` and
usage statements keep the item's id and counts, which are not personal. Files are removed
from storage at the end of the transaction's work; a commit that then failed would leave
rows pointing at missing files, never files without rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from backoffice.conversations.models import (
    InternalNote,
    Message,
    MessageAttachment,
    SubjectKind,
    Thread,
)
from backoffice.core.errors import DomainError
from backoffice.privacy import events
from backoffice.privacy.error_codes import ErrorCode
from backoffice.privacy.models import Action, ErasedItem, Erasure, LegalHold
from backoffice.tenancy.models import User
from backoffice.vault.fields import sensitive_fields
from backoffice.vault.models import BlindIndex
from backoffice.work.models import (
    Attachment,
    Comment,
    DoubleKey,
    QaFieldVerdict,
    WorkItem,
    WorkItemEvent,
)

ERASED_TEXT = "(erased)"
ITEM_RECORD = "work.item"


@dataclass(frozen=True)
class Holds:
    """The tenant's active legal holds, in the form the item filters need."""

    client: bool
    engagements: frozenset[int]
    batches: frozenset[int]

    @property
    def any(self) -> bool:
        return self.client or bool(self.engagements) or bool(self.batches)

    def held_q(self) -> Q:
        """Items under one of these holds (an empty Q-match when none)."""
        if self.client:
            return Q(pk__isnull=False)
        q = Q(pk__in=[])
        if self.engagements:
            q |= Q(engagement_id__in=self.engagements)
        if self.batches:
            q |= Q(batch_id__in=self.batches)
        return q


def active_holds(tenant_id: int) -> Holds:
    rows = list(
        LegalHold.objects.for_tenant(tenant_id)
        .filter(released_at__isnull=True)
        .values_list("scope", "engagement_id", "batch_id")
    )
    return Holds(
        client=any(scope == "client" for scope, _, _ in rows),
        engagements=frozenset(e for _, e, _ in rows if e is not None),
        batches=frozenset(b for _, _, b in rows if b is not None),
    )


def refuse_if_held(tenant_id: int, item_ids: Sequence[int]) -> None:
    """Raise (nothing written) when any of the items is under an active legal hold."""
    holds = active_holds(tenant_id)
    if not holds.any or not item_ids:
        return
    held = WorkItem.objects.for_tenant(tenant_id).filter(pk__in=item_ids).filter(holds.held_q())
    count = held.count()
    if count:
        raise DomainError(
            f"{count} of these items are under a legal hold, so nothing was erased. "
            "Release the hold first if the data may really go.",
            code=ErrorCode.LEGAL_HOLD,
            status=409,
        )


def _anonymised(doc: object, schema: dict | None) -> object:
    if not isinstance(doc, dict):
        return doc
    personal = {f.name for f in sensitive_fields(schema)}
    return {k: v for k, v in doc.items() if k not in personal}


def _erase_item_rows(tenant_id: int, items: list[WorkItem], action: str) -> None:
    ids = [item.pk for item in items]
    if action == Action.DELETE:  # one statement, whatever the batch's size
        erased_ref = Concat(Value("erased-"), Cast("id", CharField()))
        WorkItem.objects.for_tenant(tenant_id).filter(pk__in=ids).update(
            data={}, output=None, external_ref=erased_ref
        )
        return
    for item in items:
        item.data = _anonymised(item.data, item.engagement.input_schema)
        item.output = _anonymised(item.output, item.engagement.output_schema)
        item.external_ref = f"erased-{item.pk}"
    WorkItem.objects.for_tenant(tenant_id).bulk_update(items, ["data", "output", "external_ref"])


def _erase_conversations(tenant_id: int, kind: str, ids: Iterable[int]) -> dict[str, int]:
    threads = Thread.objects.for_tenant(tenant_id).filter(subject_kind=kind, subject_id__in=ids)
    thread_ids = list(threads.values_list("pk", flat=True))
    if not thread_ids:
        return {"messages": 0, "notes": 0, "message_files": 0}
    files = MessageAttachment.objects.for_tenant(tenant_id).filter(
        message__thread_id__in=thread_ids
    )
    names = list(files.values_list("file", flat=True))
    files.delete()
    messages = (
        Message.objects.for_tenant(tenant_id)
        .filter(thread_id__in=thread_ids)
        .update(body=ERASED_TEXT)
    )
    notes = (
        InternalNote.objects.for_tenant(tenant_id)
        .filter(thread_id__in=thread_ids)
        .update(body=ERASED_TEXT)
    )
    for thread in threads:
        thread.title = f"{thread.get_subject_kind_display()} #{thread.subject_id}"
        thread.save(update_fields=["title"])
    for name in names:
        default_storage.delete(name)
    return {"messages": messages, "notes": notes, "message_files": len(names)}


def _erase_children(tenant_id: int, ids: list[int]) -> tuple[list[tuple[str, int]], dict]:
    """The rows around the items: files (returned for deletion after the rows), comments,
    notes, QA values, double-key captures, digests and the items' conversations."""
    attachments = Attachment.objects.for_tenant(tenant_id).filter(item_id__in=ids)
    files = list(attachments.values_list("file", "size"))
    attachments.delete()
    comments, _ = Comment.objects.for_tenant(tenant_id).filter(item_id__in=ids).delete()
    notes = (
        WorkItemEvent.objects.for_tenant(tenant_id)
        .filter(item_id__in=ids)
        .exclude(note="")
        .update(note="")
    )
    verdicts = QaFieldVerdict.objects.for_tenant(tenant_id).filter(review__item_id__in=ids)
    qa_values = verdicts.filter(verdict="correct").update(agent_value=None)
    qa_values += verdicts.filter(verdict="corrected").update(
        agent_value=None, corrected_value=ERASED_TEXT
    )
    double_keys = (
        DoubleKey.objects.for_tenant(tenant_id)
        .filter(item_id__in=ids)
        .update(first_output={}, second_output=None, final_output=None)
    )
    digests, _ = (
        BlindIndex.objects.for_tenant(tenant_id)
        .filter(record_type=ITEM_RECORD, record_id__in=ids)
        .delete()
    )
    talk = _erase_conversations(tenant_id, SubjectKind.ITEM, ids)
    counts = {
        "attachments": len(files),
        "attachment_bytes": sum(size for _, size in files),
        "comments": comments,
        "event_notes": notes,
        "qa_values": qa_values,
        "double_keys": double_keys,
        "blind_index": digests,
        **talk,
    }
    return files, counts


def erase_items(
    *,
    tenant_id: int,
    item_ids: Sequence[int],
    action: str,
    kind: str,
    actor: User | None,
) -> Erasure | None:
    """Erase the data of the items (in the caller's transaction, RLS already set): refused
    with nothing written when one is under a legal hold; items erased before are skipped.
    Returns the tombstone, or None when there was nothing left to erase."""
    refuse_if_held(tenant_id, item_ids)
    erased = set(
        ErasedItem.objects.for_tenant(tenant_id)
        .filter(item_id__in=item_ids)
        .values_list("item_id", flat=True)
    )
    items = list(
        WorkItem.objects.for_tenant(tenant_id)
        .filter(pk__in=[i for i in item_ids if i not in erased])
        .select_related("engagement")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if not items:
        return None
    ids = [i.pk for i in items]
    _erase_item_rows(tenant_id, items, action)
    files, counts = _erase_children(tenant_id, ids)
    counts = {"items": len(ids), **counts}
    erasure = Erasure.objects.create(
        tenant_id=tenant_id,
        kind=kind,
        action=action,
        counts=counts,
        item_first_id=ids[0],
        item_last_id=ids[-1],
        actor=actor,
        at=timezone.now(),
    )
    ErasedItem.objects.bulk_create(
        [ErasedItem(tenant_id=tenant_id, item_id=pk, erasure=erasure) for pk in ids]
    )
    events.record(tenant=tenant_id, actor=actor, event=events.data_erased_event(erasure))
    for name, _ in files:
        default_storage.delete(name)
    return erasure


def erase_other_conversations(tenant_id: int) -> dict[str, int]:
    """Offboarding: the conversations not about an item (batches, engagements, the account,
    project requests) lose their bodies and files too."""
    totals: dict[str, int] = {}
    for kind in (
        SubjectKind.BATCH,
        SubjectKind.ENGAGEMENT,
        SubjectKind.ACCOUNT,
        SubjectKind.REQUEST,
    ):
        ids = list(
            Thread.objects.for_tenant(tenant_id)
            .filter(subject_kind=kind)
            .values_list("subject_id", flat=True)
        )
        for key, value in _erase_conversations(tenant_id, kind, ids).items():
            totals[key] = totals.get(key, 0) + value
    return totals
