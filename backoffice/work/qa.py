"""Quality assurance: field-level review of sampled items, and accuracy from those reviews.

An item reaches `in_review` when its engagement's workflow has a review step and the
deterministic QA sample (`transitions.qa_sampled`, the engagement's `qa_sample_percent`) picks
it. The reviewer gives every field of the agent's output a verdict — correct, or
corrected with the right value — and accepts the item (the corrections become its output,
it is done) or sends it back for rework. Accuracy = correct fields / reviewed fields, per
review, and summed over reviews per agent and engagement for a period (`metrics.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.tenancy.models import User
from backoffice.work import events
from backoffice.work.error_codes import ErrorCode
from backoffice.work.events import Action
from backoffice.work.models import QaFieldVerdict, QaReview, State, WorkItem
from backoffice.work.schema import field_errors
from backoffice.work.transitions import lock_item, move_item, refuse_pending_adjudication

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
        item = lock_item(item)
        _refuse_reviewer(item, actor)
        scoring = _Scoring.of(item, verdicts, decision=decision, note=note)
        scoring.check(item)
        now = timezone.now()
        review = scoring.save(item, actor, now=now)
        scoring.settle(item, actor, review, now=now)
        event = events.qa_review_recorded_event(review, corrected=sorted(scoring.corrected))
        events.record(tenant=item.tenant_id, actor=actor, event=event)
    return review


def _refuse_reviewer(item: WorkItem, actor: User) -> None:
    """Only an item in review, with an agent's work, scored by someone else."""
    if item.state != State.IN_REVIEW:
        raise Conflict("Only an item in review can be scored.", code=ErrorCode.NOT_IN_REVIEW)
    if item.assignee_id is None:
        raise Conflict("Nobody's work is waiting for review here.", code=ErrorCode.NO_AGENT)
    if item.assignee_id == actor.pk:
        raise Forbidden("You may not review your own work.", code=ErrorCode.OWN_WORK)
    refuse_pending_adjudication(item)


@dataclass(frozen=True)
class _Scoring:
    """One review in the making: the reviewed fields, the agent's output, the verdicts."""

    names: list[str]
    output: dict[str, Any]
    verdicts: Mapping[str, FieldVerdict]
    corrected: dict[str, Any]
    decision: str
    note: str

    @classmethod
    def of(
        cls, item: WorkItem, verdicts: Mapping[str, FieldVerdict], *, decision: str, note: str
    ) -> _Scoring:
        corrected = {n: v.value for n, v in verdicts.items() if v.verdict == Verdict.CORRECTED}
        output = dict(item.output or {})
        return cls(review_fields(item), output, verdicts, corrected, decision, note)

    def check(self, item: WorkItem) -> None:
        """Every field judged, corrections the schema accepts, a reason for rework."""
        errors = _verdict_errors(self.names, self.output, self.verdicts)
        if not errors and self.corrected:
            final = {**self.output, **self.corrected}
            for path, messages in field_errors(item.engagement.output_schema, final).items():
                head = path.split(".")[0]
                key = f"verdicts.{head}" if head in self.corrected else "verdicts"
                errors.setdefault(key, []).extend(messages)
        unexplained = self.decision == "rework" and not self.corrected and not self.note.strip()
        if not errors and unexplained:
            errors["note"] = ["Say what must be reworked."]
        if errors:
            raise DomainError(
                "The review is incomplete.", code=ErrorCode.INVALID_REVIEW, fields=errors
            )

    def save(self, item: WorkItem, actor: User, *, now: datetime) -> QaReview:
        """The review row and one verdict row per field."""
        review = QaReview.objects.create(
            tenant_id=item.tenant_id,
            item=item,
            engagement_id=item.engagement_id,
            agent_id=item.assignee_id,
            reviewer=actor,
            decision=DECISIONS[self.decision],
            fields_reviewed=len(self.names),
            fields_correct=len(self.names) - len(self.corrected),
            note=self.note[:2000],
            reviewed_at=now,
        )
        QaFieldVerdict.objects.bulk_create(
            [
                QaFieldVerdict(
                    tenant_id=item.tenant_id,
                    review=review,
                    field=name,
                    verdict=self.verdicts[name].verdict,
                    agent_value=self.output.get(name),
                    corrected_value=self.corrected.get(name),
                )
                for name in self.names
            ]
        )
        return review

    def settle(self, item: WorkItem, actor: User, review: QaReview, *, now: datetime) -> None:
        """Accept (done, corrections become the output) or send back (rework), with the
        score and the corrected fields as the move's note."""
        summary = f"QA {review.fields_correct}/{review.fields_reviewed} fields correct"
        if self.corrected:
            summary += "; corrected " + ", ".join(sorted(self.corrected))
        note = self.note
        text = f"{summary}. {note}".strip() if note.strip() else summary
        accepted = review.decision == QaReview.Decision.ACCEPTED
        extra: dict[str, Any] = {}
        if accepted and self.corrected:
            extra["output"] = {**self.output, **self.corrected}
        to = State.DONE if accepted else State.REWORK
        move_item(item, to, actor=actor, note=text, action=Action.ITEM_REVIEWED, now=now, **extra)


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
