"""Work API: QA review and accuracy, handle time, and double-key adjudication."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from backoffice.api.idempotency import run_idempotent
from backoffice.core.numbers import MAX_ID
from backoffice.tenancy.roles import Perm
from backoffice.work import access as rules
from backoffice.work import double_key, metrics, qa, selectors
from backoffice.work.access import access_double_key_by_item_id, access_item_by_id
from backoffice.work.api import schemas
from backoffice.work.api.base import access_of, item_page, scope, show_work_tenants
from backoffice.work.api.render import double_key_out, qa_review_out, report_out
from backoffice.work.models import State

router = Router()


# --- field-level QA and accuracy -----------------------------------------------------------------


@router.get("/qa/items", response=schemas.ItemPageOut)
def qa_items(
    request: HttpRequest,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=500),
) -> dict:
    """Items waiting for QA review, most urgent first."""
    with scope(request, Perm.REVIEW_WORK) as access:
        qs = (
            selectors.items(access, state=State.IN_REVIEW, engagement_id=engagement_id)
            .select_related("engagement__calendar", "engagement__tenant")
            .order_by("sla_due_at", "id")
        )
        return item_page(qs, page, page_size)


@router.post("/items/{item_id}/qa-reviews", response={201: schemas.QaReviewOut})
def record_qa_review(request: HttpRequest, item_id: int, payload: schemas.QaReviewIn) -> Any:
    """Score the output field by field (`correct` / `corrected` with `value`), then
    `accept` (corrections become the output; the item is done) or `rework`."""
    access = access_of(request)
    access.require(Perm.REVIEW_WORK)

    def create() -> tuple[int, dict]:
        show_work_tenants(access)
        item = access_item_by_id(access, item_id)
        review = qa.record_qa_review(
            item=item,
            actor=access.user,
            verdicts={k: qa.FieldVerdict(v.verdict, v.value) for k, v in payload.verdicts.items()},
            decision=payload.decision,
            note=payload.note,
        )
        return 201, qa_review_out(review)

    return run_idempotent(request, create)


@router.get("/items/{item_id}/qa-reviews", response=list[schemas.QaReviewOut])
def list_qa_reviews(request: HttpRequest, item_id: int) -> list[dict]:
    """The item's QA reviews, oldest first (provider staff: agents, reviewers, leads)."""
    with scope(request, Perm.VIEW_WORK) as access:
        item = access_item_by_id(access, item_id, perm=rules.READ_QA)
        return [qa_review_out(r) for r in selectors.item_qa_reviews(item)]


@router.get("/qa/accuracy", response=schemas.AccuracyOut)
def qa_accuracy(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    agent: str | None = None,
) -> dict:
    """Field accuracy per agent and engagement over a period of local dates (both included):
    from QA reviews, from settled double keys, and both combined."""
    parts = ("rows", "by_agent", "by_engagement", "total")
    return _period_report(
        request,
        metrics.ACCURACY_READERS,
        metrics.accuracy_report,
        parts,
        start,
        end,
        engagement_id,
        agent,
    )


def _period_report(
    request: HttpRequest,
    readers: rules.Rule,
    build: Callable[..., Any],
    parts: tuple[str, ...],
    start: date | None,
    end: date | None,
    engagement_id: int | None,
    agent: str | None,
) -> dict:
    """A report over a period of local dates, as the pages build it, for its `readers`."""
    with scope(request, Perm.VIEW_WORK) as access:
        readers.require(access)
        period = metrics.period_for(access, start, end)
        report = build(access, period=period, engagement_id=engagement_id, agent=agent)
        return report_out(report, start, end, parts)


# --- handle time ---------------------------------------------------------------------------------


@router.get("/handle-time", response=schemas.HandleTimeOut)
def handle_time(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    engagement_id: int | None = Query(None, ge=1, le=MAX_ID),
    agent: str | None = None,
) -> dict:
    """Time agents held items in progress (from the items' events) per agent and engagement:
    items, items handed on, total, median and p90 seconds per item, items per hour."""
    parts = ("rows", "by_agent")
    return _period_report(
        request,
        metrics.HANDLE_TIME_READERS,
        metrics.handle_time_report,
        parts,
        start,
        end,
        engagement_id,
        agent,
    )


# --- double-key entry ----------------------------------------------------------------------------


@router.get("/items/{item_id}/double-key", response=schemas.DoubleKeyOut)
def get_double_key(request: HttpRequest, item_id: int) -> dict:
    """Both keys of a double-keyed item and the fields where they differ (reviewers)."""
    with scope(request, Perm.REVIEW_WORK) as access:
        return double_key_out(access_double_key_by_item_id(access, item_id)[1])


@router.post("/items/{item_id}/double-key/adjudication", response=schemas.DoubleKeyOut)
def adjudicate_double_key(
    request: HttpRequest, item_id: int, payload: schemas.AdjudicationIn
) -> dict:
    """A third person gives the right value of each mismatching field (null leaves it out);
    the item is done with the agreed fields plus these values."""
    with scope(request, Perm.REVIEW_WORK) as access:
        item, _ = access_double_key_by_item_id(access, item_id)
        return double_key_out(
            double_key.adjudicate(item=item, actor=access.user, values=payload.values)
        )
