"""Project pages. The client's: "Projects" (its requests), the request form, a request with
its quotes and the Accept / Decline buttons. The provider's: "Requests" (the queue of the
clients the person serves, with filters, search and pages), a request, the quote editor.
Every change is the services'; a refusal comes back beside the fields, what was typed kept."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from backoffice.billing.models import ChargeModel, Metric
from backoffice.core.errors import DomainError, NotFound
from backoffice.core.forms import flash_domain_error
from backoffice.portal.projects import forms, selectors, services, threads
from backoffice.portal.projects.estimate import monthly_estimate
from backoffice.portal.projects.models import ProjectRequest, Quote
from backoffice.portal.projects.services.quotes import WEEKDAYS
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import Engagement

DAY_LABELS = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def caller(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def _tenants(access: TenantAccess) -> list[int]:
    return selectors.visible_tenant_ids(access)


def _url(access: TenantAccess, name: str, **kw: Any) -> str:
    return reverse(f"portal:{name}", kwargs={"tenant": access.tenant.slug, **kw})


def _errors_of(exc: DomainError, fallback: str = "form") -> forms.Errors:
    return {k: [str(m) for m in v] for k, v in exc.fields.items()} or {fallback: [exc.message]}


# --- the client's pages ------------------------------------------------------------------


@tenant_view()
@tenant_transaction(tenants=_tenants)
def projects(request: HttpRequest) -> HttpResponse:
    """The client's project requests, newest first."""
    access = caller(request)
    if access.tenant.is_provider:
        return redirect(_url(access, "requests"))
    rows = selectors.requests(access, status=request.GET.get("status", ""))
    return render(
        request,
        "portal/projects/projects.html",
        {
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "can_request": access.can(Perm.REQUEST_PROJECTS),
            "statuses": ProjectRequest.Status.choices,
            "status": request.GET.get("status", ""),
        },
    )


def _request_choices(access: TenantAccess) -> dict[str, Any]:
    return {
        "services": list(selectors.catalogue(access).order_by("name")),
        "engagements": list(selectors.client_engagements(access)),
    }


@tenant_view(Perm.REQUEST_PROJECTS)
@tenant_transaction(tenants=_tenants)
def project_new(request: HttpRequest) -> HttpResponse:
    """Request a project: a service of the catalogue (or something else), or a change to a
    running engagement; what, how much, by when, in which languages."""
    access = caller(request)
    selectors.require_reader(access)
    if access.tenant.is_provider:
        raise NotFound("Project requests are made from the client's organization.")
    values: dict[str, Any] = {"kind": request.GET.get("kind", "new")}
    errors: forms.Errors = {}
    if request.method == "POST":
        values, data, errors = forms.read_request_form(request.POST)
        uploads = request.FILES.getlist("samples")
        errors.update(_sample_errors(uploads))
        if data is not None and not errors:
            try:
                with transaction.atomic():
                    req = services.create_request(
                        access=access, data=data, submit=request.POST.get("send") == "1"
                    )
                    for upload in uploads:
                        services.add_sample(access=access, request_id=req.pk, upload=upload)
            except DomainError as exc:
                errors = _errors_of(exc)
                if uploads:
                    errors.setdefault("samples", []).append("Choose the sample files again.")
            else:
                sent = req.status == ProjectRequest.Status.SUBMITTED
                messages.success(
                    request, "Your request was sent to the provider." if sent else "Draft saved."
                )
                return redirect(_url(access, "request", request_id=req.pk))
    status = 400 if errors else 200
    context = {"values": values, "errors": errors, **_request_choices(access)}
    return render(request, "portal/projects/request_form.html", context, status=status)


def _sample_errors(uploads: list[Any]) -> forms.Errors:
    problems = []
    for upload in uploads:
        try:
            services.check_sample(upload)
        except DomainError as exc:
            problems.append(exc.message)
    return {"samples": [*problems, "Choose the sample files again."]} if problems else {}


@tenant_view()
@tenant_transaction(tenants=_tenants)
def sample(request: HttpRequest, request_id: int, sample_id: int) -> HttpResponse:
    """A sample's file, through the same scoped lookup as its request."""
    access = caller(request)
    found = selectors.access_sample_by_id(
        access, selectors.access_request_by_id(access, request_id), sample_id
    )
    response = HttpResponse(found.file.read(), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@tenant_view(Perm.REQUEST_PROJECTS)
@tenant_transaction(tenants=_tenants)
def sample_add(request: HttpRequest, request_id: int) -> HttpResponse:
    access = caller(request)
    back = _url(access, "request", request_id=request_id)
    uploads = request.FILES.getlist("samples") if request.method == "POST" else []
    if not uploads:
        selectors.access_request_by_id(access, request_id)
        messages.error(request, "Choose a file to attach.")
        return redirect(back)
    try:
        with transaction.atomic():
            for upload in uploads:
                services.add_sample(access=access, request_id=request_id, upload=upload)
    except NotFound:
        raise
    except DomainError as exc:
        flash_domain_error(request, exc)
    else:
        messages.success(
            request, f"{len(uploads)} sample{'s' if len(uploads) > 1 else ''} attached."
        )
    return redirect(back)


# --- both sides: a request and its quotes --------------------------------------------------


def _quote_rows(access: TenantAccess, req: ProjectRequest) -> list[dict[str, Any]]:
    rows = []
    for q in selectors.quotes(access, req).select_related("client", "service_type"):
        lines = selectors.lines(q)
        rows.append(
            {
                "quote": q,
                "lines": lines,
                "estimate": monthly_estimate(
                    q, lines, volume=req.expected_volume, volume_unit=req.volume_unit
                ),
                "expired": selectors.is_expired(q),
                "days": ", ".join(DAY_LABELS[d] for d in q.work_days.split(",") if d),
                "can_decide": (
                    not access.tenant.is_provider
                    and access.can(Perm.ACCEPT_QUOTES)
                    and q.status == Quote.Status.SENT
                    and not selectors.is_expired(q)
                ),
            }
        )
    return rows


@tenant_view()
@tenant_transaction(tenants=_tenants)
def project_request(request: HttpRequest, request_id: int) -> HttpResponse:
    access = caller(request)
    req = selectors.access_request_by_id(access, request_id)
    provider = access.tenant.is_provider
    return render(
        request,
        "portal/projects/request.html",
        {
            "req": req,
            "quotes": _quote_rows(access, req),
            "samples": list(selectors.samples(req)),
            "can_talk": access.can(Perm.VIEW_CONVERSATIONS),
            "provider_side": provider,
            "can_quote": provider and req.status in services.quotes.QUOTABLE,
            "can_submit": not provider and req.status == ProjectRequest.Status.DRAFT,
            "can_withdraw": not provider
            and access.can(Perm.REQUEST_PROJECTS)
            and req.status not in ("accepted", "withdrawn"),
            "engagement_url": _engagement_url(access, req),
        },
    )


def _engagement_url(access: TenantAccess, req: ProjectRequest) -> str:
    """Where the client sends the engagement work (the work app's submit page)."""
    if req.engagement_id is None or access.tenant.is_provider:
        return ""
    kwargs = {"tenant": access.tenant.slug, "engagement_id": req.engagement_id}
    return reverse("work:submit", kwargs=kwargs)


@tenant_view()
@tenant_transaction(tenants=_tenants)
def request_thread(request: HttpRequest, request_id: int) -> HttpResponse:
    """Open the request's conversation (started on first use) in the conversations app."""
    access = caller(request)
    req = selectors.access_request_by_id(access, request_id)
    if request.method != "POST":
        return redirect(_url(access, "request", request_id=req.pk))
    try:
        thread = threads.thread_of(access, req)
    except DomainError as exc:
        flash_domain_error(request, exc)
        return redirect(_url(access, "request", request_id=req.pk))
    kwargs = {"tenant": access.tenant.slug, "thread_id": thread.pk}
    return redirect(reverse("conversations:thread", kwargs=kwargs))


ACTIONS = {
    "submit": lambda a, pk, post: services.submit_request(access=a, request_id=pk),
    "withdraw": lambda a, pk, post: services.withdraw_request(access=a, request_id=pk),
}
DONE = {
    "submit": "Your request was sent to the provider.",
    "withdraw": "The request was withdrawn.",
    "accept": "Quote accepted: the engagement is open and takes work now.",
    "decline": "Quote declined. The provider may send you another.",
    "send": "The quote was sent to the client.",
}


@tenant_view()
@tenant_transaction(tenants=_tenants)
def request_action(request: HttpRequest, request_id: int) -> HttpResponse:
    """Submit, withdraw; accept, decline or send a quote (`quote` names it)."""
    access = caller(request)
    back = _url(access, "request", request_id=request_id)
    if request.method != "POST":
        return redirect(back)
    action = request.POST.get("action", "")
    quote_id = (
        int(request.POST.get("quote", "0") or 0) if request.POST.get("quote", "").isdigit() else 0
    )
    try:
        with transaction.atomic():
            if action in ACTIONS:
                ACTIONS[action](access, request_id, request.POST)
            elif action == "accept":
                services.accept_quote(access=access, quote_id=quote_id)
            elif action == "decline":
                reason = request.POST.get("reason", "")
                services.decline_quote(access=access, quote_id=quote_id, reason=reason)
            elif action == "send":
                services.send_quote(access=access, quote_id=quote_id)
            else:
                raise DomainError("Choose what to do.")
    except NotFound:
        raise
    except DomainError as exc:
        flash_domain_error(request, exc)
    else:
        messages.success(request, DONE.get(action, "Done."))
    return redirect(back)


# --- the provider's pages -----------------------------------------------------------------


@tenant_view(Perm.PREPARE_QUOTES)
@tenant_transaction(tenants=_tenants)
def requests(request: HttpRequest) -> HttpResponse:
    """The queue: requests of the clients the person serves, waiting ones first by default."""
    access = caller(request)
    if not access.tenant.is_provider:
        return redirect(_url(access, "projects"))
    status = request.GET.get("status", "submitted")
    client = request.GET.get("client", "")
    q = request.GET.get("q", "").strip()[:200]
    rows = selectors.requests(
        access, status=status, client_id=int(client) if client.isdigit() else None, q=q
    )
    return render(
        request,
        "portal/projects/requests.html",
        {
            "page": Paginator(rows, 25).get_page(request.GET.get("page")),
            "statuses": [s for s in ProjectRequest.Status.choices if s[0] != "draft"],
            "status": status,
            "clients": selectors.served_clients(access),
            "client": client,
            "q": q,
        },
    )


def _editor_context(access: TenantAccess, req: ProjectRequest, form: forms.QuoteForm) -> dict:
    return {
        "req": req,
        "form": form,
        "values": form.values,
        "errors": form.errors,
        "line_errors": [m for k, v in form.errors.items() if k.startswith("lines") for m in v],
        "services": list(selectors.catalogue(access).order_by("name")),
        "metrics": Metric.choices,
        "models": ChargeModel.choices,
        "days": list(DAY_LABELS.items()),
        "bases": Engagement.SlaBasis.choices,
    }


@tenant_view(Perm.PREPARE_QUOTES)
@tenant_transaction(tenants=_tenants)
def quote_edit(request: HttpRequest, request_id: int) -> HttpResponse:
    """The quote editor: it starts from the standard rates (or, for a change, the running
    rate card); "Save draft" keeps it, "Save and send" sends it to the client."""
    access = caller(request)
    req = selectors.access_request_by_id(access, request_id)
    if not access.tenant.is_provider:
        raise NotFound("No such page.")
    if request.method != "POST":
        form = forms.quote_form_of(services.starting_quote(access, req))
        return render(
            request, "portal/projects/quote_form.html", _editor_context(access, req, form)
        )
    form, data = forms.read_quote_form(request.POST)
    if data is not None:
        try:
            with transaction.atomic():
                quote = services.save_quote(access=access, request_id=req.pk, data=data)
                if request.POST.get("send") == "1":
                    services.send_quote(access=access, quote_id=quote.pk)
        except DomainError as exc:
            form.errors.update(_errors_of(exc))
        else:
            sent = request.POST.get("send") == "1"
            messages.success(request, DONE["send"] if sent else "Quote saved as a draft.")
            return redirect(_url(access, "request", request_id=req.pk))
    context = _editor_context(access, req, form)
    return render(request, "portal/projects/quote_form.html", context, status=400)


@tenant_view(Perm.PREPARE_QUOTES)
@tenant_transaction(tenants=_tenants)
def rates(request: HttpRequest) -> HttpResponse:
    """The provider's standard rates per service, and a form that sets one (a code already
    used for that service changes it)."""
    access = caller(request)
    if not access.tenant.is_provider:
        raise NotFound("No such page.")
    values: dict[str, Any] = {"currency": access.tenant.currency, "per_units": "1"}
    errors: forms.Errors = {}
    if request.method == "POST":
        values, parsed, errors = forms.read_rate_form(request.POST)
        if parsed is not None:
            service_id, currency, line = parsed
            try:
                with transaction.atomic():
                    services.set_standard_rate(
                        access=access, service_type_id=service_id, currency=currency, line=line
                    )
            except DomainError as exc:
                errors = _errors_of(exc)
            else:
                messages.success(request, f"Standard rate {line.name} saved.")
                return redirect(_url(access, "rates"))
    return render(
        request,
        "portal/projects/rates.html",
        {
            "rates": list(selectors.standard_rates(access.tenant.pk)),
            "services": list(selectors.catalogue(access).order_by("name")),
            "metrics": Metric.choices,
            "models": ChargeModel.choices,
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
