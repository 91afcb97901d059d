"""Work pages: the agent's next item, the lead's backlog, the client's intake and status.

Views are thin: resolve objects through the scoped selectors (another tenant's id is a
404), call a service, redirect. Domain errors come back to the page as messages.
"""

from __future__ import annotations

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

from backoffice.core.errors import DomainError, Forbidden, NotFound
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import double_key, intake, metrics, qa, selectors, services
from backoffice.work.api import item_out
from backoffice.work.models import DoubleKey, IntakeBatch, State, WorkItem
from backoffice.work.schema import FieldErrors, coerce, form_fields

# Work pages read across every client tenant the caller serves.
_work_pages = tenant_transaction(
    tenants=lambda access: {access.tenant.pk, *selectors.work_tenant_ids(access)}
)


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
    rows = [(item, item_out(item, now)) for item in page.object_list]
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
        served = set(services.served_tenant_ids(access.user))
        tenant_ids = [t for t in selectors.work_tenant_ids(access) if t in served]
        queue = None
        if request.POST.get("queue"):
            with transaction.atomic():
                queue = selectors.get_queue(access, request.POST["queue"])
        item = services.claim_next_item(agent=access.user, queue=queue, tenant_ids=tenant_ids)
        if item is None:
            messages.info(request, "Nothing is waiting for you. Well done.")
            return redirect(_url(request, "next"))
        return redirect(_url(request, "item", item_id=item.pk))
    with transaction.atomic():
        set_rls_tenants({access.tenant.pk, *selectors.work_tenant_ids(access)})
        queues = list(selectors.queues(access)) if access.tenant.is_provider else []
        holding = list(selectors.items(access, assignee=access.user, state=State.IN_PROGRESS))
    return render(request, "work/next.html", {"queues": queues, "holding": holding})


@tenant_view(Perm.VIEW_WORK)
@_work_pages
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    access = _access(request)
    item = selectors.get_item(access, item_id)
    engagement = item.engagement
    holder = item.assignee_id == access.user.pk and item.state == State.IN_PROGRESS
    output_values = item.output or {}
    return render(
        request,
        "work/item.html",
        {
            "item": item,
            "info": item_out(item),
            "engagement": engagement,
            "holder": holder,
            "input_fields": form_fields(engagement.input_schema, item.data),
            "output_fields": form_fields(engagement.output_schema, output_values),
            "events": selectors.item_events(item),
            "comments": item.comments.select_related("author"),
            "attachments": item.attachments.all(),
            "can_route": access.can(Perm.ROUTE_WORK),
            "can_review": access.can(Perm.REVIEW_WORK) and item.state == State.IN_REVIEW,
            "can_answer": access.can(Perm.SUBMIT_WORK)
            and item.tenant_id == access.tenant.pk
            and not access.tenant.is_provider,
            "can_cancel": item.is_open
            and (access.can(Perm.ROUTE_WORK) or access.can(Perm.SUBMIT_WORK)),
            "can_attach": access.can(Perm.SUBMIT_WORK) or access.can(Perm.PROCESS_WORK),
            "keyed_first": holder
            and engagement.double_key
            and double_key.keyed_first_by(item, access.user),
            # QA findings are the provider's: agents see what to rework, leads and reviewers.
            "qa_reviews": item.qa_reviews.select_related("agent", "reviewer").prefetch_related(
                "verdicts"
            )
            if any(access.can(p) for p in (Perm.PROCESS_WORK, Perm.REVIEW_WORK, Perm.ROUTE_WORK))
            else None,
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
    item = selectors.get_item(access, item_id)
    action = request.POST.get("_action", "")
    back = _url(request, "item", item_id=item.pk)
    try:
        with transaction.atomic():
            back = _do(request, access, item, action) or back
    except DomainError as exc:
        _fail(request, exc)
    return redirect(back)


def _do(request: HttpRequest, access: TenantAccess, item: WorkItem, action: str) -> str | None:
    post = request.POST
    if action == "complete":
        access.require(Perm.PROCESS_WORK)
        output, errors = _output_from_post(item, post)
        if errors:
            raise DomainError("Some fields could not be read.", fields=errors)
        services.complete_item(item=item, actor=access.user, output=output)
        messages.success(request, f"{item.external_ref} submitted.")
        return _url(request, "next")
    if action == "skip":
        access.require(Perm.PROCESS_WORK)
        services.release_item(item=item, actor=access.user, reason=post.get("reason", ""))
        messages.info(request, f"{item.external_ref} handed back.")
        return _url(request, "next")
    if action == "ask":
        access.require(Perm.PROCESS_WORK)
        services.ask_client(item=item, actor=access.user, question=post.get("body", ""))
        messages.info(request, "Question sent; the SLA clock is paused.")
        return _url(request, "next")
    if action == "answer":
        access.require(Perm.SUBMIT_WORK)
        question = selectors.get_comment(access, item, int(post.get("question") or 0))
        services.answer_question(question=question, actor=access.user, body=post.get("body", ""))
        messages.success(request, "Thank you — the work continues.")
        return None
    if action == "comment":
        if not (access.can(Perm.SUBMIT_WORK) or access.can(Perm.PROCESS_WORK)):
            raise Forbidden("Your role may not comment.")
        services.add_comment(item=item, actor=access.user, body=post.get("body", ""))
        return None
    if action == "assign":
        access.require(Perm.ROUTE_WORK)
        assignee = User.objects.filter(username=post.get("username", ""), is_active=True).first()
        if assignee is None:
            raise DomainError("No such person.", fields={"username": ["unknown"]})
        services.assign_item(item=item, assignee=assignee, actor=access.user)
        messages.success(request, f"Assigned to {assignee}.")
        return request.POST.get("next") or None
    if action == "review":
        access.require(Perm.REVIEW_WORK)
        accept = post.get("decision") == "accept"
        services.review_item(item=item, actor=access.user, accept=accept, note=post.get("note", ""))
        return None
    if action == "cancel":
        if not (access.can(Perm.ROUTE_WORK) or access.can(Perm.SUBMIT_WORK)):
            raise Forbidden("Your role may not cancel items.")
        services.transition_item(
            item=item, actor=access.user, to=State.CANCELLED, note=post.get("note", "")
        )
        return None
    if action == "attach":
        if not (access.can(Perm.SUBMIT_WORK) or access.can(Perm.PROCESS_WORK)):
            raise Forbidden("Your role may not attach files.")
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("Choose a file.", fields={"file": ["required"]})
        services.add_attachment(item=item, actor=access.user, upload=upload)
        return None
    raise DomainError("Unknown action.")


@tenant_view(Perm.VIEW_WORK)
@_work_pages
def attachment(request: HttpRequest, item_id: int, attachment_id: int) -> HttpResponse:
    item = selectors.get_item(_access(request), item_id)
    found = item.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise NotFound("No such attachment.")
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
            "risky": [(i, item_out(i, now)) for i in risky],
            "handled_today": handled,
            "today": today,
        },
    )


@tenant_view(Perm.SUBMIT_WORK)
@_work_pages
def submit(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """The client sends one item (schema-rendered form) or a file of items."""
    access = _access(request)
    engagement = selectors.get_engagement(access, engagement_id)
    if engagement.tenant_id != access.tenant.pk:
        raise NotFound("No such engagement.")
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
    ids = [item.pk for item in page.object_list]
    mismatched = set(
        DoubleKey.objects.for_tenants(selectors.work_tenant_ids(access))
        .filter(item_id__in=ids, status=DoubleKey.Status.MISMATCH)
        .values_list("item_id", flat=True)
    )
    return render(
        request,
        "work/qa_queue.html",
        {
            "page": page,
            "rows": [(item, item_out(item, now)) for item in page.object_list],
            "mismatched": mismatched,
            "engagements": list(selectors.engagements(access)),
            "engagement_id": str(engagement_id) if engagement_id else "",
        },
    )


def _qa_rows(item: WorkItem, post: Any | None, errors: FieldErrors) -> list[dict[str, Any]]:
    """One row per reviewed field: the agent's value, the verdict control, the correction."""
    schema = item.engagement.output_schema
    output = item.output or {}
    by_name = {f.name: f for f in form_fields(schema, output)}
    rows = []
    for name in qa.review_fields(item):
        f = by_name.get(name)
        value = output.get(name)
        rows.append(
            {
                "name": name,
                "label": f.label if f else name,
                "widget": f.widget if f else "text",
                "choices": f.choices if f else (),
                "agent_value": value,
                "verdict": (post.get(f"verdict-{name}", "") if post is not None else "correct"),
                "value": post.get(f"value-{name}", "") if post is not None else "",
                "errors": errors.get(f"verdicts.{name}", []),
            }
        )
    return rows


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
            code="invalid_review",
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
    item = selectors.get_item(access, item_id)
    if item.engagement.double_key and double_key.pending_adjudication(item) is not None:
        return redirect(_url(request, "adjudicate", item_id=item.pk))
    errors: FieldErrors = {}
    post = None
    if request.method == "POST":
        post = request.POST
        try:
            with transaction.atomic():
                review = qa.record_qa_review(
                    item=item,
                    actor=access.user,
                    verdicts=_verdicts_from_post(item, post),
                    decision=post.get("decision", ""),
                    note=post.get("note", ""),
                )
            messages.success(
                request,
                f"{item.external_ref}: {review.fields_correct}/{review.fields_reviewed} "
                f"fields correct — {review.get_decision_display().lower()}.",
            )
            return redirect(_url(request, "qa"))
        except DomainError as exc:
            _fail(request, exc)
            errors = exc.fields
            item.refresh_from_db()
    return render(
        request,
        "work/qa_review.html",
        {
            "item": item,
            "engagement": item.engagement,
            "info": item_out(item),
            "input_fields": form_fields(item.engagement.input_schema, item.data),
            "rows": _qa_rows(item, post, errors),
            "note": post.get("note", "") if post is not None else "",
            "note_errors": errors.get("note", []),
            "can_review": item.state == State.IN_REVIEW and item.assignee_id != access.user.pk,
            "own_work": item.assignee_id == access.user.pk,
            "reviews": item.qa_reviews.select_related("agent", "reviewer").prefetch_related(
                "verdicts"
            ),
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


def _agent_report_page(
    request: HttpRequest,
    *,
    build: Any,
    header: Any,
    table: Any,
    filename: str,
    template: str,
) -> HttpResponse:
    """A per-agent and per-engagement report over a date range, as a page or a download."""
    access = _access(request)
    report = None
    errors: FieldErrors = {}
    f = {k: request.GET.get(k, "") for k in ("start", "end", "engagement", "agent")}
    try:
        f, period, engagement_id = _report_filters(request)
        report = build(access, period=period, engagement_id=engagement_id, agent=f["agent"] or None)
    except DomainError as exc:
        _fail(request, exc)
        errors = exc.fields
    fmt = request.GET.get("format")
    if report is not None and fmt in EXPORT_FORMATS:
        return tabular_response(filename, header, table(report), fmt)
    return render(
        request,
        template,
        {
            "report": report,
            "f": f,
            "errors": errors,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "engagements": list(selectors.engagements(access)),
        },
    )


@tenant_view(Perm.ROUTE_WORK)
@_work_pages
def accuracy(request: HttpRequest) -> HttpResponse:
    """Accuracy (QA reviews, double keys, combined) per agent and engagement for a date range;
    CSV or XLSX download."""
    return _agent_report_page(
        request,
        build=metrics.accuracy_report,
        header=metrics.ACCURACY_HEADER,
        table=metrics.accuracy_table,
        filename="qa-accuracy",
        template="work/accuracy.html",
    )


@tenant_view(Perm.ROUTE_WORK)
@_work_pages
def handle_time(request: HttpRequest) -> HttpResponse:
    """Handle time per agent and engagement for a date range; CSV or XLSX download."""
    return _agent_report_page(
        request,
        build=metrics.handle_time_report,
        header=metrics.HANDLE_HEADER,
        table=metrics.handle_time_table,
        filename="handle-time",
        template="work/handle_time.html",
    )


@tenant_view(Perm.REVIEW_WORK)
@_work_pages
def adjudicate(request: HttpRequest, item_id: int) -> HttpResponse:
    """A third person settles a double-key mismatch: first key, second key, or another value."""
    access = _access(request)
    item = selectors.get_item(access, item_id)
    dk = double_key.for_item(item)
    if dk is None:
        raise NotFound("This item has no double key.")
    errors: FieldErrors = {}
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            with transaction.atomic():
                double_key.adjudicate(
                    item=item, actor=access.user, values=_adjudication_from_post(item, dk, post)
                )
            messages.success(request, f"{item.external_ref}: mismatch settled.")
            return redirect(_url(request, "qa"))
        except DomainError as exc:
            _fail(request, exc)
            errors = exc.fields
            dk.refresh_from_db()
    by_name = {f.name: f for f in form_fields(item.engagement.output_schema)}
    rows = []
    for name in dk.mismatched_fields:
        f = by_name.get(name)
        rows.append(
            {
                "name": name,
                "label": f.label if f else name,
                "widget": f.widget if f else "text",
                "choices": f.choices if f else (),
                "first": (dk.first_output or {}).get(name),
                "second": (dk.second_output or {}).get(name),
                "pick": post.get(f"pick-{name}", "") if post is not None else "",
                "value": post.get(f"value-{name}", "") if post is not None else "",
                "errors": errors.get(f"values.{name}", []),
            }
        )
    return render(
        request,
        "work/adjudicate.html",
        {
            "item": item,
            "engagement": item.engagement,
            "dk": dk,
            "rows": rows,
            "agreed": {
                k: v for k, v in (dk.first_output or {}).items() if k not in dk.mismatched_fields
            },
            "general_errors": errors.get("values", []),
            "can_settle": dk.status == DoubleKey.Status.MISMATCH
            and access.user.pk not in (dk.first_agent_id, dk.second_agent_id),
            "input_fields": form_fields(item.engagement.input_schema, item.data),
        },
    )


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
            code="invalid_adjudication",
            fields={f"values.{k}": v for k, v in errors.items()},
        )
    values.update(typed)
    return values
