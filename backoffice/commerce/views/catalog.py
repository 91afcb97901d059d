"""Overview, parties, products, stock and settings pages."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.commerce import imports, posting, reports, selectors, services
from backoffice.commerce.models import ProductKind
from backoffice.commerce.views._common import caller, major, page, submitted, url
from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none, flash_domain_error
from backoffice.ledger.money import parse_major
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm

# The text fields of the new-party form, passed to the service as they are.
PARTY_FORM_TEXT = (
    "code",
    "name",
    "email",
    "address_line1",
    "city",
    "postal_code",
    "country",
    "tax_id",
)


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def index(request: HttpRequest) -> HttpResponse:
    tenant = caller(request).tenant
    return render(
        request,
        "commerce/index.html",
        {
            "receivable": reports.open_items_total(tenant, side="receivable"),
            "payable": reports.open_items_total(tenant, side="payable"),
            "low": selectors.low_stock(tenant)[:10],
            "recent": selectors.documents(tenant)[:10],
            "currency": tenant.currency,
        },
    )


def _import_parties(request: HttpRequest) -> None:
    a = caller(request)
    upload = request.FILES.get("file")
    text = upload.read().decode("utf-8-sig", errors="replace") if upload else ""
    try:
        report = imports.import_parties(tenant=a.tenant, actor=a.user, text=text)
    except DomainError as exc:
        flash_domain_error(request, exc)
        return
    if report.ok:
        messages.success(request, f"{report.created} parties imported.")
        return
    bad = [r for r in report.rows if not r.ok]
    messages.error(request, f"Nothing imported: {len(bad)} row(s) need fixing.")
    for r in bad[:20]:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in r.errors.items())
        messages.error(request, f"Row {r.row} ({r.code or 'no code'}): {detail}")


def _create_party(request: HttpRequest) -> None:
    a, p = caller(request), request.POST
    services.create_party(
        tenant=a.tenant,
        actor=a.user,
        is_customer="is_customer" in p,
        is_supplier="is_supplier" in p,
        payment_terms_days=p.get("payment_terms_days") or 30,
        currency=p.get("currency") or a.tenant.currency,
        **{k: p.get(k, "") for k in PARTY_FORM_TEXT},
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def parties(request: HttpRequest) -> HttpResponse:
    tenant = caller(request).tenant
    if request.method == "POST" and "file" in request.FILES:
        caller(request).require(Perm.MANAGE_COMMERCE)
        _import_parties(request)
        return redirect(url(request, "parties"))
    if request.method == "POST":
        done = submitted(request, _create_party, done="Party created.", then="parties")
        if done is not None:
            return done
    q, role = request.GET.get("q", ""), request.GET.get("role", "")
    qs = selectors.parties(tenant, search=q, role=role)
    return render(
        request, "commerce/parties.html", {"page": page(request, qs), "q": q, "role": role}
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def party(request: HttpRequest, party_id: int) -> HttpResponse:
    tenant = caller(request).tenant
    p = selectors.access_party_by_id(caller(request), party_id)
    return render(
        request,
        "commerce/party.html",
        {
            "party": p,
            "documents": selectors.documents(tenant, party_id=p.pk)[:50],
            "payments": selectors.payments(tenant, party_id=p.pk)[:50],
            "refunds": selectors.refunds(tenant, party_id=p.pk)[:50],
            "credit": selectors.customer_credit(tenant, p.pk) if p.is_customer else 0,
            "supplier_credit": selectors.supplier_credit(tenant, p.pk) if p.is_supplier else 0,
        },
    )


def _create_product(request: HttpRequest) -> None:
    a, p = caller(request), request.POST
    currency = a.tenant.currency
    services.create_product(
        tenant=a.tenant,
        actor=a.user,
        sku=p.get("sku", ""),
        name=p.get("name", ""),
        kind=p.get("kind", ProductKind.STOCK),
        unit=p.get("unit") or "pcs",
        sale_price=parse_major(p.get("sale_price", ""), currency) or 0,
        cost=parse_major(p.get("cost", ""), currency) or 0,
        prices_include_tax="prices_include_tax" in p,
        sales_taxes=p.getlist("sales_taxes"),
        purchase_taxes=p.getlist("purchase_taxes"),
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def products(request: HttpRequest) -> HttpResponse:
    tenant = caller(request).tenant
    if request.method == "POST":
        done = submitted(
            request, _create_product, done="Product created.", then="products", bad_number="Price"
        )
        if done is not None:
            return done
    q, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    qs = selectors.products(tenant, search=q, kind=kind).prefetch_related("sales_taxes")
    stock_rows = {r.product_id: r for r in selectors.stock_on_hand(tenant)}
    return render(
        request,
        "commerce/products.html",
        {
            "page": page(request, qs),
            "q": q,
            "kind": kind,
            "stock": stock_rows,
            "taxes": selectors.tax_rates(tenant),
            "currency": tenant.currency,
        },
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def stock(request: HttpRequest) -> HttpResponse:
    tenant = caller(request).tenant
    as_of = date_or_none(request.GET.get("as_of"))
    rows = selectors.stock_on_hand(tenant, by_location=True, as_of=as_of)
    if request.GET.get("format") in EXPORT_FORMATS:
        return tabular_response(
            "stock",
            ["sku", "name", "location", "quantity", "unit", "value"],
            [
                [r.sku, r.name, r.location, r.quantity, r.unit, major(r.value, tenant.currency)]
                for r in rows
            ],
            request.GET["format"],
        )
    return render(
        request,
        "commerce/stock.html",
        {
            "rows": rows,
            "as_of": as_of,
            "currency": tenant.currency,
            "moves": selectors.stock_moves(tenant).order_by("-date", "-id")[:50],
        },
    )


def _save_settings(request: HttpRequest) -> None:
    a = caller(request)
    services.update_settings(
        tenant=a.tenant,
        actor=a.user,
        valuation=request.POST.get("valuation"),
        tax_rounding=request.POST.get("tax_rounding"),
        allow_negative_stock="allow_negative_stock" in request.POST,
    )
    for key in posting.DEFAULT_ACCOUNTS:
        code = request.POST.get(f"rule-{key}", "").strip()
        if code and code != posting.rules(a.tenant)[key]:
            services.set_posting_account(tenant=a.tenant, actor=a.user, key=key, account_code=code)


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def settings_page(request: HttpRequest) -> HttpResponse:
    tenant = caller(request).tenant
    if request.method == "POST":
        done = submitted(request, _save_settings, done="Settings saved.", then="settings")
        if done is not None:
            return done
    rules = posting.rules(tenant)
    return render(
        request,
        "commerce/settings.html",
        {
            "s": services.get_settings(tenant),
            "rules": [(k, rules[k], d) for k, (_, d) in posting.DEFAULT_ACCOUNTS.items()],
        },
    )
