"""Moving an item through its life: direct transitions, assignment, skip, idle release,
completion and review. One transaction each; the moves themselves are `transitions.py`'s.

Confidential fields (the schemas' `x-sensitive`, sealed by the vault): `item_values` gives
an item's data and output as a viewer may see them — opened for the agent holding it,
masked for everyone else, one field opened by an audited `reveal_item_field`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.core.rls import set_rls_bypass
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault import fields as vault_fields
from backoffice.vault import keys as vault_keys
from backoffice.vault import services as vault
from backoffice.vault.crypto import KeyDestroyed
from backoffice.vault.error_codes import ErrorCode as VaultCode
from backoffice.work import double_key, selectors
from backoffice.work.error_codes import ErrorCode
from backoffice.work.events import Action
from backoffice.work.models import Engagement, State, WorkItem
from backoffice.work.schema import validate
from backoffice.work.services.claim import served_tenant_ids
from backoffice.work.transitions import (
    hand_over,
    lock_item,
    move_item,
    qa_sampled,
    refuse_first_keyer,
    refuse_pending_adjudication,
)


def transition_item(*, item: WorkItem, actor: User | None, to: str, note: str = "") -> WorkItem:
    """Move an item along the state machine; illegal transitions are refused (409)."""
    if to not in State.values:
        raise DomainError(f"Unknown state {to!r}.", fields={"state": ["unknown state"]})
    if to == State.WAITING_ON_CLIENT:
        raise DomainError(
            "Ask the client a question to wait on them.", code=ErrorCode.USE_ASK_CLIENT
        )
    with transaction.atomic():
        item = lock_item(item)
        _refuse_held_item(item, actor, to)
        if to == State.IN_PROGRESS:
            if actor is None:
                raise DomainError("Someone must hold an item in progress.")
            refuse_first_keyer(item, actor)
            return move_item(
                item, to, actor=actor, note=note, assignee=actor, claimed_at=timezone.now()
            )
        return move_item(item, to, actor=actor, note=note)


def _refuse_held_item(item: WorkItem, actor: User | None, to: str) -> None:
    """Only a cancellation overrides a wait on the client, another agent's hold or a
    pending double-key adjudication."""
    if to == State.CANCELLED:
        return
    if item.state == State.WAITING_ON_CLIENT:
        raise Conflict("The item waits for the client's answer.", code=ErrorCode.WAITING_ON_CLIENT)
    held_by_other = item.assignee_id is not None and (actor is None or item.assignee_id != actor.pk)
    if item.state == State.IN_PROGRESS and held_by_other:
        raise Conflict("Another agent holds this item.", code=ErrorCode.HELD_BY_OTHER)
    if item.state == State.IN_REVIEW:
        refuse_pending_adjudication(item)


def assignee_named(username: str) -> User:
    """The active person a lead names to take an item."""
    assignee = selectors.active_user(username)
    if assignee is None:
        raise DomainError("No such person.", fields={"username": ["unknown"]})
    return assignee


def assign_item(*, item: WorkItem, assignee: User, actor: User, note: str = "") -> WorkItem:
    """A team lead gives (or re-gives) an item to an agent who serves its tenant."""
    if item.tenant_id not in served_tenant_ids(assignee):
        raise DomainError(
            "That person does not serve this client.", fields={"assignee": ["not on this client"]}
        )
    with transaction.atomic():
        item = lock_item(item)
        refuse_first_keyer(item, assignee)
        now = timezone.now()
        if item.state == State.IN_PROGRESS:
            hand_over(
                item,
                assignee=assignee,
                actor=actor,
                note=note or f"reassigned to {assignee.username}",
                now=now,
            )
            return item
        return move_item(
            item,
            State.IN_PROGRESS,
            actor=actor,
            note=note or f"assigned to {assignee.username}",
            action=Action.ITEM_ASSIGNED,
            now=now,
            assignee=assignee,
            claimed_at=now,
        )


def release_item(*, item: WorkItem, actor: User, reason: str) -> WorkItem:
    """The agent hands the item back to its queue (skip, with a reason)."""
    if not reason.strip():
        raise DomainError("Say why you skip this item.", fields={"reason": ["required"]})
    with transaction.atomic():
        item = lock_item(item)
        if item.assignee_id != actor.pk:
            raise Forbidden("Only the agent holding the item can hand it back.")
        return move_item(
            item, State.QUEUED, actor=actor, note=f"skipped: {reason}", action=Action.ITEM_SKIPPED
        )


def release_idle_items(*, now: datetime | None = None) -> int:
    """Items held past their engagement's idle timeout go back to their queue (system job)."""
    now = now or timezone.now()
    released = 0
    with transaction.atomic():
        set_rls_bypass()
        engagements = Engagement.objects.unscoped("system job across all clients").filter(
            is_active=True
        )
        for engagement in engagements:
            cutoff = now - timedelta(minutes=engagement.idle_timeout_minutes)
            stale = (
                WorkItem.objects.for_tenant(engagement.tenant_id)
                .filter(engagement=engagement, state=State.IN_PROGRESS, last_activity_at__lt=cutoff)
                .select_for_update(skip_locked=True)
            )
            for item in stale:
                move_item(
                    item,
                    State.QUEUED,
                    actor=None,
                    note="released: idle timeout",
                    action=Action.ITEM_RELEASED,
                    now=now,
                )
                released += 1
    return released


def complete_item(
    *, item: WorkItem, actor: User, output: dict[str, Any], note: str = ""
) -> WorkItem:
    """The agent submits the output; it goes to review when sampled, else it is done.

    On a double-key engagement the output is a key first (`double_key.capture`), which
    may decide where the item goes instead.
    """
    engagement = item.engagement
    validate(engagement.output_schema, output, what="output")
    with transaction.atomic():
        item = lock_item(item)
        if item.state != State.IN_PROGRESS or item.assignee_id != actor.pk:
            raise Conflict(
                "Only the agent holding the item can complete it.", code=ErrorCode.NOT_HOLDER
            )
        if engagement.double_key:
            keyed = double_key.capture(
                item=item, engagement=engagement, actor=actor, output=output, note=note
            )
            if keyed is not None:
                return keyed
        to = State.IN_REVIEW if qa_sampled(item, engagement) else State.DONE
        return move_item(
            item,
            to,
            actor=actor,
            note=note,
            action=Action.ITEM_COMPLETED,
            output=_sealed_output(engagement, output),
        )


def _sealed_output(engagement: Engagement, output: dict[str, Any]) -> dict[str, Any]:
    fields = vault_fields.sensitive_fields(engagement.output_schema)
    if not fields:
        return output
    ring = vault_keys.require_sealing(vault_keys.keyring(engagement.tenant_id, create=True))
    return vault_fields.seal_document(ring, fields, "output", output)[0]


def review_item(*, item: WorkItem, actor: User, accept: bool, note: str = "") -> WorkItem:
    """Accept the item (done) or send it back (rework, with a note), without scores."""
    with transaction.atomic():
        item = lock_item(item)
        if not accept and not note.strip():
            raise DomainError("Say what must be reworked.", fields={"note": ["required"]})
        refuse_pending_adjudication(item)
        to = State.DONE if accept else State.REWORK
        return move_item(item, to, actor=actor, note=note, action=Action.ITEM_REVIEWED)


# --- confidential fields ----------------------------------------------------------------------


def sees_values(access: TenantAccess, item: WorkItem) -> bool:
    """The agent holding the item sees its confidential values; nobody else does unless
    they reveal one field, with a reason."""
    return item.assignee_id == access.user.pk and item.state == State.IN_PROGRESS


def _ring(item: WorkItem) -> vault_keys.Keyring | None:
    try:
        return vault_keys.keyring(item.tenant_id)
    except vault_keys.NoKey:
        return None


def item_values(
    access: TenantAccess, item: WorkItem, *, reveal: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The item's data and output as `access` may see them: opened for the holder, else
    with every confidential value masked except the paths in `reveal` ("data.iban"),
    which the caller has had `reveal_item_field` audit."""
    engagement = item.engagement
    inp = vault_fields.sensitive_fields(engagement.input_schema)
    out = vault_fields.sensitive_fields(engagement.output_schema)
    if not inp and not out:
        return item.data, item.output
    ring = _ring(item) if vault_fields.has_envelopes(item.data) or item.output else None
    if sees_values(access, item):
        return (
            vault_fields.open_document(ring, inp, "data", item.data),
            vault_fields.open_document(ring, out, "output", item.output),
        )
    shown_in = frozenset(p.split(".", 1)[1] for p in reveal if p.startswith("data."))
    shown_out = frozenset(p.split(".", 1)[1] for p in reveal if p.startswith("output."))
    return (
        vault_fields.mask_document(ring, inp, "data", item.data, reveal=shown_in),
        vault_fields.mask_document(ring, out, "output", item.output, reveal=shown_out),
    )


def reveal_item_field(*, access: TenantAccess, item: WorkItem, field: str, reason: str) -> Any:
    """One confidential value of the item, for someone with the reveal permission who says
    why; the reveal is an audit event (the field and the item, never the value). Without a
    reason nothing is written and nothing shown."""
    if not access.can(Perm.REVEAL_SENSITIVE):
        raise Forbidden("Your role may not reveal confidential values.")
    prefix, _, name = field.partition(".")
    schema = {"data": item.engagement.input_schema, "output": item.engagement.output_schema}
    fields = {f.name: f for f in vault_fields.sensitive_fields(schema.get(prefix))}
    if name not in fields:
        raise DomainError(
            "That is not a confidential field of this item.",
            code=VaultCode.NOT_SENSITIVE,
            fields={"field": ["Choose a confidential field."]},
        )
    with transaction.atomic():
        vault.record_reveal(
            tenant_id=item.tenant_id,
            actor=access.user,
            record_type="work.workitem",
            record_id=item.pk,
            field=field,
            reason=reason,
        )
        doc = item.data if prefix == "data" else (item.output or {})
        try:
            return vault_fields.open_document(_ring(item), (fields[name],), prefix, doc).get(name)
        except KeyDestroyed as exc:
            raise DomainError(str(exc), code=VaultCode.KEY_DESTROYED) from exc
