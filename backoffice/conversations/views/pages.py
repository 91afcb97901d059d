"""The conversation pages (see the package's docstring)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from backoffice.conversations import selectors, services
from backoffice.conversations.downloads import file_download
from backoffice.conversations.models import SubjectKind, Thread, Via
from backoffice.conversations.selectors import NOTES, POST, VIEW
from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors as work_selectors
from backoffice.work.access import access_engagement_by_id, access_item_by_id
from backoffice.work.models import IntakeBatch

FILTERS = ("unread", "mine", "mentioned")


def caller(request: Any) -> TenantAccess:
    return request.access  # type: ignore[no-any-return]


def url(access: TenantAccess, name: str, **kwargs: Any) -> str:
    return reverse(f"conversations:{name}", kwargs={"tenant": access.tenant.slug, **kwargs})


def _errors(exc: DomainError) -> dict[str, list[str]]:
    found = {
        k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in exc.fields.items()
    }
    found.setdefault("form", []).insert(0, exc.message)
    return found


# --- the inbox ----------------------------------------------------------------------------


@tenant_view(VIEW)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def inbox(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    kind = request.GET.get("kind", "")
    if kind not in SubjectKind.values:
        kind = ""
    show = request.GET.get("show", "")
    if show not in FILTERS:
        show = ""
    q = request.GET.get("q", "").strip()[:200]
    context: dict[str, Any] = {
        "kinds": SubjectKind.choices,
        "kind": kind,
        "show": show,
        "q": q,
        "filters": [
            ("", "All"),
            ("unread", "Unread"),
            ("mine", "Mine"),
            ("mentioned", "Mentioning me"),
        ],
        "can_start": bool(selectors.clients_to_start(access)),
        "staff": bool(selectors.note_tenant_ids(access)),
    }
    if q:
        hits = selectors.search(access, q)
        context["page"] = Paginator(hits, 50).get_page(request.GET.get("page"))
        return render(request, "conversations/search.html", context)
    rows = selectors.threads(
        access,
        kind=kind,
        unread=show == "unread",
        mine=show == "mine",
        mentioned=show == "mentioned",
    )
    context["page"] = Paginator(rows, 50).get_page(request.GET.get("page"))
    context["unread_total"] = selectors.unread_total(access)
    context["query"] = _query(kind=kind, show=show)
    return render(request, "conversations/inbox.html", context)


def _query(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v})


# --- a thread -----------------------------------------------------------------------------


@tenant_view(VIEW)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    access = caller(request)
    found = selectors.access_thread_by_id(access, thread_id)
    values = {"body": "", "internal": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "body": request.POST.get("body", ""),
            "internal": "1" if request.POST.get("internal") == "1" else "",
        }
        internal = values["internal"] == "1"
        try:
            selectors.access_thread_by_id(access, thread_id, perm=NOTES if internal else POST)
            services.post_message(
                thread=found,
                actor=access.user,
                body=values["body"],
                internal=internal,
                attachments=[] if internal else request.FILES.getlist("files"),
                via=Via.WEB,
            )
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            errors = _errors(exc)
        else:
            return redirect(url(access, "thread", thread_id=found.pk) + "#latest")
    return render(
        request,
        "conversations/thread.html",
        _thread_context(access, found, values, errors),
        status=400 if errors else 200,
    )


def _thread_context(
    access: TenantAccess, found: Thread, values: dict[str, str], errors: dict[str, list[str]]
) -> dict[str, Any]:
    entries = selectors.thread_timeline(access, found)
    services.mark_read(thread=found, user=access.user)
    return {
        "thread": found,
        "entries": entries,
        "values": values,
        "errors": errors,
        "can_post": POST in selectors.thread_perms(access, found.tenant_id),
        "can_note": selectors.reads_notes(access, found.tenant_id),
        "subject_url": _subject_url(access, found),
        **_cursors(entries, 0, 0),
    }


def _cursors(entries: list[selectors.Entry], message: int, note: int) -> dict[str, int]:
    for e in entries:
        if e.is_note:
            note = max(note, e.id)
        else:
            message = max(message, e.id)
    return {"after_message": message, "after_note": note}


def _subject_url(access: TenantAccess, found: Thread) -> str:
    """Where the subject itself lives, when it has a page of its own."""
    if found.subject_kind == SubjectKind.ITEM and access.can("work.view"):
        return reverse(
            "work:item", kwargs={"tenant": access.tenant.slug, "item_id": found.subject_id}
        )
    return ""


@tenant_view(VIEW)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def thread_poll(request: HttpRequest, thread_id: int) -> HttpResponse:
    """What is new since the ids the page already shows (htmx polls every 5 seconds)."""
    access = caller(request)
    found = selectors.access_thread_by_id(access, thread_id)
    after_message = _int(request.GET.get("m"))
    after_note = _int(request.GET.get("n"))
    entries = selectors.thread_timeline(
        access, found, after_message=after_message, after_note=after_note
    )
    if entries:
        services.mark_read(thread=found, user=access.user)
    return render(
        request,
        "conversations/_poll.html",
        {"thread": found, "entries": entries, **_cursors(entries, after_message, after_note)},
    )


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 18 else 0


@tenant_view(VIEW)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    found = selectors.access_attachment_by_id(caller(request), attachment_id)
    return file_download(found)


# --- a subject's thread, a new account thread ---------------------------------------------


def _subject_tenant(access: TenantAccess, kind: str, subject_id: int) -> int:
    """The client a subject belongs to, read through the work engine's own access rules
    (a subject the caller cannot see is a 404)."""
    if kind == SubjectKind.ITEM:
        return access_item_by_id(access, subject_id).tenant_id
    if kind == SubjectKind.ENGAGEMENT:
        return access_engagement_by_id(access, subject_id).tenant_id
    if kind == SubjectKind.BATCH:
        batch = (
            IntakeBatch.objects.for_tenants(work_selectors.work_tenant_ids(access))
            .filter(pk=subject_id)
            .first()
        )
        if batch is None:
            raise NotFound("No such batch.")
        return batch.tenant_id
    if kind == SubjectKind.ACCOUNT and subject_id in selectors.conversation_tenant_ids(access):
        return subject_id
    raise NotFound("No such conversation.")


@tenant_view(VIEW)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def subject(request: HttpRequest, kind: str, subject_id: int) -> HttpResponse:
    """The thread about an item, a batch, an engagement or an account: opened if it exists,
    otherwise a form whose first message starts it."""
    access = caller(request)
    tenant_id = _subject_tenant(access, kind, subject_id)
    if tenant_id not in selectors.conversation_tenant_ids(access):
        raise NotFound("No such conversation.")
    existing = selectors.find_thread(access, tenant_id=tenant_id, kind=kind, subject_id=subject_id)
    if existing is not None:
        return redirect(url(access, "thread", thread_id=existing.pk))
    values = {"body": ""}
    errors: dict[str, list[str]] = {}
    title = services.subject_title(tenant_id=tenant_id, subject_kind=kind, subject_id=subject_id)
    can_post = POST in selectors.thread_perms(access, tenant_id)
    if request.method == "POST":
        if not can_post:
            raise PermissionDenied("Your role may not start a conversation.")
        values = {"body": request.POST.get("body", "")}
        try:
            started = _start(access, tenant_id, kind, subject_id, values["body"], request)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            return redirect(url(access, "thread", thread_id=started.pk))
    return render(
        request,
        "conversations/start.html",
        {"title": title, "values": values, "errors": errors, "can_post": can_post, "clients": []},
        status=400 if errors else 200,
    )


def _start(
    access: TenantAccess, tenant_id: int, kind: str, subject_id: int, body: str, request: Any
) -> Thread:
    services.check_body(body)  # refuse an empty first message before starting anything
    started = services.thread_for(
        tenant_id=tenant_id, subject_kind=kind, subject_id=subject_id, actor=access.user
    )
    services.post_message(
        thread=started,
        actor=access.user,
        body=body,
        attachments=request.FILES.getlist("files"),
        via=Via.WEB,
    )
    return started


@tenant_view(POST)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def new_account_thread(request: HttpRequest) -> HttpResponse:
    """Talk about the client's account as a whole. A client talks about its own; provider
    staff pick one of the clients they serve."""
    access = caller(request)
    clients = selectors.clients_to_start(access)
    values = {"body": "", "client": ""}
    errors: dict[str, list[str]] = {}
    if not access.tenant.is_provider:
        values["client"] = str(access.tenant.pk)
    if request.method == "POST":
        values = {
            "body": request.POST.get("body", ""),
            "client": request.POST.get("client", values["client"]),
        }
        chosen = next((c for c in clients if str(c.pk) == values["client"]), None)
        if chosen is None:
            errors = {"client": ["Pick the client this is about."], "form": ["Pick a client."]}
        else:
            try:
                started = _start(
                    access, chosen.pk, SubjectKind.ACCOUNT, chosen.pk, values["body"], request
                )
            except DomainError as exc:
                errors = _errors(exc)
            else:
                return redirect(url(access, "thread", thread_id=started.pk))
    return render(
        request,
        "conversations/start.html",
        {
            "title": "A conversation about the account",
            "values": values,
            "errors": errors,
            "can_post": bool(clients),
            "clients": clients if access.tenant.is_provider else [],
        },
        status=400 if errors else 200,
    )
