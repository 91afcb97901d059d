"""The chart of accounts: templates, new accounts, and the changes an account allows
(rename, re-parent, (de)activate, restrict currency; code and type never change)."""

from __future__ import annotations

from django.db import transaction

from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger import events
from backoffice.ledger.charts import TEMPLATES
from backoffice.ledger.models import Account, AccountType, JournalLine
from backoffice.ledger.services.validation import check_currency
from backoffice.tenancy.models import Organization, User


def apply_chart_template(
    *, tenant: Organization, template: str = "general", actor: User | None = None
) -> int:
    """Create the template's accounts the tenant lacks; returns how many were created.

    Safe to call again (existing codes are left alone), so the tenant-creation hook and
    the demo can both call it.
    """
    if template not in TEMPLATES:
        raise DomainError(
            f"Unknown chart template {template!r}.",
            fields={"template": [f"choose one of {', '.join(TEMPLATES)}"]},
        )
    _, rows = TEMPLATES[template]
    with transaction.atomic():
        existing = dict(Account.objects.for_tenant(tenant).values_list("code", "id"))
        created = 0
        for code, name, type_, parent_code in rows:
            if code in existing:
                continue
            account = Account.objects.create(
                tenant=tenant,
                code=code,
                name=name,
                type=type_,
                parent_id=existing.get(parent_code) if parent_code else None,
            )
            existing[code] = account.pk
            created += 1
        event = events.chart_applied_event(template=template, created=created)
        events.record(tenant=tenant, actor=actor, event=event)
    return created


def _check_parent(tenant: Organization, parent_code: str | None, type_: str) -> Account | None:
    if not parent_code:
        return None
    parent = Account.objects.for_tenant(tenant).filter(code=parent_code).first()
    if parent is None:
        raise DomainError("No such parent account.", fields={"parent": ["unknown account code"]})
    if parent.type != type_:
        raise DomainError(
            "A sub-account has its parent's type.",
            fields={"parent": [f"parent is {parent.type}, account is {type_}"]},
        )
    return parent


def create_account(
    *,
    tenant: Organization,
    actor: User | None,
    code: str,
    name: str,
    type: str,
    parent_code: str | None = None,
    currency: str | None = None,
) -> Account:
    code = code.strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["required"]
    if not name.strip():
        errors["name"] = ["required"]
    if type not in AccountType.values:
        errors["type"] = [f"one of {', '.join(AccountType.values)}"]
    if errors:
        raise DomainError("The account is not valid.", fields=errors)
    if Account.objects.for_tenant(tenant).filter(code=code).exists():
        raise Conflict("An account with this code exists.", fields={"code": ["already used"]})
    parent = _check_parent(tenant, parent_code, type)
    cur = check_currency(currency)
    with transaction.atomic():
        account = Account.objects.create(
            tenant=tenant, code=code, name=name.strip(), type=type, parent=parent, currency_id=cur
        )
        events.record(tenant=tenant, actor=actor, event=events.account_created_event(account))
    return account


def update_account(
    *,
    tenant: Organization,
    actor: User | None,
    account_id: int,
    name: str | None = None,
    parent_code: str | None = None,
    is_active: bool | None = None,
    currency: str | None = None,
) -> Account:
    """Rename, re-parent, (de)activate, restrict currency. Code and type never change.

    `None` leaves a field as it is; `parent_code=""` moves the account to the top level
    and `currency=""` lifts the restriction.
    """
    with transaction.atomic():
        acc = Account.objects.for_tenant(tenant).select_for_update().filter(pk=account_id).first()
        if acc is None:
            raise NotFound("No such account.")
        before = events.account_state(acc)
        if name is not None:
            if not name.strip():
                raise DomainError("Name is required.", fields={"name": ["required"]})
            acc.name = name.strip()
        if parent_code is not None:
            acc.parent = _new_parent(tenant, acc, parent_code)
        if is_active is not None:
            acc.is_active = is_active
        if currency is not None:
            acc.currency_id = _new_currency(tenant, acc, currency)
        acc.save(update_fields=["name", "parent", "is_active", "currency"])
        events.record(
            tenant=tenant, actor=actor, event=events.account_updated_event(acc, before=before)
        )
    return acc


def _new_parent(tenant: Organization, acc: Account, parent_code: str) -> Account | None:
    """The parent `parent_code` names, of the account's type and not below the account."""
    parent = _check_parent(tenant, parent_code, acc.type)
    if parent is not None and _is_descendant(tenant, parent.pk, acc.pk):
        raise DomainError("An account cannot sit under itself.", fields={"parent": ["cycle"]})
    return parent


def _new_currency(tenant: Organization, acc: Account, currency: str) -> str | None:
    """A restriction only an account without lines in other currencies may take."""
    cur = check_currency(currency)
    if cur is not None:
        other = (
            JournalLine.objects.for_tenant(tenant)
            .filter(account_id=acc.pk)
            .exclude(currency=cur)
            .exists()
        )
        if other:
            raise DomainError(
                "The account has lines in another currency.",
                fields={"currency": ["lines in other currencies exist"]},
            )
    return cur


def _is_descendant(tenant: Organization, candidate_id: int, ancestor_id: int) -> bool:
    parents = dict(Account.objects.for_tenant(tenant).values_list("id", "parent_id"))
    node: int | None = candidate_id
    while node is not None:
        if node == ancestor_id:
            return True
        node = parents.get(node)
    return False
