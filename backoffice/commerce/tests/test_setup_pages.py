"""Set-up pages: tax rates, posting accounts, document series.

Each form: who may open it, a change audited, bad input explained beside its field with what
was typed kept and nothing written, another tenant's ids a 404.
"""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.commerce import posting, services
from backoffice.commerce.models import DocumentCounter, DocumentSeries, PostingAccount, TaxRate
from backoffice.commerce.services.setup import set_next_number, update_tax_rate
from backoffice.commerce.tests.factories import customer, doc
from backoffice.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _u(path: str, tenant: str = "client-a") -> str:
    return f"/t/{tenant}/commerce/setup/{path}"


def _actions(tenant) -> list[str]:
    return list(
        AuditEvent.objects.for_tenant(tenant)
        .filter(action__startswith="commerce.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def _plain_words(page: str) -> None:
    assert "minor units" not in page and "lines[" not in page and "Traceback" not in page


# --- who may open them -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["taxes/", "posting/", "series/"])
def test_finance_opens_the_setup_pages_and_a_client_admin_may_not(fin_web_a, web_a, books, path):
    # when / then
    assert fin_web_a.get(_u(path)).status_code == 200
    assert web_a.get(_u(path)).status_code == 403


def test_the_commerce_navigation_links_the_setup_pages_for_those_who_may_use_them(
    fin_web_a, web_a, books
):
    # when
    mine = fin_web_a.get("/t/client-a/commerce/").content.decode()
    theirs = web_a.get("/t/client-a/commerce/").content.decode()
    # then
    assert all(_u(p) in mine for p in ("taxes/", "posting/", "series/"))
    assert _u("taxes/") not in theirs


def test_another_tenants_setup_pages_and_tax_rates_are_not_found(fin_web_a, books, books_b):
    # given
    foreign = services.create_tax_rate(tenant=books_b, actor=None, code="B", name="B", rate="5")
    # when / then
    assert fin_web_a.get(_u("taxes/", tenant="client-b")).status_code == 404
    assert fin_web_a.get(_u(f"taxes/{foreign.pk}/")).status_code == 404
    assert fin_web_a.post(_u(f"taxes/{foreign.pk}/"), {"rate": "1"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.rate == 5


# --- tax rates -------------------------------------------------------------------------------


def test_a_tax_rate_is_created_from_the_page_with_its_account(fin_web_a, books):
    # when
    r = fin_web_a.post(
        _u("taxes/"),
        {"code": "VAT19", "name": "VAT 19%", "rate": "19", "sales_account": "2200"},
    )
    # then
    assert r.status_code == 302
    tax = TaxRate.objects.for_tenant(books).get()
    assert (tax.code, tax.rate, tax.sales_account, tax.purchase_account) == (
        "VAT19",
        19,
        "2200",
        "",
    )
    assert _actions(books) == ["commerce.tax_rate_created"]
    assert "VAT 19%" in fin_web_a.get(_u("taxes/")).content.decode()


def test_a_bad_tax_rate_is_explained_beside_its_fields_and_nothing_is_written(fin_web_a, books):
    # when: a rate that is not a number and an account the chart does not have
    r = fin_web_a.post(
        _u("taxes/"),
        {"code": "ODD", "name": "Odd tax", "rate": "nineteen", "sales_account": "9999"},
    )
    # then
    page = r.content.decode()
    assert r.status_code == 400
    assert 'id="t-rate-errors"' in page and "not a number" in page
    assert 'id="t-sales-errors"' in page and "9999" in page
    assert 'value="ODD"' in page and 'value="Odd tax"' in page and 'value="nineteen"' in page
    _plain_words(page)
    assert not TaxRate.objects.for_tenant(books).exists()
    assert _actions(books) == []


def test_a_tax_code_used_twice_is_refused_beside_the_code(fin_web_a, books):
    # given
    services.create_tax_rate(tenant=books, actor=None, code="STD", name="Std", rate="19")
    # when
    r = fin_web_a.post(_u("taxes/"), {"code": "STD", "name": "Again", "rate": "7"})
    # then
    assert r.status_code == 400
    assert 'id="t-code-errors"' in r.content.decode() and "already used" in r.content.decode()
    assert TaxRate.objects.for_tenant(books).count() == 1


def test_a_tax_rate_is_edited_and_the_change_audited_with_before_and_after(fin_web_a, books):
    # given
    tax = services.create_tax_rate(tenant=books, actor=None, code="STD", name="Std", rate="19")
    # when
    r = fin_web_a.post(
        _u(f"taxes/{tax.pk}/"),
        {"name": "Standard", "rate": "20", "sales_account": "2200", "is_active": "on"},
    )
    # then
    assert r.status_code == 302
    tax.refresh_from_db()
    assert (tax.name, tax.rate, tax.sales_account, tax.is_active) == ("Standard", 20, "2200", True)
    event = AuditEvent.objects.for_tenant(books).filter(action="commerce.tax_rate_updated").get()
    assert event.before["rate"] == "19" and event.after["rate"] == "20"


def test_an_edited_tax_rate_that_is_not_valid_keeps_what_was_typed(fin_web_a, books):
    # given
    tax = services.create_tax_rate(tenant=books, actor=None, code="STD", name="Std", rate="19")
    # when
    r = fin_web_a.post(_u(f"taxes/{tax.pk}/"), {"name": "Standard", "rate": "1000"})
    # then
    page = r.content.decode()
    assert r.status_code == 400 and 'id="t-rate-errors"' in page
    assert 'value="1000"' in page and 'value="Standard"' in page
    tax.refresh_from_db()
    assert (tax.name, tax.rate) == ("Std", 19)
    assert _actions(books) == ["commerce.tax_rate_created"]


def test_a_new_rate_applies_to_drafts_saved_after_it_and_never_to_issued_documents(books):
    # given: an invoice of 100.00 issued at 19 %
    services.create_tax_rate(tenant=books, actor=None, code="STD", name="Std", rate="19")
    c = customer(books, currency="EUR")
    issued = doc(books, "invoice", c, "2026-03-02", (None, 1, 10000, ["STD"]))
    services.issue_document(tenant=books, actor=None, document_id=issued.pk)
    # when: the rate becomes 20 % and a new draft is made
    tax = TaxRate.objects.for_tenant(books).get()
    update_tax_rate(tenant=books, actor=None, tax_id=tax.pk, name="Std", rate="20")
    draft = doc(books, "invoice", c, "2026-03-03", (None, 1, 10000, ["STD"]))
    # then
    issued.refresh_from_db()
    assert (issued.tax, issued.gross) == (1900, 11900)
    assert (draft.tax, draft.gross) == (2000, 12000)


def test_a_tax_rate_taken_out_of_use_is_not_offered_on_new_lines(books):
    # given
    tax = services.create_tax_rate(tenant=books, actor=None, code="OLD", name="Old", rate="16")
    c = customer(books, currency="EUR")
    # when
    update_tax_rate(tenant=books, actor=None, tax_id=tax.pk, name="Old", rate="16", is_active=False)
    # then
    with pytest.raises(DomainError) as exc:
        doc(books, "invoice", c, "2026-03-03", (None, 1, 10000, ["OLD"]))
    assert "no active tax rate 'OLD'" in str(exc.value.fields)


# --- posting accounts ------------------------------------------------------------------------


def test_posting_accounts_are_chosen_from_the_chart_and_each_change_is_audited(fin_web_a, books):
    # when: the service revenue goes to 4900 and the rest stays
    r = fin_web_a.post(
        _u("posting/"),
        {f"rule-{k}": v for k, v in posting.rules(books).items()}
        | {"rule-invoice.service_revenue": "4900"},
    )
    # then
    assert r.status_code == 302
    assert posting.rules(books)["invoice.service_revenue"] == "4900"
    assert _actions(books) == ["commerce.posting_rule_set"]


def test_an_account_not_in_the_chart_is_refused_and_no_rule_changes(fin_web_a, books):
    # when: one good change and one account the chart does not have
    r = fin_web_a.post(
        _u("posting/"),
        {"rule-invoice.service_revenue": "4900", "rule-invoice.revenue": "4999"},
    )
    # then: the bad one is named beside its rule, the good one is not saved either
    page = r.content.decode()
    assert r.status_code == 400
    assert 'id="rule-invoice.revenue-errors"' in page and "4999" in page
    assert not PostingAccount.objects.for_tenant(books).exists()
    assert _actions(books) == []


def test_a_rule_pointing_at_an_account_missing_from_the_chart_is_flagged(fin_web_a, provider):
    # given: the provider's chart lacks the inventory account the default rule names
    from backoffice.ledger.services import apply_chart_template
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.tenancy.tests.factories import make_member

    apply_chart_template(tenant=provider, template="services")
    make_member(provider, User.objects.get(username="fiona"), Role.FINANCE)
    # when
    page = fin_web_a.get(_u("posting/", tenant=provider.slug)).content.decode()
    # then
    assert "1300 is not an active account" in page


# --- document series -------------------------------------------------------------------------


def test_a_series_continues_at_the_number_set_and_the_next_invoice_takes_it(fin_web_a, books):
    # when: the invoices of 2026 continue at 101 (1 to 100 were issued elsewhere)
    r = fin_web_a.post(_u("series/"), {"series": "INV", "year": "2026", "next_number": "101"})
    # then
    assert r.status_code == 302
    c = customer(books, currency="EUR")
    d = doc(books, "invoice", c, "2026-04-01", (None, 1, 500))
    assert services.issue_document(tenant=books, actor=None, document_id=d.pk).number == (
        "INV-2026-00101"
    )
    event = AuditEvent.objects.for_tenant(books).filter(action="commerce.series_numbered").get()
    assert (event.before, event.after) == (
        {"last": 0},
        {"series": "INV", "year": 2026, "last": 100},
    )
    page = fin_web_a.get(_u("series/")).content.decode()
    assert f"INV-{date.today().year}-" in page


def test_a_series_never_goes_back_to_a_number_already_given(fin_web_a, books):
    # given
    set_next_number(tenant=books, actor=None, series="INV", year=2026, next_number=51)
    # when
    r = fin_web_a.post(_u("series/"), {"series": "INV", "year": "2026", "next_number": "20"})
    # then
    page = r.content.decode()
    assert r.status_code == 400 and 'id="s-next-errors"' in page
    assert "more than 50" in page and 'value="20"' in page
    assert DocumentCounter.objects.for_tenant(books).get().last == 50


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"series": "INV", "year": "soon", "next_number": "5"}, "s-year"),
        ({"series": "INV", "year": "1999", "next_number": "5"}, "s-year"),
        ({"series": "INV", "year": "2026", "next_number": "five"}, "s-next"),
        ({"series": "INV", "year": "2026", "next_number": "0"}, "s-next"),
        ({"series": "INV", "year": "2026", "next_number": "1e12"}, "s-next"),
        ({"series": "NOPE", "year": "2026", "next_number": "5"}, "s-series"),
    ],
)
def test_bad_numbering_is_explained_beside_its_field(fin_web_a, books, body, field):
    # when
    r = fin_web_a.post(_u("series/"), body)
    # then
    page = r.content.decode()
    assert r.status_code == 400 and f'id="{field}-errors"' in page
    _plain_words(page)
    assert not DocumentCounter.objects.for_tenant(books).exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ("s-series", "s-next")),
        ({"year": "2026", "next_number": "5"}, ("s-series",)),
        ({"series": "INV", "year": "2026"}, ("s-next",)),
    ],
)
def test_a_numbering_form_sent_incomplete_is_explained_not_an_error_page(
    fin_web_a, books, body, fields
):
    # when: the form arrives without its series or its number (an empty POST among them)
    r = fin_web_a.post(_u("series/"), body)
    # then: refused beside each missing field, the typed year kept, nothing written
    page = r.content.decode()
    assert r.status_code == 400
    assert all(f'id="{f}-errors"' in page for f in fields)
    assert "choose a series" in page if "s-series" in fields else "choose a series" not in page
    _plain_words(page)
    assert not DocumentCounter.objects.for_tenant(books).exists()


def _prefixes(**changes: str) -> dict[str, str]:
    from backoffice.commerce.services.documents import SERIES

    return {"form": "prefixes"} | {f"prefix-{k}": p for k, p in SERIES.items()} | changes


def test_invoices_are_numbered_under_the_prefix_chosen_drafts_included(fin_web_a, books):
    # given: a draft made under the default prefix
    c = customer(books, currency="EUR")
    draft = doc(books, "invoice", c, "2026-04-01", (None, 1, 500))
    # when
    r = fin_web_a.post(_u("series/"), _prefixes(**{"prefix-invoice": "f"}))
    # then: the draft and the next invoice are numbered under F
    assert r.status_code == 302
    issued = services.issue_document(tenant=books, actor=None, document_id=draft.pk)
    assert issued.number == "F-2026-00001"
    event = AuditEvent.objects.for_tenant(books).filter(action="commerce.series_prefix_set").get()
    assert (event.before, event.after) == ({"prefix": "INV"}, {"kind": "invoice", "prefix": "F"})
    page = fin_web_a.get(_u("series/")).content.decode()
    assert 'value="F"' in page


@pytest.mark.parametrize(
    ("prefix", "words"),
    [("BILL", "already the prefix of supplier bills"), ("RCT", "payments received"), ("1X", "")],
)
def test_a_prefix_taken_or_malformed_is_refused_beside_it(fin_web_a, books, prefix, words):
    # when
    r = fin_web_a.post(_u("series/"), _prefixes(**{"prefix-invoice": prefix}))
    # then
    page = r.content.decode()
    assert r.status_code == 400 and 'id="prefix-invoice-errors"' in page
    assert words in page and f'value="{prefix}"' in page
    assert not DocumentSeries.objects.for_tenant(books).exists()
