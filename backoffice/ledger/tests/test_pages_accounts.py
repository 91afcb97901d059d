"""Pages that create and edit accounts: reachable from the tree, field errors, access, audit."""

import pytest
from django.urls import reverse

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import DomainError, NotFound
from backoffice.ledger.models import Account
from backoffice.ledger.services import post_journal_entry
from backoffice.ledger.tests.factories import entry
from backoffice.ledger.views import AccountForm, _add_domain_errors

pytestmark = pytest.mark.django_db


def _u(name, tenant="client-a", **kw):
    return reverse(f"ledger:{name}", kwargs={"tenant": tenant, **kw})


def _acc(tenant, code):
    return Account.objects.for_tenant(tenant).get(code=code)


def _snapshot(tenant):
    """Everything an account page could change: the chart and the audit log."""
    chart = sorted(
        Account.objects.for_tenant(tenant).values_list(
            "code", "name", "type", "parent_id", "currency_id", "is_active"
        )
    )
    return chart, AuditEvent.objects.for_tenant(tenant).count()


def test_create_account_from_the_tree(web_fin_a, books_a, finance_a):
    # given: the tree links to the form, with the parent's code and type filled in
    tree = web_fin_a.get(_u("index")).content.decode()
    assert f'href="{_u("account_new")}"' in tree
    assert f'href="{_u("account_new")}?parent=1100"' in tree
    form = web_fin_a.get(_u("account_new"), {"parent": "1100"}).content.decode()
    assert '<option value="1100" selected>' in form
    assert '<option value="asset" selected>' in form
    # when
    res = web_fin_a.post(
        _u("account_new"),
        {"code": "1125", "name": " Savings ", "type": "asset", "parent": "1100", "currency": ""},
    )
    # then
    assert res.status_code == 302 and res["Location"] == _u("index")
    acc = _acc(books_a, "1125")
    assert (acc.name, acc.type, acc.parent_id, acc.currency_id, acc.is_active) == (
        "Savings",
        "asset",
        _acc(books_a, "1100").pk,
        None,
        True,
    )
    event = AuditEvent.objects.for_tenant(books_a).get(action="ledger.account_created")
    assert event.actor_id == finance_a.pk and event.after["code"] == "1125"
    assert b"1125" in web_fin_a.get(_u("index")).content


def test_edit_account_renames_reparents_restricts_and_deactivates(web_fin_a, books_a, finance_a):
    # given
    savings = _acc(books_a, "1120")
    edit_url = _u("account_edit", account_id=savings.pk)
    page = web_fin_a.get(_u("account", account_id=savings.pk)).content.decode()
    assert f'href="{edit_url}"' in page
    form = web_fin_a.get(edit_url).content.decode()
    assert f'value="{savings.name}"' in form
    # the parent list holds accounts of its type only, and not the account itself
    assert '<option value="1000"' in form and '<option value="4100"' not in form
    assert '<option value="1120"' not in form
    # when
    res = web_fin_a.post(
        edit_url, {"name": "Main bank", "parent": "1000", "currency": "EUR", "is_active": ""}
    )
    # then
    assert res.status_code == 302 and res["Location"] == _u("account", account_id=savings.pk)
    savings.refresh_from_db()
    assert (savings.name, savings.parent_id, savings.currency_id, savings.is_active) == (
        "Main bank",
        _acc(books_a, "1000").pk,
        "EUR",
        False,
    )
    event = AuditEvent.objects.for_tenant(books_a).get(action="ledger.account_updated")
    assert event.actor_id == finance_a.pk
    assert event.before["is_active"] is True and event.after["is_active"] is False
    assert event.after["currency"] == "EUR"
    # and back: active, any currency, top level
    web_fin_a.post(edit_url, {"name": "Main bank", "parent": "", "currency": "", "is_active": "on"})
    savings.refresh_from_db()
    assert (savings.parent_id, savings.currency_id, savings.is_active) == (None, None, True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "1120"}, "code", "already used"),
        ({"parent": "4100"}, "parent", "parent is income, account is asset"),
        ({"parent": "9999"}, "parent", "unknown account code"),
        ({"currency": "ZZZ"}, "currency", "not an ISO 4217 code"),
        ({"code": "1" * 21}, "code", "at most 20 characters"),
        ({"name": "  "}, "name", "required"),
        ({"type": "bogus"}, "type", "Select a valid choice."),
    ],
)
def test_create_account_bad_input_shows_field_errors(web_fin_a, books_a, data, field, message):
    # given
    before = _snapshot(books_a)
    body = {"code": "1125", "name": "Savings", "type": "asset", "parent": "1100", "currency": ""}
    # when
    res = web_fin_a.post(_u("account_new"), {**body, **data})
    # then
    assert res.status_code == 400
    assert message in " ".join(res.context["form"].errors[field])
    assert f'id="a-{field}-errors"' in res.content.decode()
    assert _snapshot(books_a) == before


def test_edit_account_bad_input_shows_field_errors(web_fin_a, books_a, finance_a):
    # given: 1120 has a EUR line, 1100 is its parent
    post_journal_entry(
        tenant=books_a, actor=finance_a, entry=entry("2026-03-02", ("1120", 500), ("4100", -500))
    )
    bank, cash = _acc(books_a, "1120"), _acc(books_a, "1100")
    ok = {"name": "Bank", "parent": "1100", "currency": "", "is_active": "on"}
    before = _snapshot(books_a)
    # when
    other_currency = web_fin_a.post(
        _u("account_edit", account_id=bank.pk), {**ok, "currency": "USD"}
    )
    cycle = web_fin_a.post(_u("account_edit", account_id=cash.pk), {**ok, "parent": "1120"})
    blank = web_fin_a.post(_u("account_edit", account_id=bank.pk), {**ok, "name": ""})
    # then
    assert [r.status_code for r in (other_currency, cycle, blank)] == [400] * 3
    assert other_currency.context["form"].errors["currency"] == ["lines in other currencies exist"]
    assert cycle.context["form"].errors["parent"] == ["cycle"]
    assert "required" in blank.context["form"].errors["name"][0]
    assert _snapshot(books_a) == before


def test_account_pages_need_the_accounts_permission(web_a, books_a):
    # given: a client admin reads the ledger but may not change the chart
    bank = _acc(books_a, "1120")
    before = _snapshot(books_a)
    # when
    responses = [
        web_a.get(_u("account_new")),
        web_a.post(_u("account_new"), {"code": "1125", "name": "X", "type": "asset"}),
        web_a.get(_u("account_edit", account_id=bank.pk)),
        web_a.post(_u("account_edit", account_id=bank.pk), {"name": "Hacked", "is_active": ""}),
    ]
    # then
    assert [r.status_code for r in responses] == [403] * 4
    assert _snapshot(books_a) == before
    tree = web_a.get(_u("index"))
    assert tree.status_code == 200 and _u("account_new").encode() not in tree.content


def test_account_pages_of_another_tenant_are_404(web_fin_a, books_a, books_b):
    # given: finance of client A; client B's chart
    bank_b = _acc(books_b, "1120")
    before_b = _snapshot(books_b)
    # when
    responses = [
        web_fin_a.get(_u("account_edit", account_id=bank_b.pk)),
        web_fin_a.post(
            _u("account_edit", account_id=bank_b.pk),
            {"name": "Hacked", "parent": "", "currency": "", "is_active": ""},
        ),
        web_fin_a.get(_u("account_new", tenant="client-b")),
        web_fin_a.post(
            _u("account_new", tenant="client-b"), {"code": "1125", "name": "X", "type": "asset"}
        ),
        web_fin_a.get(_u("account_edit", tenant="client-b", account_id=bank_b.pk)),
    ]
    # then
    assert [r.status_code for r in responses] == [404] * 5
    assert _snapshot(books_b) == before_b
    assert not Account.objects.for_tenant(books_a).filter(name="Hacked").exists()


def test_domain_errors_land_beside_their_field_or_above_the_form():
    # given
    form = AccountForm({"code": "1", "name": "n", "type": "asset"})
    assert form.is_valid()
    # when
    _add_domain_errors(form, DomainError("Bad.", fields={"code": ["taken"], "lines": ["odd"]}))
    _add_domain_errors(form, DomainError("No fields at all."))
    # then
    assert form.errors["code"] == ["taken"]
    assert form.non_field_errors() == ["lines: odd", "No fields at all."]
    with pytest.raises(NotFound):
        _add_domain_errors(form, NotFound("No such account."))
