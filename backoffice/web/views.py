"""The UI shell: home, dashboard, tenant switcher, members, API tokens, audit log."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backoffice.api.errors import error_body
from backoffice.audit import descriptions as audit_descriptions
from backoffice.audit import selectors as audit_selectors
from backoffice.core.errors import DomainError, NotFound
from backoffice.identity.reauth import reauth_required
from backoffice.portal.dashboard import grants as member_grants
from backoffice.tenancy import services as tenancy_services
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import (
    access_api_token_by_id,
    access_api_tokens,
    access_members,
    access_tenant,
    accessible_tenants,
    grantable_roles,
)
from backoffice.web import dashboards


@login_required
def home(request: HttpRequest) -> HttpResponse:
    tenants = accessible_tenants(request.user)  # type: ignore[arg-type]
    if not tenants:
        return render(request, "web/no_tenant.html", status=403)
    return redirect("web:dashboard", tenant=tenants[0][0].slug)


@login_required
def switch_tenant(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("to", "")
    try:
        access_tenant(user=request.user, slug=slug)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return redirect("web:dashboard", tenant=slug)


@tenant_view(Perm.VIEW_DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    """A section per part the person plays (`web/dashboards.py`), with charts."""
    access = request.access  # type: ignore[attr-defined]
    return render(request, "web/dashboard.html", dashboards.context(access))


def _beside_fields(exc: DomainError, fields: set[str]) -> dict[str, list[str]]:
    """A refusal shown beside the fields it names (its message, in words), else above."""
    named = [f for f in exc.fields if f in fields]
    return {f: [exc.message] for f in named} or {"form": [exc.message]}


@reauth_required(methods=("POST",))
@tenant_view(Perm.VIEW_DASHBOARD)
def members(request: HttpRequest) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    status = 200
    typed: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    grant_form: dict = {}
    if request.method == "POST" and request.POST.get("action") == "grants":
        grant_form = _post_grants(request, access)
        if not grant_form:
            return redirect(request.get_full_path())
        status = grant_form["status"]
    elif request.method == "POST":
        typed = {
            "username": request.POST.get("username", "").strip(),
            "role": request.POST.get("role", ""),
        }
        try:
            if request.POST.get("revoke"):
                typed = {}
                tenancy_services.revoke_membership(access=access, username=request.POST["revoke"])
                messages.success(request, "Membership revoked.")
            else:
                m = tenancy_services.grant_membership(access=access, **typed)
                messages.success(request, f"{m.user.username} is now {m.get_role_display()}.")
                typed = {}
        except DomainError as exc:
            if typed:
                errors = _beside_fields(exc, {"username", "role"})
            else:
                messages.error(request, exc.message)
            status = exc.status if exc.status >= 400 else 400
    q = request.GET.get("q", "").strip()
    page = Paginator(access_members(access, q=q), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/members.html",
        {
            "page": page,
            "q": q,
            "grantable": grantable_roles(access),
            "can_manage": access.can(Perm.MANAGE_MEMBERS),
            "typed": typed,
            "errors": errors,
            **_grants_context(access, page.object_list, grant_form),
        },
        status=status,
    )


def _post_grants(request: HttpRequest, access: Any) -> dict[str, Any]:
    """The grant editor's post (a client admin narrowing one member): {} when saved, else
    what was typed and the refusal, to show the form again as it was."""
    form: dict[str, Any] = {
        "member": request.POST.get("member", ""),
        "all_engagements": request.POST.get("scope", "all") != "named",
        "engagement_ids": request.POST.getlist("engagements"),
        **{flag: request.POST.get(flag) == "on" for flag in member_grants.FLAG_LABELS},
    }
    try:
        member_grants.set_member_grants(
            access=access,
            username=form["member"],
            all_engagements=form["all_engagements"],
            engagement_ids=form["engagement_ids"],
            **{flag: form[flag] for flag in member_grants.FLAG_LABELS},
        )
    except DomainError as exc:
        return {**form, "error": exc.message, "status": exc.status if exc.status >= 400 else 400}
    messages.success(request, f"What {form['member']} sees and may do is saved.")
    return {}


def _grants_context(access: Any, rows: Any, form: dict[str, Any]) -> dict[str, Any]:
    """Each member row with the grant editor's values for client members (as saved, or as
    typed when the post was refused); provider tenants and non-managers get plain rows."""
    rows = list(rows)
    if access.tenant.is_provider or not access.can(Perm.MANAGE_MEMBERS):
        return {"member_rows": [(m, None) for m in rows]}
    by_member = member_grants.grants_of(access, rows)
    out: list[tuple[Any, dict[str, Any] | None]] = []
    for m in rows:
        g = by_member.get(m.pk)
        if g is None or m.user_id == access.user.pk:
            out.append((m, None))
            continue
        typed = form if form.get("member") == m.user.username else None
        src: dict[str, Any] = typed or {
            "all_engagements": g.all_engagements,
            "engagement_ids": [str(i) for i in g.engagement_ids],
            **g.flags,
        }
        out.append(
            (
                m,
                {
                    "named": not src["all_engagements"],
                    "chosen": {str(i) for i in src["engagement_ids"]},
                    "flags": [
                        (flag, label, src[flag], g.role_allows[flag])
                        for flag, label in member_grants.FLAG_LABELS.items()
                    ],
                    "summary": _grant_summary(g),
                    "error": typed["error"] if typed else "",
                },
            )
        )
    return {"member_rows": out, "grant_engagements": member_grants.client_engagements(access)}


def _grant_summary(g: Any) -> str:
    seen = "all engagements" if g.all_engagements else f"{len(g.engagement_ids)} engagement(s)"
    kept = [
        label.removeprefix("May ")
        for flag, label in member_grants.FLAG_LABELS.items()
        if g.role_allows[flag] and not g.flags[flag]
    ]
    return f"Sees {seen}" + (f"; may not {', '.join(kept)}" if kept else "")


@reauth_required(methods=("POST",))
@tenant_view(Perm.MANAGE_TOKENS)
def tokens(request: HttpRequest) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    new_secret = None
    typed: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed = {
            "name": request.POST.get("name", "").strip()[:100],
            "role": request.POST.get("role") or access.role,
            "days": request.POST.get("days", "").strip(),
        }
        try:
            days = int(typed["days"] or 90)
        except ValueError:
            errors = {"days": ["Lifetime must be a whole number of days, 1 to 366."]}
        else:
            try:
                _, new_secret = tenancy_services.issue_api_token(
                    user=access.user,
                    tenant=access.tenant,
                    role=typed["role"],
                    name=typed["name"],
                    days=days,
                )
                typed = {}
            except DomainError as exc:
                errors = _beside_fields(exc, {"name", "role", "days"})
    rows = access_api_tokens(access, perm=Perm.MANAGE_TOKENS)
    return render(
        request,
        "web/tokens.html",
        {
            "tokens": rows,
            "new_secret": new_secret,
            "roles": Role.choices,
            "typed": typed,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_POST
@tenant_view(Perm.MANAGE_TOKENS)
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    token = access_api_token_by_id(access, token_id, perm=Perm.MANAGE_TOKENS)
    tenancy_services.revoke_api_token(token_id=token.pk, tenant=access.tenant, actor=access.user)
    messages.success(request, "Token revoked.")
    return redirect("web:tokens", tenant=access.tenant.slug)


@tenant_view(Perm.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    action = request.GET.get("action", "").strip()
    events = audit_selectors.access_events(access, action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    template = "web/_audit_rows.html" if request.htmx else "web/audit.html"  # type: ignore[attr-defined]
    context = {
        "page": page,
        "rows": audit_descriptions.present(page, currency=access.tenant.currency),
        "action": action,
        "actions": sorted(audit_descriptions.registered()),
    }
    return render(request, template, context)


@tenant_view(Perm.VIEW_AUDIT)
def audit_event(request: HttpRequest, event_id: int) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    event = audit_selectors.access_event_by_id(access, event_id)
    (described,) = audit_descriptions.present([event], currency=access.tenant.currency)
    return render(request, "web/audit_event.html", {"event": event, "described": described})


@require_POST
@tenant_view(Perm.VIEW_AUDIT)
def audit_verify(request: HttpRequest) -> HttpResponse:
    """The auditor's "Verify chain" button: the tenant's chain checked now, in words."""
    access = request.access  # type: ignore[attr-defined]
    report = audit_selectors.access_chain_report(access)
    if report.intact:
        messages.success(request, report.words())
    else:
        messages.error(request, report.words())
    return redirect("web:audit", tenant=access.tenant.slug)


def _error_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """One error, two faces: the API's error body under /api/, the error page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = "CSRF check failed: reload the page and try again."
    return _error_page(request, 403, "csrf_failed", message)


def not_found(
    request: HttpRequest, exception: Exception | None = None, **kwargs: object
) -> HttpResponse:
    return _error_page(request, 404, "not_found", "Not found.")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "You may not open this page."
    return _error_page(request, 403, "forbidden", message)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "bad_request", "Bad request.")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(request, 500, "server_error", "Internal error.")


def tenant_url(slug: str) -> str:
    return reverse("web:dashboard", kwargs={"tenant": slug})
