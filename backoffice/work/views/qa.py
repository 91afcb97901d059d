"""QA: the review queue, a reviewer's verdicts, double-key adjudication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from backoffice.core.errors import DomainError
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.work import double_key, qa, selectors
from backoffice.work.access import (
    access_double_key_by_item_id,
    access_item_by_id,
)
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import DoubleKey, State, WorkItem
from backoffice.work.schema import FieldErrors, FormField, coerce, form_fields
from backoffice.work.views._common import id_or_none, page_access, show_error, work_pages, work_url


@tenant_view(Perm.REVIEW_WORK)
@work_pages
def qa_queue(request: HttpRequest) -> HttpResponse:
    """Items the QA sample sent to review, most urgent first."""
    access = page_access(request)
    engagement_id = id_or_none(request.GET.get("engagement"))
    qs = selectors.items(access, state=State.IN_REVIEW, engagement_id=engagement_id).order_by(
        "sla_due_at", "id"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "work/qa_queue.html",
        {
            "page": page,
            "rows": [(item, selectors.sla_badge(item, now)) for item in page.object_list],
            "mismatched": selectors.mismatched_item_ids(
                access, [item.pk for item in page.object_list]
            ),
            "engagements": list(selectors.engagements(access)),
            "engagement_id": str(engagement_id) if engagement_id else "",
        },
    )


def _output_field(by_name: dict[str, FormField], name: str) -> dict[str, Any]:
    """How a reviewer's form shows one output field: its label and input (a field the
    schema does not name is plain text)."""
    f = by_name.get(name)
    return {
        "name": name,
        "label": f.label if f else name,
        "widget": f.widget if f else "text",
        "choices": f.choices if f else (),
    }


def _posted(post: Any | None, key: str, default: str = "") -> str:
    """What the form posted under `key`; `default` before anything was posted."""
    return str(post.get(key, "")) if post is not None else default


def _reviewer_post(
    request: HttpRequest, post: Any | None, act: Callable[[Any], str], *, reread: Any
) -> tuple[HttpResponse | None, FieldErrors]:
    """Run a reviewer's posted form in one transaction: back to the QA queue with the
    message `act` returns, or the errors to show beside the fields (`reread` fresh)."""
    if post is None:
        return None, {}
    try:
        with transaction.atomic():
            message = act(post)
    except DomainError as exc:
        show_error(request, exc)
        reread.refresh_from_db()
        return None, exc.fields
    messages.success(request, message)
    return redirect(work_url(request, "qa")), {}


def _qa_rows(item: WorkItem, post: Any | None, errors: FieldErrors) -> list[dict[str, Any]]:
    """One row per reviewed field: the agent's value, the verdict control, the correction."""
    output = item.output or {}
    by_name = {f.name: f for f in form_fields(item.engagement.output_schema, output)}
    return [
        {
            **_output_field(by_name, name),
            "agent_value": output.get(name),
            "verdict": _posted(post, f"verdict-{name}", "correct"),
            "value": _posted(post, f"value-{name}"),
            "errors": errors.get(f"verdicts.{name}", []),
        }
        for name in qa.review_fields(item)
    ]


def _verdicts_from_post(item: WorkItem, post: Any) -> dict[str, qa.FieldVerdict]:
    """The posted verdicts, corrected values converted to the schema's types."""
    schema = item.engagement.output_schema
    verdicts: dict[str, qa.FieldVerdict] = {}
    raw: dict[str, Any] = {}
    for name in qa.review_fields(item):
        verdict = post.get(f"verdict-{name}", "")
        if not verdict:
            continue
        verdicts[name] = qa.FieldVerdict(verdict)
        if verdict == "corrected":
            raw[name] = post.get(f"value-{name}", "")
    values, errors = coerce(schema, raw)
    if errors:
        raise DomainError(
            "Some corrections could not be read.",
            code=ErrorCode.INVALID_REVIEW,
            fields={f"verdicts.{k}": v for k, v in errors.items()},
        )
    for name, value in values.items():
        verdicts[name] = qa.FieldVerdict(verdicts[name].verdict, value)
    return verdicts


@tenant_view(Perm.REVIEW_WORK)
@work_pages
def qa_review(request: HttpRequest, item_id: int) -> HttpResponse:
    """The reviewer scores each output field (correct / corrected) and accepts or sends back."""
    access = page_access(request)
    item = access_item_by_id(access, item_id)
    if item.engagement.double_key and selectors.pending_adjudication(item) is not None:
        return redirect(work_url(request, "adjudicate", item_id=item.pk))
    post = request.POST if request.method == "POST" else None

    def score(post: Any) -> str:
        review = qa.record_qa_review(
            item=item,
            actor=access.user,
            verdicts=_verdicts_from_post(item, post),
            decision=post.get("decision", ""),
            note=post.get("note", ""),
        )
        return (
            f"{item.external_ref}: {review.fields_correct}/{review.fields_reviewed} "
            f"fields correct — {review.get_decision_display().lower()}."
        )

    done, errors = _reviewer_post(request, post, score, reread=item)
    if done is not None:
        return done
    return render(
        request,
        "work/qa_review.html",
        {
            "item": item,
            "engagement": item.engagement,
            "info": selectors.sla_badge(item, timezone.now()),
            "input_fields": form_fields(item.engagement.input_schema, item.data),
            "rows": _qa_rows(item, post, errors),
            "note": post.get("note", "") if post is not None else "",
            "note_errors": errors.get("note", []),
            "can_review": item.state == State.IN_REVIEW and item.assignee_id != access.user.pk,
            "own_work": item.assignee_id == access.user.pk,
            "reviews": selectors.item_qa_reviews(item),
        },
    )


@tenant_view(Perm.REVIEW_WORK)
@work_pages
def adjudicate(request: HttpRequest, item_id: int) -> HttpResponse:
    """A third person settles a double-key mismatch: first key, second key, or another value."""
    access = page_access(request)
    item, dk = access_double_key_by_item_id(access, item_id)
    post = request.POST if request.method == "POST" else None

    def settle(post: Any) -> str:
        values = _adjudication_from_post(item, dk, post)
        double_key.adjudicate(item=item, actor=access.user, values=values)
        return f"{item.external_ref}: mismatch settled."

    done, errors = _reviewer_post(request, post, settle, reread=dk)
    if done is not None:
        return done
    return render(
        request,
        "work/adjudicate.html",
        {
            "item": item,
            "engagement": item.engagement,
            "dk": dk,
            "rows": _adjudication_rows(item, dk, post, errors),
            "agreed": {
                k: v for k, v in (dk.first_output or {}).items() if k not in dk.mismatched_fields
            },
            "general_errors": errors.get("values", []),
            "can_settle": dk.status == DoubleKey.Status.MISMATCH
            and access.user.pk not in (dk.first_agent_id, dk.second_agent_id),
            "input_fields": form_fields(item.engagement.input_schema, item.data),
        },
    )


def _adjudication_rows(
    item: WorkItem, dk: DoubleKey, post: Any | None, errors: FieldErrors
) -> list[dict[str, Any]]:
    """One row per mismatching field: both keys' values, the pick, a typed-in value."""
    by_name = {f.name: f for f in form_fields(item.engagement.output_schema)}
    return [
        {
            **_output_field(by_name, name),
            "first": (dk.first_output or {}).get(name),
            "second": (dk.second_output or {}).get(name),
            "pick": _posted(post, f"pick-{name}"),
            "value": _posted(post, f"value-{name}"),
            "errors": errors.get(f"values.{name}", []),
        }
        for name in dk.mismatched_fields
    ]


def _adjudication_from_post(item: WorkItem, dk: DoubleKey, post: Any) -> dict[str, Any]:
    """Each mismatching field: the first key's value, the second's, or a typed-in one."""
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    errors: FieldErrors = {}
    for name in dk.mismatched_fields:
        pick = post.get(f"pick-{name}", "")
        if pick == "first":
            values[name] = (dk.first_output or {}).get(name)
        elif pick == "second":
            values[name] = (dk.second_output or {}).get(name)
        elif pick == "other":
            raw[name] = post.get(f"value-{name}", "")
            if not str(raw[name]).strip():
                errors[name] = ["Enter the right value."]
    typed, bad = coerce(item.engagement.output_schema, raw)
    for name, messages_ in bad.items():
        errors.setdefault(name, []).extend(messages_)
    if errors:
        raise DomainError(
            "Some values could not be read.",
            code=ErrorCode.INVALID_ADJUDICATION,
            fields={f"values.{k}": v for k, v in errors.items()},
        )
    values.update(typed)
    return values
