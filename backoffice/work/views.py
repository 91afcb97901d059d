"""Work pages: the agent's next item, the lead's backlog, the client's intake and status.

Views are thin: resolve objects through the scoped selectors (another tenant's id is a
404), call a service, redirect. Domain errors come back to the page as messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none
from backoffice.core.numbers import parse_int
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import access as rules
from backoffice.work import double_key, intake, metrics, qa, selectors, services
from backoffice.work.access import (
    access_attachment_by_id,
    access_comment_by_id,
    access_double_key_by_item_id,
    access_engagement_by_id,
    access_item_by_id,
    access_queue_by_id,
)
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import DoubleKey, IntakeBatch, State, WorkItem
from backoffice.work.schema import FieldErrors, FormField, coerce, form_fields

# Work pages read across every client tenant the caller serves.
_work_pages = tenant_transaction(tenants=selectors.visible_tenant_ids)


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"work:{name}", kwargs={"tenant": _access(request).tenant.slug, **kwargs})


def _id_or_none(value: str | None) -> int | None:
    """A filter's id from the query string; anything else (or beyond 64 bits) is no filter."""
    if value and value.isdigit() and int(value) < 2**63:
        return int(value)
    return None


def _fail(request: HttpRequest, exc: DomainError) -> None:
    detail = ""
    if exc.fields:
        parts = []
        for name, msgs in exc.fields.items():
            if name == "rows":
                continue
            parts.append(f"{name}: {'; '.join(map(str, msgs))}")
        detail = " — " + " · ".join(parts) if parts else ""
    messages.error(request, exc.message + detail)


@tenant_view(Perm.VIEW_WORK)
@_work_pages
def index(request: HttpRequest) -> HttpResponse:
    """Everyone's start page: what needs me now."""
    access = _access(request)
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
@_work_pages
def item_list(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    state = request.GET.get("state") or None
    if state not in (None, *State.values):
        state = None
    engagement_id = _id_or_none(request.GET.get("engagement"))
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
    access = _access(request)
    if request.method == "POST":
        queue = None
        if request.POST.get("queue"):
            with transaction.atomic():
                queue = access_queue_by_id(access, request.POST["queue"])
        item = services.claim_next_for(access=access, queue=queue)
        if item is None:
            messages.info(request, "Nothing is waiting for you. Well done.")
            return redirect(_url(request, "next"))
        return redirect(_url(request, "item", item_id=item.pk))
    with transaction.atomic():
        set_rls_tenants(selectors.visible_tenant_ids(access))
        queues = list(selectors.queues(access)) if access.tenant.is_provider else []
        holding = list(selectors.items(access, assignee=access.user, state=State.IN_PROGRESS))
    return render(request, "work/next.html", {"queues": queues, "holding": holding})


@tenant_view(Perm.VIEW_WORK)
@_work_pages
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    access = _access(request)
    item = access_item_by_id(access, item_id)
    engagement = item.engagement
    holder = item.assignee_id == access.user.pk and item.state == State.IN_PROGRESS
    output_values = item.output or {}
    return render(
        request,
        "work/item.html",
        {
            "item": item,
            "info": selectors.sla_badge(item, timezone.now()),
            "engagement": engagement,
            "holder": holder,
            "input_fields": form_fields(engagement.input_schema, item.data),
            "output_fields": form_fields(engagement.output_schema, output_values),
            "events": selectors.item_events(item),
            "comments": selectors.item_comments(item),
            "attachments": selectors.item_attachments(item),
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
        },
    )


def _output_from_post(item: WorkItem, post: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    schema = item.engagement.output_schema
    raw: dict[str, Any] = {}
    for f in form_fields(schema):
        if f.widget == "checkbox":
            raw[f.name] = "true" if post.get(f.name) else "false"
        else:
            raw[f.name] = post.get(f.name, "")
    return coerce(schema, raw)


@require_POST
@tenant_view(Perm.VIEW_WORK)
@_work_pages
def item_action(request: HttpRequest, item_id: int) -> HttpResponse:
    """Every button on the item page posts here with `action`."""
    access = _access(request)
    item = access_item_by_id(access, item_id)
    action = request.POST.get("_action", "")
    back = _url(request, "item", item_id=item.pk)
    try:
        with transaction.atomic():
            back = _do(request, access, item, action) or back
    except DomainError as exc:
        _fail(request, exc)
    return redirect(back)


def _do(request: HttpRequest, access: TenantAccess, item: WorkItem, action: str) -> str | None:
    """Run one posted action; the page to go to next (None: back to the item)."""
    handler = _ACTIONS.get(action)
    if handler is None:
        raise DomainError("Unknown action.")
    return handler(request, access, item)


def _complete(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.PROCESS.require(access)
    output, errors = _output_from_post(item, request.POST)
    if errors:
        raise DomainError("Some fields could not be read.", fields=errors)
    services.complete_item(item=item, actor=access.user, output=output)
    messages.success(request, f"{item.external_ref} submitted.")
    return _url(request, "next")


def _skip(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.PROCESS.require(access)
    services.release_item(item=item, actor=access.user, reason=request.POST.get("reason", ""))
    messages.info(request, f"{item.external_ref} handed back.")
    return _url(request, "next")


def _ask(request: HttpRequest, access: TenantAccess, item: WorkItem) -> str | None:
    rules.PROCESS.require(access)
    services.ask_client(item=item, actor=access.user, question=request.POST.get("body", ""))
    messages.info(request, "Question sent; the SLA clock is paused.")
    return _url(request, "next")


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
    "complete": _complete,
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
@_work_pages
def attachment(request: HttpRequest, item_id: int, attachment_id: int) -> HttpResponse:
    access = _access(request)
    found = access_attachment_by_id(access, access_item_by_id(access, item_id), attachment_id)
    response = HttpResponse(found.file.read(), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@tenant_view(Perm.ROUTE_WORK)
@_work_pages
def backlog(request: HttpRequest) -> HttpResponse:
    """The team lead's board: open work per engagement, at-risk items to reassign."""
    access = _access(request)
    risky = (
        selectors.items(access, open=True)
        .filter(at_risk=True)
        .exclude(state=State.WAITING_ON_CLIENT)
        .order_by("sla_due_at")[:50]
    )
    now = timezone.now()
    today = timezone.localdate(now, ZoneInfo(access.user.timezone or "UTC"))
    handled = metrics.handle_time_report(
        access, period=metrics.period_for(access, today, today)
    ).by_agent
    return render(
        request,
        "work/backlog.html",
        {
            "rows": selectors.backlog(access),
            "risky": [(i, selectors.sla_badge(i, now)) for i in risky],
            "handled_today": handled,
            "today": today,
        },
    )


@tenant_view(Perm.SUBMIT_WORK)
@_work_pages
def submit(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """The client sends one item (schema-rendered form) or a file of items."""
    access = _access(request)
    engagement = access_engagement_by_id(access, engagement_id, to_submit=True)
    values: dict[str, Any] = {}
    report: list[dict[str, Any]] = []
    if request.method == "POST":
        try:
            with transaction.atomic():
                if request.POST.get("_intake") == "file":
                    return _upload(request, access, engagement, report)
                return _submit_one(request, access, engagement, values)
        except DomainError as exc:
            _fail(request, exc)
            rows = exc.fields.get("rows") if exc.fields else None
            report = list(rows or [])
    return render(
        request,
        "work/submit.html",
        {
            "engagement": engagement,
            "fields": form_fields(engagement.input_schema, values),
            "external_ref": request.POST.get("external_ref", ""),
            "report": report,
            "modes": IntakeBatch.Mode.choices,
        },
    )


def _submit_one(
    request: HttpRequest, access: TenantAccess, engagement: Any, values: dict[str, Any]
) -> HttpResponse:
    raw: dict[str, Any] = {}
    for f in form_fields(engagement.input_schema):
        raw[f.name] = (
            ("true" if request.POST.get(f.name) else "")
            if f.widget == "checkbox"
            else request.POST.get(f.name, "")
        )
    data, errors = coerce(engagement.input_schema, raw)
    values.update(data)
    if errors:
        raise DomainError("Some fields could not be read.", fields=errors)
    item, created = services.submit_item(
        engagement=engagement,
        actor=access.user,
        external_ref=request.POST.get("external_ref", "").strip(),
        data=data,
    )
    if created:
        messages.success(request, f"{item.external_ref} received.")
    else:
        messages.info(request, f"{item.external_ref} was already received.")
    return redirect(_url(request, "item", item_id=item.pk))


def _upload(
    request: HttpRequest, access: TenantAccess, engagement: Any, report: list[dict[str, Any]]
) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError("Choose a file to upload.", fields={"file": ["required"]})
    result = intake.import_file(
        engagement=engagement,
        actor=access.user,
        filename=upload.name or "upload",
        content=upload.read(),
        mode=request.POST.get("mode", IntakeBatch.Mode.ALL_OR_NOTHING),
    )
    messages.success(
        request,
        f"{upload.name}: {result.created} new, {result.existing} already received, "
        f"{result.rejected} rejected.",
    )
    if result.errors:
        report.extend(e.as_dict() for e in result.errors[:500])
        return render(
            request,
            "work/submit.html",
            {
                "engagement": engagement,
                "fields": form_fields(engagement.input_schema),
                "report": report,
                "modes": IntakeBatch.Mode.choices,
            },
        )
    return redirect(_url(request, "items") + f"?engagement={engagement.pk}")


# --- quality: the reviewer's queue and form, the lead's accuracy report --------------------


@tenant_view(Perm.REVIEW_WORK)
@_work_pages
def qa_queue(request: HttpRequest) -> HttpResponse:
    """Items the QA sample sent to review, most urgent first."""
    access = _access(request)
    engagement_id = _id_or_none(request.GET.get("engagement"))
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
        _fail(request, exc)
        reread.refresh_from_db()
        return None, exc.fields
    messages.success(request, message)
    return redirect(_url(request, "qa")), {}


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
@_work_pages
def qa_review(request: HttpRequest, item_id: int) -> HttpResponse:
    """The reviewer scores each output field (correct / corrected) and accepts or sends back."""
    access = _access(request)
    item = access_item_by_id(access, item_id)
    if item.engagement.double_key and selectors.pending_adjudication(item) is not None:
        return redirect(_url(request, "adjudicate", item_id=item.pk))
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


def _report_filters(request: HttpRequest) -> tuple[dict[str, str], Any, int | None]:
    f = {k: request.GET.get(k, "").strip() for k in ("start", "end", "engagement", "agent")}
    start, end = date_or_none(f["start"]), date_or_none(f["end"])
    bad: dict[str, list[str]] = {}
    for key, parsed in (("start", start), ("end", end)):
        if f[key] and parsed is None:
            bad[key] = ["Not a date (YYYY-MM-DD)."]
    if bad:
        raise DomainError("The period is not valid.", fields=bad)
    period = metrics.period_for(_access(request), start, end)
    engagement_id = _id_or_none(f["engagement"])
    return f, period, engagement_id


def _report_view(name: str, doc: str, build: Any, header: Any, table: Any, filename: str) -> Any:
    """A team lead's per-agent and per-engagement report over a date range: the page
    `work/<name>.html`, or its CSV / XLSX download `filename`."""

    def view(request: HttpRequest) -> HttpResponse:
        access = _access(request)
        report = None
        errors: FieldErrors = {}
        f = {k: request.GET.get(k, "") for k in ("start", "end", "engagement", "agent")}
        try:
            f, period, engagement_id = _report_filters(request)
            agent = f["agent"] or None
            report = build(access, period=period, engagement_id=engagement_id, agent=agent)
        except DomainError as exc:
            _fail(request, exc)
            errors = exc.fields
        fmt = request.GET.get("format")
        if report is not None and fmt in EXPORT_FORMATS:
            return tabular_response(filename, header, table(report), fmt)
        context = {
            "report": report,
            "f": f,
            "errors": errors,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "engagements": list(selectors.engagements(access)),
        }
        return render(request, f"work/{name}.html", context)

    view.__name__ = view.__qualname__ = name
    view.__doc__ = doc
    return tenant_view(Perm.ROUTE_WORK)(_work_pages(view))


accuracy = _report_view(
    "accuracy",
    "Accuracy (QA reviews, double keys, combined) per agent and engagement for a date range.",
    metrics.accuracy_report,
    metrics.ACCURACY_HEADER,
    metrics.accuracy_table,
    "qa-accuracy",
)
handle_time = _report_view(
    "handle_time",
    "Handle time per agent and engagement for a date range.",
    metrics.handle_time_report,
    metrics.HANDLE_HEADER,
    metrics.handle_time_table,
    "handle-time",
)


@tenant_view(Perm.REVIEW_WORK)
@_work_pages
def adjudicate(request: HttpRequest, item_id: int) -> HttpResponse:
    """A third person settles a double-key mismatch: first key, second key, or another value."""
    access = _access(request)
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
