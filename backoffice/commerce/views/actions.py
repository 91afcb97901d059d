"""The buttons on a document's page, one small handler each, and a receipt's refund.

`document_action` is the one URL they post to (`documents/<id>/<action>/`): it fetches the
document for the caller, runs the action's handler in a transaction and shows the outcome.
The handlers parse the form and call one service each; the services decide the rest (a
payment's direction, for one, is `services.pay_document`'s business).
"""

from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from backoffice.commerce import selectors, services
from backoffice.commerce.models import Document
from backoffice.commerce.views._common import caller, major, url
from backoffice.core.errors import DomainError
from backoffice.core.forms import date_or_none, flash_domain_error
from backoffice.core.numbers import parse_int
from backoffice.ledger.money import parse_major
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm

# A handler does its action on the document and says which document to show next.
Handler = Callable[[HttpRequest, Document], int]


def _amount(request: HttpRequest, currency: str) -> int:
    """The form's amount (major units) in minor units; 0 when empty."""
    return parse_major(request.POST.get("amount", ""), currency) or 0


def _day(request: HttpRequest) -> date | None:
    """The form's date, if it has a valid one (else the service's default day)."""
    return date_or_none(request.POST.get("date"))


def _quantities_from_post(request: HttpRequest) -> dict[int, str] | None:
    """`qty-<line no>` fields of a derive form (None without any: take what remains)."""
    found = {
        name.removeprefix("qty-"): request.POST.get(name, "").strip()
        for name in request.POST
        if name.startswith("qty-")
    }
    if not found:
        return None
    bad = [no for no in found if not no.isdigit()]
    if bad:
        raise DomainError("A quantity is not valid.", fields={f"qty-{bad[0]}": ["unknown line"]})
    return {parse_int(no, field=f"qty-{no}"): value or "0" for no, value in found.items()}


def _prices_from_post(request: HttpRequest, currency: str) -> dict[int, int]:
    """`price-<line no>` fields (major units) of a derive form, as minor units."""
    prices: dict[int, int] = {}
    for name in request.POST:
        value = request.POST.get(name, "")
        no = name.removeprefix("price-")
        if no == name or not value.strip():
            continue
        if not no.isdigit():
            raise DomainError("A price is not valid.", fields={name: ["unknown line"]})
        try:
            amount = parse_major(value, currency)
        except ValueError as exc:
            raise DomainError(
                "A price is not valid.", fields={f"unit_prices.{no}": [str(exc)]}
            ) from exc
        if amount is not None:
            prices[parse_int(no, field=name)] = amount
    return prices


def _issue(request: HttpRequest, d: Document) -> int:
    a = caller(request)
    done = services.issue_document(tenant=a.tenant, actor=a.user, document_id=d.pk)
    messages.success(request, f"Issued as {done.number}.")
    return d.pk


def _cancel(request: HttpRequest, d: Document) -> int:
    a = caller(request)
    services.cancel_document(tenant=a.tenant, actor=a.user, document_id=d.pk)
    messages.success(request, "Draft cancelled.")
    return d.pk


def _derive(request: HttpRequest, d: Document) -> int:
    a = caller(request)
    made = services.create_from(
        tenant=a.tenant,
        actor=a.user,
        source_id=d.pk,
        kind=request.POST.get("kind", ""),
        day=_day(request),
        reference=request.POST.get("reference", "").strip(),
        unit_prices=_prices_from_post(request, d.currency),
        quantities=_quantities_from_post(request),
    )
    messages.success(request, f"Draft {made.get_kind_display().lower()} created.")
    return made.pk


def _pay(request: HttpRequest, d: Document) -> int:
    a = caller(request)
    p = services.pay_document(
        tenant=a.tenant,
        actor=a.user,
        document_id=d.pk,
        amount=_amount(request, d.currency),
        day=_day(request) or date.today(),
        keep_overpayment="keep_overpayment" in request.POST,
    )
    messages.success(request, f"Payment {p.number} recorded.")
    return d.pk


def _credit(request: HttpRequest, d: Document) -> int:
    a = caller(request)
    kind, _, source_id = request.POST.get("source", "").partition(":")
    if kind not in ("payment", "credit_note", "debit_note") or not source_id.isdigit():
        raise DomainError("Choose a credit.", fields={"source": ["choose a credit"]})
    source = parse_int(source_id, field="source", minimum=1)
    c = services.apply_credit(
        tenant=a.tenant,
        actor=a.user,
        document_id=d.pk,
        amount=_amount(request, d.currency),
        payment_id=source if kind == "payment" else None,
        credit_note_id=source if kind != "payment" else None,
        day=_day(request),
    )
    messages.success(request, f"Credit of {major(c.amount, d.currency)} applied.")
    return d.pk


def _unapply(request: HttpRequest, d: Document) -> int:
    a = caller(request)
    credit_id = request.POST.get("credit", "")
    if not credit_id.isdigit():
        raise DomainError("Choose a credit.", fields={"credit": ["choose a credit"]})
    c = services.unapply_credit(
        tenant=a.tenant,
        actor=a.user,
        credit_id=parse_int(credit_id, field="credit", minimum=1),
        document_id=d.pk,
        day=_day(request),
    )
    messages.success(request, f"Credit of {major(c.amount, c.document.currency)} undone.")
    return d.pk


def _refund(request: HttpRequest, d: Document) -> int:
    a = caller(request)
    r = services.refund_credit(
        tenant=a.tenant,
        actor=a.user,
        credit_note_id=d.pk,
        amount=_amount(request, d.currency),
        day=_day(request),
        bank_account=request.POST.get("bank_account", "").strip(),
    )
    messages.success(request, f"Refund {r.number} recorded.")
    return d.pk


DOCUMENT_ACTIONS: dict[str, Handler] = {
    "issue": _issue,
    "cancel": _cancel,
    "derive": _derive,
    "pay": _pay,
    "credit": _credit,
    "unapply": _unapply,
    "refund": _refund,
}


@require_POST
@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def document_action(request: HttpRequest, document_id: int, action: str) -> HttpResponse:
    d = selectors.access_document_by_id(caller(request), document_id, perm=Perm.MANAGE_COMMERCE)
    handler = DOCUMENT_ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action.")
    target = d.pk
    try:
        with transaction.atomic():
            target = handler(request, d)
    except ValueError as exc:
        messages.error(request, f"Amount: {exc}")
    except DomainError as exc:
        flash_domain_error(request, exc)
    return redirect(url(request, "document", document_id=target))


@require_POST
@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def payment_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Pay (part of) a receipt's kept credit back to the customer."""
    a = caller(request)
    p = selectors.access_payment_by_id(a, payment_id, perm=Perm.MANAGE_COMMERCE)
    try:
        with transaction.atomic():
            r = services.refund_credit(
                tenant=a.tenant,
                actor=a.user,
                payment_id=p.pk,
                amount=_amount(request, p.currency),
                day=_day(request),
                bank_account=request.POST.get("bank_account", "").strip(),
            )
        messages.success(request, f"Refund {r.number} recorded.")
    except ValueError as exc:
        messages.error(request, f"Amount: {exc}")
    except DomainError as exc:
        flash_domain_error(request, exc)
    return redirect(url(request, "payment", payment_id=p.pk))
