"""Double-key entry: two agents key the same item independently; a third settles mismatches.

On an engagement with `double_key`, the first completion is stored as the first key and
the item goes back to its queue (its output stays empty, so the second agent keys blind).
The second completion, by a different agent, is compared field by field: equal keys let
the item move on as any completed item does (QA sample, else done); mismatching fields
send it to review, where a third person picks or edits each mismatching value
(`adjudicate`) and the item is done. The same agent may not key both (service and a
CHECK constraint) and neither keyer may adjudicate. Once settled (matched or adjudicated),
each keyer's fields count towards their accuracy against the settled result
(`keyer_scores`, summed by `metrics.accuracy_report`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.tenancy.models import User
from backoffice.work import events
from backoffice.work.error_codes import ErrorCode
from backoffice.work.events import Action
from backoffice.work.models import DoubleKey, Engagement, State, WorkItem
from backoffice.work.qa import MISSING, same_value
from backoffice.work.schema import field_errors
from backoffice.work.selectors import double_key_of, pending_adjudication
from backoffice.work.transitions import lock_item, move_item

Status = DoubleKey.Status


def compared_fields(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[str]:
    """The fields two keys are compared on: both keys' top-level fields, first key's order."""
    return list(first) + [k for k in second if k not in first]


def mismatches(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    names = compared_fields(first, second)
    return [n for n in names if not same_value(first.get(n, MISSING), second.get(n, MISSING))]


def keyer_scores(
    first: Mapping[str, Any], second: Mapping[str, Any], final: Mapping[str, Any]
) -> tuple[int, int, int]:
    """How each keyer's fields compare with the settled result, for accuracy.

    Every compared field counts as checked for both keyers; a keyer's field is correct when
    it equals the settled value (a field absent from both is equal). Matching keys settle
    as keyed, so both score every field. Returns (fields, first correct, second correct).
    """
    names = compared_fields(first, second)

    def correct(keyed: Mapping[str, Any]) -> int:
        return sum(same_value(keyed.get(n, MISSING), final.get(n, MISSING)) for n in names)

    return len(names), correct(first), correct(second)


def capture(
    *, item: WorkItem, engagement: Engagement, actor: User, output: dict[str, Any], note: str
) -> WorkItem | None:
    """Record a key inside `complete_item`'s transaction (the item is locked, held by actor).

    Returns the moved item when the key decided where it goes (back to the queue for the
    second key, or to review on a mismatch), None when the completion proceeds as usual
    (the keys match, or the item was settled before and is being reworked).
    """
    now = timezone.now()
    dk = double_key_of(item)
    if dk is None:
        dk = DoubleKey.objects.create(
            tenant_id=item.tenant_id,
            item=item,
            status=Status.AWAITING_SECOND,
            first_agent=actor,
            first_output=output,
            first_at=now,
        )
        return move_item(
            item,
            State.QUEUED,
            actor=actor,
            note=("first key captured. " + note).strip(),
            action=Action.ITEM_KEYED,
            now=now,
        )
    if dk.status != Status.AWAITING_SECOND:
        return None
    if dk.first_agent_id == actor.pk:
        raise Conflict(
            "You gave this item's first key: another agent must key it. Skip it.",
            code=ErrorCode.SAME_AGENT,
        )
    diff = mismatches(dk.first_output, output)
    dk.second_agent = actor
    dk.second_output = output
    dk.second_at = now
    dk.mismatched_fields = diff
    dk.status = Status.MISMATCH if diff else Status.MATCHED
    if not diff:
        dk.final_output = output
    dk.save()
    if not diff:
        return None
    return move_item(
        item,
        State.IN_REVIEW,
        actor=actor,
        note="double-key mismatch: " + ", ".join(diff),
        action=Action.ITEM_KEYED,
        now=now,
    )


def adjudicate(*, item: WorkItem, actor: User, values: Mapping[str, Any]) -> DoubleKey:
    """A third person settles each mismatching field; the item is done with the result.

    `values` maps every mismatching field to its right value (None leaves the field out).
    Fields both agents agreed on are kept as keyed. Refused: a field that did not
    mismatch or is missing (per field), a result the output schema refuses, and either
    keyer adjudicating (403).
    """
    with transaction.atomic():
        item = lock_item(item)
        dk = pending_adjudication(item)
        if item.state != State.IN_REVIEW or dk is None:
            raise Conflict("This item has no mismatch to settle.", code=ErrorCode.NO_MISMATCH)
        if actor.pk in (dk.first_agent_id, dk.second_agent_id):
            raise Forbidden(
                "A third person settles a double-key mismatch.", code=ErrorCode.OWN_WORK
            )
        errors: dict[str, list[str]] = {}
        for name in dk.mismatched_fields:
            if name not in values:
                errors[f"values.{name}"] = ["Pick or enter the right value."]
        for name in values:
            if name not in dk.mismatched_fields:
                errors[f"values.{name}"] = ["The agents agreed on this field."]
        final = {k: v for k, v in dk.first_output.items() if k not in dk.mismatched_fields}
        final.update({k: v for k, v in values.items() if v is not None})
        if not errors:
            for path, messages in field_errors(item.engagement.output_schema, final).items():
                head = path.split(".")[0]
                key = f"values.{head}" if head in dk.mismatched_fields else "values"
                errors.setdefault(key, []).extend(messages)
        if errors:
            raise DomainError(
                "The adjudication is incomplete.",
                code=ErrorCode.INVALID_ADJUDICATION,
                fields=errors,
            )
        now = timezone.now()
        dk.status = Status.ADJUDICATED
        dk.adjudicator = actor
        dk.adjudicated_at = now
        dk.final_output = final
        dk.save()
        move_item(
            item,
            State.DONE,
            actor=actor,
            note="double-key adjudicated: " + ", ".join(dk.mismatched_fields),
            action=Action.DOUBLE_KEY_ADJUDICATED,
            now=now,
            output=final,
        )
        events.record(tenant=item.tenant_id, actor=actor, event=events.double_key_settled_event(dk))
    return dk
