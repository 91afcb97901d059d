"""`selectors.access_<thing>_by_id`: the one place pages and API fetch a ledger object and
check the caller's permission. The permission is checked first (403 whatever the id); a
missing id and another tenant's id are the same 404, word for word."""

from __future__ import annotations

import pytest

from backoffice.core.errors import Forbidden, NotFound
from backoffice.ledger import selectors
from backoffice.ledger.models import Account
from backoffice.ledger.services import create_fiscal_year
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import TenantAccess

pytestmark = pytest.mark.django_db

MISSING = 10**9


@pytest.fixture
def finance(finance_a, books_a) -> TenantAccess:
    return TenantAccess(user=finance_a, tenant=books_a, role=Role.FINANCE)


@pytest.fixture
def things_b(books_b, finance_b, entry_b):
    """One of each kind of object in client B's books, keyed by its selector."""
    fy = create_fiscal_year(tenant=books_b, actor=finance_b, year=2026)
    return {
        selectors.access_account_by_id: Account.objects.for_tenant(books_b).get(code="1120").pk,
        selectors.access_entry_by_id: entry_b.pk,
        selectors.access_period_by_id: fy.periods.order_by("start")[0].pk,
        selectors.access_fiscal_year_by_id: fy.pk,
    }


def test_missing_and_foreign_ids_are_the_same_not_found(finance, things_b):
    for access_by_id, foreign_id in things_b.items():
        with pytest.raises(NotFound) as missing:
            access_by_id(finance, MISSING)
        with pytest.raises(NotFound) as foreign:
            access_by_id(finance, foreign_id)
        assert (missing.value.message, missing.value.fields) == (
            foreign.value.message,
            foreign.value.fields,
        ), access_by_id.__name__


def test_permission_is_checked_before_the_lookup(user_a, books_a, things_b):
    # client_admin may view the ledger but not post to it, lock periods or manage accounts
    viewer = TenantAccess(user=user_a, tenant=books_a, role=Role.CLIENT_ADMIN)
    for access_by_id in things_b:
        for perm in (Perm.POST_LEDGER, Perm.LOCK_PERIODS, Perm.MANAGE_ACCOUNTS):
            with pytest.raises(Forbidden):
                access_by_id(viewer, MISSING, perm=perm)


def test_own_objects_come_back(finance, books_a, finance_a):
    # given
    fy = create_fiscal_year(tenant=books_a, actor=finance_a, year=2026)
    period = fy.periods.order_by("start")[0]
    account = Account.objects.for_tenant(books_a).get(code="1120")
    # then
    assert selectors.access_account_by_id(finance, account.pk, perm=Perm.MANAGE_ACCOUNTS) == account
    assert selectors.access_period_by_id(finance, period.pk, perm=Perm.LOCK_PERIODS) == period
    assert selectors.access_fiscal_year_by_id(finance, fy.pk) == fy
