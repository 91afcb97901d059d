"""Quality assurance: field-level review of sampled items, and accuracy from those reviews.

An item reaches `in_review` when its engagement's workflow has a review step and the
deterministic QA sample (`services._sampled`, the engagement's `qa_sample_percent`) picks
it. The reviewer gives every field of the agent's output a verdict — correct, or
corrected with the right value — and accepts the item (the corrections become its output,
it is done) or sends it back for rework. Accuracy = correct fields / reviewed fields, per
review, and summed over reviews per agent and engagement for a period (`metrics.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from backoffice.audit.services import record_event
from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.tenancy.models import User
from backoffice.work import services
from backoffice.work.models import QaFieldVerdict, QaReview, State, WorkItem
from backoffice.work.schema import field_errors

Verdict = QaFieldVerdict.Verdict
DECISIONS = {"accept": QaReview.Decision.ACCEPTED, "rework": QaReview.Decision.REWORK}
# A field absent from an output: equal only to another absent field.
MISSING = object()


@dataclass(frozen=True)
class FieldVerdict:
    """The reviewer's call on one field; `value` is the right value when corrected."""

    verdict: str
    value: Any = None


def same_value(a: Any, b: Any) -> bool:
    """Equal as JSON values: 12 and 12.0 are the same number, True is not 1."""
    return json.dumps(_norm(a), sort_keys=True) == json.dumps(_norm(b), sort_keys=True)


def _norm(value: Any) -> Any:
    if value is MISSING:
        return {"__missing__": True}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def review_fields(item: WorkItem) -> list[str]:
    """The fields a reviewer scores: the output schema's top-level properties, then any
    other top-level key the agent's output carries (in that order)."""
    names = list(item.engagement.output_schema.get("properties", {}))
    names.extend(k for k in (item.output or {}) if k not in names)
    return names


def record_qa_review(
    *,
    item: WorkItem,
    actor: User,
    verdicts: Mapping[str, FieldVerdict],
    decision: str,
    note: str = "",
) -> QaReview:
    """Score the agent's output field by field, then accept (corrections applied) or rework.

    Refused: an item that is not in review (409), the agent reviewing their own work (403),
    a missing or unknown field, an unknown verdict, a correction without a value or equal
    to the agent's value, corrections the output schema refuses, and rework without a
    reason (a note or at least one correction) — each named per field.
    """
    if decision not in DECISIONS:
        raise DomainError(
            "Accept the item or send it back.", fields={"decision": ["accept or rework"]}
        )
    with transaction.atomic():
        item = services._lock(item)
        if item.state != State.IN_REVIEW:
            raise Conflict("Only an item in review can be scored.", code="not_in_review")
        if item.assignee_id is None:
            raise Conflict("Nobody's work is waiting for review here.", code="no_agent")
        if item.assignee_id == actor.pk:
            raise Forbidden("You may not review your own work.", code="own_work")
        services._refuse_pending_adjudication(item)
        output = dict(item.output or {})
        names = review_fields(item)
        errors = _verdict_errors(names, output, verdicts)
        corrected = {
            name: v.value for name, v in verdicts.items() if v.verdict == Verdict.CORRECTED
        }
        final = {**output, **corrected}
        if not errors and corrected:
            for path, messages in field_errors(item.engagement.output_schema, final).items():
                head = path.split(".")[0]
                key = f"verdicts.{head}" if head in corrected else "verdicts"
                errors.setdefault(key, []).extend(messages)
        if not errors and decision == "rework" and not corrected and not note.strip():
            errors["note"] = ["Say what must be reworked."]
        if errors:
            raise DomainError("The review is incomplete.", code="invalid_review", fields=errors)
        now = timezone.now()
        correct = len(names) - len(corrected)
        review = QaReview.objects.create(
            tenant_id=item.tenant_id,
            item=item,
            engagement_id=item.engagement_id,
            agent_id=item.assignee_id,
            reviewer=actor,
            decision=DECISIONS[decision],
            fields_reviewed=len(names),
            fields_correct=correct,
            note=note[:2000],
            reviewed_at=now,
        )
        QaFieldVerdict.objects.bulk_create(
            [
                QaFieldVerdict(
                    tenant_id=item.tenant_id,
                    review=review,
                    field=name,
                    verdict=verdicts[name].verdict,
                    agent_value=output.get(name),
                    corrected_value=corrected.get(name),
                )
                for name in names
            ]
        )
        summary = f"QA {correct}/{len(names)} fields correct"
        if corrected:
            summary += "; corrected " + ", ".join(sorted(corrected))
        text = f"{summary}. {note}".strip() if note.strip() else summary
        if decision == "accept":
            extra: dict[str, Any] = {"output": final} if corrected else {}
            services._move(
                item,
                State.DONE,
                actor=actor,
                note=text,
                action="work.item_reviewed",
                now=now,
                **extra,
            )
        else:
            services._move(
                item, State.REWORK, actor=actor, note=text, action="work.item_reviewed", now=now
            )
        record_event(
            tenant=item.tenant_id,
            actor=actor,
            action="work.qa_review_recorded",
            obj=review,
            after={
                "item": item.pk,
                "decision": review.decision,
                "fields_reviewed": review.fields_reviewed,
                "fields_correct": review.fields_correct,
                "corrected": sorted(corrected),
            },
        )
    return review


def _verdict_errors(
    names: list[str], output: dict[str, Any], verdicts: Mapping[str, FieldVerdict]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in names:
        v = verdicts.get(name)
        if v is None:
            errors[f"verdicts.{name}"] = ["Give this field a verdict."]
        elif v.verdict not in Verdict.values:
            errors[f"verdicts.{name}"] = ["correct or corrected"]
        elif v.verdict == Verdict.CORRECTED:
            if v.value is None or (isinstance(v.value, str) and not v.value.strip()):
                errors[f"verdicts.{name}"] = ["Give the corrected value."]
            elif same_value(output.get(name, MISSING), v.value):
                errors[f"verdicts.{name}"] = ["That is the agent's value: mark it correct."]
    for name in verdicts:
        if name not in names:
            errors[f"verdicts.{name}"] = ["Not a field of this item's output."]
    return errors
