"""Invoice review: the draft's usage statement (metric, quantity, tiers applied, rate
version, credits), adjust / approve / issue / credit, the drill-down from a line to the
work items and events behind it, and the statement as CSV or XLSX."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.billing import page_queries as q
from backoffice.billing import selectors, services
from backoffice.billing.models import BillingInvoice, UsageLine
from backoffice.billing.views._common import caller, can_manage, page, read_tenants, url
from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.numbers import NumberError
from backoffice.ledger import money
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


def _units(text: object) -> str:
    """'1000.000' -> '1000' (the detail keeps three places)."""
    if text in (None, ""):
        return ""
    return f"{Decimal(str(text)).normalize():f}"


def _tiers_text(line: UsageLine, currency: str) -> str:
    """The tiers a line's units went through, in words ("0-1000: 1000 at 0.50; 1000+: 20
    at 0.40"), from what the run kept in the line's detail."""
    parts = []
    for t in (line.detail or {}).get("tiers", []):
        lo, hi, units = _units(t["from"]), _units(t.get("to")), _units(t["units"])
        span = f"{lo}-{hi}" if hi else f"{lo}+"
        rate = money.format_minor(int(t["unit_rate"]), currency)
        fee = f" + {money.format_minor(int(t['flat_fee']), currency)}" if t.get("flat_fee") else ""
        parts.append(f"{span}: {units} at {rate}{fee}")
    return "; ".join(parts)


def _review_context(access: TenantAccess, inv: BillingInvoice, **extra: Any) -> dict[str, Any]:
    lines = list(selectors.usage_lines(inv).select_related("service_level__engagement"))
    return {
        "invoice": inv,
        "lines": [(ln, _tiers_text(ln, inv.currency)) for ln in lines],
        "can_manage": can_manage(access),
        "formats": EXPORT_FORMATS,
        "values": {},
        "errors": {},
        **extra,
    }


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def invoice(request: HttpRequest, invoice_id: int) -> HttpResponse:
    access = caller(request)
    inv = selectors.access_invoice_by_id(access, invoice_id)
    return render(request, "billing/invoice.html", _review_context(access, inv))


def _amount(text: str, currency: str) -> int:
    value = money.parse_major(text, currency)
    if value is None:
        raise NumberError("required")
    return value


def _act(request: HttpRequest, access: TenantAccess, inv: BillingInvoice, action: str) -> str:
    """Do `action` through its service; the message to show."""
    tenant, actor, pk = access.tenant, access.user, inv.pk
    if action == "approve":
        services.approve_invoice(tenant=tenant, actor=actor, invoice_id=pk)
        return "Invoice approved: it can now be issued."
    if action == "issue":
        services.issue_invoice(tenant=tenant, actor=actor, invoice_id=pk)
        return "Invoice issued and posted."
    description = request.POST.get("description", "")
    try:
        amount = _amount(request.POST.get("amount", ""), inv.currency)
    except NumberError as exc:
        raise DomainError(
            "The amount is not valid.",
            fields={"amount": [f"an amount in {inv.currency}: {exc}"]},
        ) from exc
    if action == "adjust":
        services.adjust_invoice(
            tenant=tenant,
            actor=actor,
            invoice_id=pk,
            amount=amount,
            description=description,
        )
        return "Adjustment added."
    if action == "credit":
        services.credit_invoice(
            tenant=tenant, actor=actor, invoice_id=pk, amount=amount, reason=description
        )
        return "Credit note issued."
    raise DomainError("Unknown action.", fields={"form": ["unknown action"]})


@tenant_view(Perm.MANAGE_BILLING)
@tenant_transaction(tenants=read_tenants)
def invoice_action(request: HttpRequest, invoice_id: int) -> HttpResponse:
    access = caller(request)
    if not can_manage(access):
        raise PermissionDenied("Your role may not change invoices.")
    inv = selectors.access_invoice_by_id(access, invoice_id, perm=Perm.MANAGE_BILLING)
    if request.method != "POST":
        return redirect(url(access, "invoice", invoice_id=inv.pk))
    action = request.POST.get("action", "")
    try:
        done = _act(request, access, inv, action)
    except DomainError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        if "reason" in errors:
            errors["description"] = errors.pop("reason")
        errors.setdefault("form", []).insert(0, exc.message)
        values = {k: request.POST.get(k, "") for k in ("amount", "description")}
        context = _review_context(
            access, selectors.access_invoice_by_id(access, invoice_id), values=values,
            errors=errors, failed=action,
        )  # fmt: skip
        return render(request, "billing/invoice.html", context, status=exc.status)
    messages.success(request, done)
    return redirect(url(access, "invoice", invoice_id=inv.pk))


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def invoice_line(request: HttpRequest, invoice_id: int, line_id: int) -> HttpResponse:
    """The work items a line billed, 25 a page, each with its events from the work log."""
    access = caller(request)
    inv = selectors.access_invoice_by_id(access, invoice_id)
    line = selectors.access_line_by_id(access, line_id)
    if line.invoice_id != inv.pk:
        raise Http404("No such line on this invoice.")
    items = page(request, selectors.line_items(line).select_related("engagement"), size=25)
    billed = list(items)
    events = q.events_of(billed)
    refs = selectors.item_refs(billed)
    return render(
        request,
        "billing/invoice_line.html",
        {
            "invoice": inv,
            "line": line,
            "tiers": _tiers_text(line, inv.currency),
            "page": items,
            "rows": [(b, refs.get(b.item_id, ""), events.get(b.item_id, [])) for b in billed],
        },
    )


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def statement_export(request: HttpRequest, invoice_id: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such format.")
    inv = selectors.access_invoice_by_id(caller(request), invoice_id)
    rows = selectors.statement_rows(inv)
    name = f"statement-{inv.contract.code}-{inv.period:%Y-%m}"
    return tabular_response(name, selectors.STATEMENT_HEADER, rows, fmt)
