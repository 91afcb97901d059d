"""Privacy pages of a client's account: retention rules with their preview, legal holds,
data-subject requests (decided by the client's admin), offboarding and its certificate of
destruction. Thin adapters over `selectors` and `services`; a refused form is shown again
with what was typed and the reason in words (HTTP 400)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError, Forbidden
from backoffice.core.rls import set_rls_tenants
from backoffice.privacy import offboarding as offboard
from backoffice.privacy import selectors, services
from backoffice.privacy.certificate import certificate
from backoffice.privacy.models import Action, LegalHold, Offboarding, SubjectRequest
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined, no-any-return]


def _home(access: TenantAccess, anchor: str = "") -> str:
    return reverse("privacy:index", kwargs={"tenant": access.tenant.slug}) + anchor


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    access = _access(request)
    if access.tenant.is_provider:
        return render(request, "privacy/provider.html", {}, status=status)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        rules = [services.preview_rule(r) for r in selectors.rules(access)]
        context = {
            "previews": rules,
            "holds": list(selectors.holds(access)[:50]),
            "requests": list(selectors.requests(access)[:50]),
            "erasures": list(selectors.erasures(access)[:20]),
            "jobs": list(selectors.offboardings(access)[:5]),
            "engagements": list(selectors.engagements(access)),
            "actions": Action.choices,
            "scopes": LegalHold.Scope.choices,
            "kinds": SubjectRequest.Kind.choices,
            "can_manage": access.can(Perm.MANAGE_PRIVACY),
            "can_decide": selectors.can_see_subjects(access),
            **forms,
        }
    return render(request, "privacy/index.html", context, status=status)


def _refused(request: HttpRequest, form: str, exc: DomainError, typed: dict) -> HttpResponse:
    errors = {
        k: " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in exc.fields.items()
    }
    errors["form"] = exc.message
    return _page(request, status=400, **{form: {"typed": typed, "errors": errors}})


@tenant_view(Perm.VIEW_PRIVACY)
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@tenant_view(Perm.MANAGE_PRIVACY)
def rule_save(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    typed = {k: request.POST.get(k, "") for k in ("engagement", "days", "action")}
    try:
        with transaction.atomic():
            set_rls_tenants([selectors.client_of(access)])
            eng = selectors.access_engagement_by_id(access, _int(typed["engagement"]) or 0)
        days = _int(typed["days"])
        if days is None:
            raise DomainError(
                "Give the number of days as a whole number.", fields={"days": ["A whole number."]}
            )
        services.set_retention_rule(
            engagement=eng, actor=access.user, days=days, action=typed["action"]
        )
    except DomainError as exc:
        if exc.status == 404:
            exc = DomainError(
                "Choose one of this client's engagements.",
                fields={"engagement": ["Choose an engagement."]},
            )
        return _refused(request, "rule_form", exc, typed)
    messages.success(request, f"Retention rule for {eng.name} saved.")
    return redirect(_home(access, "#retention"))


@require_POST
@tenant_view(Perm.MANAGE_PRIVACY)
def rule_remove(request: HttpRequest, rule_id: int) -> HttpResponse:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        rule = selectors.access_rule_by_id(access, rule_id, perm=Perm.MANAGE_PRIVACY)
    services.remove_retention_rule(rule=rule, actor=access.user)
    messages.success(request, "Retention rule removed.")
    return redirect(_home(access, "#retention"))


@require_POST
@tenant_view(Perm.MANAGE_PRIVACY)
def hold_place(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    typed = {k: request.POST.get(k, "") for k in ("scope", "engagement", "batch", "reason")}
    try:
        with transaction.atomic():
            set_rls_tenants([selectors.client_of(access)])
            eng = bat = None
            if typed["scope"] == "engagement":
                eng = selectors.access_engagement_by_id(access, _int(typed["engagement"]) or 0)
            if typed["scope"] == "batch":
                bat = selectors.access_batch_by_id(access, _int(typed["batch"]) or 0)
        services.place_hold(
            tenant_id=access.tenant.pk,
            actor=access.user,
            scope=typed["scope"],
            engagement=eng,
            batch=bat,
            reason=typed["reason"],
        )
    except DomainError as exc:
        if exc.status == 404:
            field = "batch" if typed["scope"] == "batch" else "engagement"
            exc = DomainError(
                f"No {field} of this client has that number.", fields={field: ["Not found."]}
            )
        return _refused(request, "hold_form", exc, typed)
    messages.success(request, "Legal hold placed: nothing it covers will be erased.")
    return redirect(_home(access, "#holds"))


@require_POST
@tenant_view(Perm.MANAGE_PRIVACY)
def hold_release(request: HttpRequest, hold_id: int) -> HttpResponse:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        hold = selectors.access_hold_by_id(access, hold_id, perm=Perm.MANAGE_PRIVACY)
    try:
        services.release_hold(hold=hold, actor=access.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Legal hold released.")
    return redirect(_home(access, "#holds"))


@require_POST
@tenant_view(Perm.VIEW_PRIVACY)
def request_create(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    typed = {k: request.POST.get(k, "") for k in ("kind", "engagement", "field", "value", "note")}
    try:
        with transaction.atomic():
            set_rls_tenants([selectors.client_of(access)])
            eng = selectors.access_engagement_by_id(access, _int(typed["engagement"]) or 0)
        services.receive_request(
            engagement=eng,
            actor=access.user,
            kind=typed["kind"],
            field=typed["field"],
            value=typed["value"],
            note=typed["note"],
        )
    except DomainError as exc:
        if exc.status == 404:
            exc = DomainError(
                "Choose one of this client's engagements.",
                fields={"engagement": ["Choose an engagement."]},
            )
        return _refused(request, "request_form", exc, typed)
    messages.success(request, "Request logged; the client's administrator decides it.")
    return redirect(_home(access, "#requests"))


@require_POST
@tenant_view(Perm.REQUEST_PRIVACY)
def request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        req = selectors.access_request_by_id(access, request_id, perm=Perm.REQUEST_PRIVACY)
    typed = {"decision": request.POST.get("decision", ""), "reason": request.POST.get("reason", "")}
    try:
        req = services.decide_request(
            req=req,
            actor=access.user,
            approve=typed["decision"] == "approve",
            reason=typed["reason"],
        )
    except DomainError as exc:
        return _refused(request, "decide_form", exc, {**typed, "id": req.pk})
    messages.success(request, f"Request #{req.pk}: {req.get_status_display().lower()}.")
    return redirect(_home(access, "#requests"))


@tenant_view(Perm.REQUEST_PRIVACY)
def request_export(request: HttpRequest, request_id: int) -> Any:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        req = selectors.access_request_by_id(access, request_id, perm=Perm.REQUEST_PRIVACY)
    if not req.export_file:
        raise Forbidden("This request has no export to download.")
    return FileResponse(
        default_storage.open(req.export_file, "rb"),
        as_attachment=True,
        filename=f"subject-access-{req.pk}.json",
    )


@require_POST
@tenant_view(Perm.MANAGE_PRIVACY)
def offboard_start(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    typed = {"confirm": request.POST.get("confirm", "")}
    try:
        selectors.client_of(access, Perm.MANAGE_PRIVACY)
        job = offboard.start_offboarding(
            org=access.tenant, actor=access.user, confirm=typed["confirm"]
        )
    except DomainError as exc:
        return _refused(request, "offboard_form", exc, typed)
    messages.success(
        request, "Offboarding started: the archive is written first, then the data is erased."
    )
    return redirect(
        reverse("privacy:offboarding", kwargs={"tenant": access.tenant.slug, "job_id": job.pk})
    )


def _job(request: HttpRequest, job_id: int) -> Offboarding:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return selectors.access_offboarding_by_id(access, job_id)


@tenant_view(Perm.VIEW_PRIVACY)
def offboarding(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's progress and, once done, its certificate of destruction."""
    access = _access(request)
    job = _job(request, job_id)
    archive = access.can(Perm.MANAGE_PRIVACY) or access.can(Perm.REQUEST_PRIVACY)
    context = {"job": job, "cert": certificate(job), "perms_archive": archive}
    return render(request, "privacy/offboarding.html", context)


@tenant_view(Perm.VIEW_PRIVACY)
def offboarding_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "privacy/_progress.html", {"job": _job(request, job_id)})


@tenant_view(Perm.VIEW_PRIVACY)
def offboarding_certificate(request: HttpRequest, job_id: int) -> JsonResponse:
    """The certificate of destruction as JSON (404 until the job is done)."""
    job = _job(request, job_id)
    if job.status != Offboarding.Status.DONE:
        raise Forbidden("The certificate is issued when the offboarding is finished.")
    return JsonResponse(certificate(job), json_dumps_params={"indent": 2})


@tenant_view(Perm.VIEW_PRIVACY)
def offboarding_archive(request: HttpRequest, job_id: int) -> Any:
    access = _access(request)
    if not (access.can(Perm.MANAGE_PRIVACY) or access.can(Perm.REQUEST_PRIVACY)):
        raise PermissionDenied(
            "Only the provider's and the client's administrators may download the archive."
        )
    job = _job(request, job_id)
    if not job.archive_file:
        raise Forbidden("The archive is not written yet.")
    return FileResponse(
        default_storage.open(job.archive_file, "rb"),
        as_attachment=True,
        filename=f"offboarding-{access.tenant.slug}-{job.pk}.zip",
    )
