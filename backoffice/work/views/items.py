"""Items: the work index, lists, the agent's next item, an item's page and its actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError, Forbidden
from backoffice.core.numbers import parse_int
from backoffice.core.rls import set_rls_tenants
from backoffice.ledger import money
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import access as rules
from backoffice.work import metrics, selectors, services, viewer
from backoffice.work.access import (
    access_attachment_by_id,
    access_comment_by_id,
    access_item_by_id,
    access_queue_by_id,
)
from backoffice.work.models import State, WorkItem
from backoffice.work.schema import (
    FormRead,
    currency_field,
    entry_fields,
    read_form,
    shown_fields,
)
from backoffice.work.services.items import item_values, reveal_item_field
from backoffice.work.views._common import id_or_none, page_access, show_error, work_pages, work_url


@tenant_view(Perm.VIEW_WORK)
@work_pages
def index(request: HttpRequest) -> HttpResponse:
    """Everyone's start page: what needs me now."""
    access = page_access(request)
    mine = (
        selectors.items(access, assignee=access.user, state=State.IN_PROGRESS)
        if access.can(Perm.PROCESS_WORK)
        else None
    )
    return render(
        request,
        "work/index.html",
        {
            "engagements": list(selectors.engagements(access)),
            "mine": list(mine[:20]) if mine is not None else None,
            "questions": list(selectors.open_questions(access)[:20]),
            "can_process": access.can(Perm.PROCESS_WORK),
            "can_route": access.can(Perm.ROUTE_WORK),
            "can_review": access.can(Perm.REVIEW_WORK),
            "can_submit": access.can(Perm.SUBMIT_WORK) and not access.tenant.is_provider,
        },
    )


@tenant_view(Perm.VIEW_WORK)
@work_pages
def item_list(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    state = request.GET.get("state") or None
    if state not in (None, *State.values):
        state = None
    engagement_id = id_or_none(request.GET.get("engagement"))
    qs = selectors.items(access, state=state, engagement_id=engagement_id)
    if request.GET.get("risk") == "1":
        qs = qs.filter(at_risk=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(item, selectors.sla_badge(item, now)) for item in page.object_list]
    return render(
        request,
        "work/items.html",
        {
            "page": page,
            "rows": rows,
            "states": State.choices,
            "state": state or "",
            "engagements": list(selectors.engagements(access)),
            "engagement_id": str(engagement_id) if engagement_id else "",
        },
    )


@tenant_view(Perm.PROCESS_WORK)
def next_item(request: HttpRequest) -> HttpResponse:
    """The agent's loop: one key (n) takes the next item."""
    access = page_access(request)
    if request.method == "POST":
        queue = None
        if request.POST.get("queue"):
            with transaction.atomic():
                queue = access_queue_by_id(access, request.POST["queue"])
        item = services.claim_next_for(access=access, queue=queue)
        if item is None:
            messages.info(request, "Nothing is waiting for you. Well done.")
            return redirect(work_url(request, "next"))
        return redirect(work_url(request, "item", item_id=item.pk))
    with transaction.atomic():
        set_rls_tenants(selectors.visible_tenant_ids(access))
        queues = list(selectors.queues(access)) if access.tenant.is_provider else []
        holding = list(selectors.items(access, assignee=access.user, state=State.IN_PROGRESS))
    return render(request, "work/next.html", {"queues": queues, "holding": holding})


@tenant_view(Perm.VIEW_WORK)
@work_pages
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    access = page_access(request)
    item = access_item_by_id(access, item_id)
    return _item_page(request, access, item)


def _item_page(
    request: HttpRequest,
    access: TenantAccess,
    item: WorkItem,
    *,
    form: FormRead | None = None,
    status: int = 200,
    reveal: frozenset[str] = frozenset(),
    reveal_error: dict[str, str] | None = None,
) -> HttpResponse:
    """The workbench: the source in the viewer beside the schema's form for the agent who
    holds the item; for everyone else the item, its result as labelled fields, history.
    Confidential values show masked except to the holder (and the one just revealed)."""
    engagement = item.engagement
    holder = item.assignee_id == access.user.pk and item.state == State.IN_PROGRESS
    exponents = money.exponents()
    schema = engagement.output_schema
    data, output = item_values(access, item, reveal=reveal)
    if form is not None:
        entry = entry_fields(schema, typed=form.typed, errors=form.errors, exponents=exponents)
    else:
        entry = entry_fields(schema, values=output or {}, exponents=exponents)
    context = {
        "item": item,
        "info": selectors.sla_badge(item, timezone.now()),
        "engagement": engagement,
        "holder": holder,
        "client_data": shown_fields(engagement.input_schema, data, exponents=exponents),
        "output_fields": entry,
        "form_errors": form.errors.get("", []) if form is not None else [],
        "result": (
            shown_fields(schema, output, exponents=exponents, prefix="output") if output else None
        ),
        "can_reveal": not holder and access.can(Perm.REVEAL_SENSITIVE),
        "reveal_error": reveal_error or {},
        "exponents_json": json.dumps(_currency_places(schema, exponents)),
        "currency_field": currency_field(schema) or "",
        "history": [
            (e, _STATES.get(e.from_state, e.from_state), _STATES.get(e.to_state, e.to_state))
            for e in selectors.item_events(item)
        ],
        "comments": selectors.item_comments(item),
        "sources": viewer.sources(list(selectors.item_attachments(item))),
        "figures": _figures(access, item) if holder else None,
        "can_route": rules.REASSIGN.allows(access),
        "can_review": rules.REVIEW.allows(access) and item.state == State.IN_REVIEW,
        "can_answer": rules.ANSWER.allows(access)
        and item.tenant_id == access.tenant.pk
        and not access.tenant.is_provider,
        "can_cancel": item.is_open and rules.CANCEL.allows(access),
        "can_attach": rules.ATTACH.allows(access),
        "keyed_first": holder
        and engagement.double_key
        and selectors.keyed_first_by(item, access.user),
        "qa_reviews": selectors.item_qa_reviews(item) if rules.READ_QA.allows(access) else None,
    }
    response = render(request, "work/item.html", context, status=status)
    if reveal:
        response["Cache-Control"] = "no-store"
    return response


_STATES = dict(State.choices)


def _currency_places(schema: dict[str, Any], exponents: dict[str, int]) -> dict[str, int]:
    """The decimals of the currencies the form offers (all known ones for a free text)."""
    name = currency_field(schema)
    offered = schema.get("properties", {}).get(name or "", {}).get("enum")
    if offered:
        return {str(c): exponents[c] for c in offered if c in exponents}
    return exponents


def _figures(access: TenantAccess, item: WorkItem) -> dict[str, Any]:
    """The agent's own day beside the work: items finished today (in the agent's zone), field
    accuracy over the last 30 days, items waiting, and since when this item is in hand."""
    zone = ZoneInfo(access.user.timezone or "UTC")
    today = timezone.now().astimezone(zone).date()
    midnight = datetime.combine(today, time.min, zone)
    period = metrics.Period(today - timedelta(days=29), today, zone.key)
    accuracy = metrics.accuracy_report(access, period=period, agent=access.user.username)
    return {
        "done_today": selectors.handed_on_since(access, access.user, midnight),
        "accuracy": accuracy.total.combined_accuracy,
        "checked_fields": accuracy.total.combined_fields,
        "waiting": selectors.waiting_count(access),
        "held_since": item.claimed_at or item.last_activity_at,
    }


@require_POST
@tenant_view(Perm.VIEW_WORK)
@work_pages
def item_action(request: HttpRequest, item_id: int) -> HttpResponse:
    """Every button on the item page posts here with `action`."""
    access = page_access(request)
    item = access_item_by_id(access, item_id)
    action = request.POST.get("_action", "")
    back = work_url(request, "item", item_id=item.pk)
    if action == "complete":
        return _complete(request, access, item)
    if action == "reveal":
        return _reveal(request, access, item)
    try:
        with transaction.atomic():
            back = _do(request, access, item, action) or back
    except DomainError as exc:
        show_error(request, exc)
    return redirect(back)


def _do(request: HttpRequest, access: TenantAccess, item: WorkItem, action: str) -> str | None:
    """Run one posted action; the page to go to next (None: back to the item)."""
    handler = _ACTIONS.get(action)
    if handler is None:
        raise DomainError("Unknown action.")
    return handler(request, access, item)


def _complete(request: HttpRequest, access: TenantAccess, item: WorkItem) -> HttpResponse:
    """Submit the agent's result; a refusal shows the page again with every problem beside
    its field and what was typed kept."""
    rules.PROCESS.require(access)
    form = read_form(item.engagement.output_schema, request.POST, exponents=money.exponents())
    if not form.errors:
        try:
            with transaction.atomic():
                services.complete_item(item=item, actor=access.user, output=form.output)
        except DomainError as exc:
            if not exc.fields:
                show_error(request, exc)
                return redirect(work_url(request, "item", item_id=item.pk))
            for path, found in exc.fields.items():
                form.errors.setdefault(path.replace(".", "-"), []).extend(map(str, found))
    if form.errors:
        messages.error(request, "Some fields need a look: see the messages beside them.")
        return _item_page(request, access, item, form=form, status=400)
    messages.success(request, f"{item.external_ref} submitted.")
    return redirect(work_url(request, "next"))


def _reveal(request: HttpRequest, access: TenantAccess, item: WorkItem) -> HttpResponse:
    """Show one confidential value on this page (not stored in the session: a reload masks
    it again); the reveal and its reason are audited, and without a reason nothing is."""
    path = request.POST.get("field", "")
    reason = request.POST.get("reason", "")
    try:
        reveal_item_field(access=access, item=item, field=path, reason=reason)
    except Forbidden:
        raise
    except DomainError as exc:
        problem = {"path": path, "reason": reason[:500], "message": exc.message}
        messages.error(request, exc.message)
        return _item_page(request, access, item, status=400, reveal_error=problem)
    return _item_page(request, access, item, reveal=frozenset({path}))


def _skip(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.PROCESS.require(access)
    services.release_item(item=item, actor=access.user, reason=request.POST.get("reason", ""))
    messages.info(request, f"{item.external_ref} handed back.")
    return work_url(request, "next")


def _ask(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.PROCESS.require(access)
    services.ask_client(item=item, actor=access.user, question=request.POST.get("body", ""))
    messages.info(request, "Question sent; the SLA clock is paused.")
    return work_url(request, "next")


def _answer(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.ANSWER.require(access)
    asked = parse_int(request.POST.get("question") or 0, field="question", minimum=0)
    question = access_comment_by_id(access, item, asked)
    services.answer_question(
        question=question, actor=access.user, body=request.POST.get("body", "")
    )
    messages.success(request, "Thank you — the work continues.")
    return None


def _comment(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.COMMENT.require(access)
    services.add_comment(item=item, actor=access.user, body=request.POST.get("body", ""))
    return None


def _assign(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.REASSIGN.require(access)
    assignee = services.assignee_named(request.POST.get("username", ""))
    services.assign_item(item=item, assignee=assignee, actor=access.user)
    messages.success(request, f"Assigned to {assignee}.")
    return request.POST.get("next") or None


def _review(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.REVIEW.require(access)
    accept = request.POST.get("decision") == "accept"
    note = request.POST.get("note", "")
    services.review_item(item=item, actor=access.user, accept=accept, note=note)
    return None


def _cancel(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.CANCEL.require(access)
    note = request.POST.get("note", "")
    services.transition_item(item=item, actor=access.user, to=State.CANCELLED, note=note)
    return None


def _attach(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.ATTACH.require(access)
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError("Choose a file.", fields={"file": ["required"]})
    services.add_attachment(item=item, actor=access.user, upload=upload)
    return None


# Every button on the item page: `_action` → what it does.
_ACTIONS: dict[str, Callable[[HttpRequest, TenantAccess, WorkItem], str | None]] = {
    "skip": _skip,
    "ask": _ask,
    "answer": _answer,
    "comment": _comment,
    "assign": _assign,
    "review": _review,
    "cancel": _cancel,
    "attach": _attach,
}


@tenant_view(Perm.VIEW_WORK)
@work_pages
def attachment(request: HttpRequest, item_id: int, attachment_id: int) -> HttpResponse:
    access = page_access(request)
    found = access_attachment_by_id(access, access_item_by_id(access, item_id), attachment_id)
    response = HttpResponse(found.file.read(), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@tenant_view(Perm.VIEW_WORK)
@work_pages
def attachment_page(
    request: HttpRequest, item_id: int, attachment_id: int, page: int
) -> HttpResponse:
    """One page of a PDF or TIFF file as PNG for the viewer (`?size=thumb` for thumbnails),
    through the same scoped lookup as the file itself."""
    access = page_access(request)
    found = access_attachment_by_id(access, access_item_by_id(access, item_id), attachment_id)
    size = "thumb" if request.GET.get("size") == "thumb" else "page"
    png = viewer.render_page(found, page, size) if found.content_type in viewer.PAGED else None
    if png is None:
        raise Http404("No such page.")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
