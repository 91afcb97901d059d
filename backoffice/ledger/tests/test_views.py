from dataclasses import replace

import pytest
from django.urls import reverse

from backoffice.ledger.models import Account, JournalEntry, Period
from backoffice.ledger.services import bulk_post_entries, create_fiscal_year, post_journal_entry
from backoffice.ledger.tests.factories import entry

pytestmark = pytest.mark.django_db


def _u(name, tenant="client-a", **kw):
    return reverse(f"ledger:{name}", kwargs={"tenant": tenant, **kw})


def test_pages_render_for_finance(web_fin_a, books_a, finance_a):
    # given
    je = post_journal_entry(
        tenant=books_a,
        actor=finance_a,
        entry=entry("2026-03-02", ("1120", 12345), ("4100", -12345), memo="Visible sale"),
    )
    bank = Account.objects.for_tenant(books_a).get(code="1120")
    # when
    pages = [
        web_fin_a.get(_u("index")),
        web_fin_a.get(_u("entries"), {"memo": "visible"}),
        web_fin_a.get(_u("entry", entry_id=je.pk)),
        web_fin_a.get(_u("entry_new")),
        web_fin_a.get(_u("account", account_id=bank.pk)),
        web_fin_a.get(_u("report", kind="trial-balance")),
        web_fin_a.get(_u("report", kind="income-statement"), {"start": "2026-01-01"}),
        web_fin_a.get(_u("report", kind="balance-sheet"), {"as_of": "2026-12-31"}),
        web_fin_a.get(_u("periods")),
    ]
    # then
    assert [p.status_code for p in pages] == [200] * 9
    assert b"123.45" in pages[0].content and b"Visible sale" in pages[1].content
    assert b"balanced" in pages[5].content


def test_entry_form_posts_major_units(web_fin_a, books_a):
    # when
    res = web_fin_a.post(
        _u("entry_new"),
        {
            "date": "2026-03-05",
            "memo": "Rent",
            "source_ref": "R-1",
            "account": ["6100", "1120", ""],
            "debit": ["1,200.50", "", ""],
            "credit": ["", "1200.50", ""],
            "line_memo": ["", "", ""],
        },
    )
    # then
    assert res.status_code == 302
    je = JournalEntry.objects.for_tenant(books_a).get()
    assert [ln.amount for ln in je.lines.order_by("line_no")] == [120050, -120050]


def test_entry_form_shows_unbalanced_error(web_fin_a, books_a):
    res = web_fin_a.post(
        _u("entry_new"),
        {
            "date": "2026-03-05",
            "account": ["6100", "1120"],
            "debit": ["10", ""],
            "credit": ["", "9"],
            "line_memo": ["", ""],
        },
        follow=True,
    )
    assert b"does not balance" in res.content
    assert not JournalEntry.objects.for_tenant(books_a).exists()


def test_entry_form_reports_an_amount_that_is_not_a_number(web_fin_a, books_a):
    res = web_fin_a.post(
        _u("entry_new"),
        {
            "date": "2026-03-05",
            "account": ["6100", "1120"],
            "debit": ["Infinity", ""],
            "credit": ["", "1e999999"],
            "line_memo": ["", ""],
        },
    )
    assert res.status_code == 200
    assert b"Line 1: not a number." in res.content
    assert b"Line 2: too large: at most 9,999,999,999,999.99." in res.content
    assert not JournalEntry.objects.for_tenant(books_a).exists()


def test_entries_pages_keep_a_filter_with_special_characters(web_fin_a, books_a, finance_a):
    # given: more entries than one page holds, their memo with an ampersand
    rd = [entry(f"2026-03-{1 + i % 28:02d}", ("6100", 100), ("1120", -100)) for i in range(51)]
    bulk_post_entries(tenant=books_a, actor=finance_a, entries=[replace(e, memo="R&D") for e in rd])
    # when
    res = web_fin_a.get(_u("entries"), {"memo": "R&D"})
    # then: the next page's link carries the filter whole
    assert b'?page=2&memo=R%26D"' in res.content


def test_reports_export_csv_and_xlsx(web_fin_a, books_a, finance_a):
    # given
    post_journal_entry(
        tenant=books_a, actor=finance_a, entry=entry("2026-03-02", ("1120", 500), ("4100", -500))
    )
    # when
    csv_res = web_fin_a.get(_u("report", kind="trial-balance"), {"format": "csv"})
    xlsx_res = web_fin_a.get(_u("report", kind="trial-balance"), {"format": "xlsx"})
    # then
    assert csv_res["Content-Type"].startswith("text/csv")
    assert "1120,Operating bank account,asset,EUR,5.00,0.00,5.00,5.00" in csv_res.content.decode()
    assert xlsx_res.content[:2] == b"PK"


def test_reverse_and_lock_from_pages(web_fin_a, books_a, finance_a):
    # given
    je = post_journal_entry(
        tenant=books_a, actor=finance_a, entry=entry("2026-03-02", ("1120", 500), ("4100", -500))
    )
    create_fiscal_year(tenant=books_a, actor=finance_a, year=2026)
    march = Period.objects.for_tenant(books_a).get(name="2026-03")
    # when
    web_fin_a.post(_u("entry_reverse", entry_id=je.pk))
    web_fin_a.post(_u("period_lock", period_id=march.pk, action="lock"))
    # then
    assert je.reversal is not None
    march.refresh_from_db()
    assert march.is_locked


def test_client_admin_cannot_open_entry_form(web_a, books_a):
    assert web_a.get(_u("entry_new")).status_code == 403
    assert web_a.get(_u("index")).status_code == 200


def test_isolation_pages(web_fin_a, entry_b, finance_b):
    # given
    acc_b = Account.objects.unscoped("test").get(tenant=entry_b.tenant, code="1120")
    fy = create_fiscal_year(tenant=entry_b.tenant, actor=finance_b, year=2026)
    period_b = fy.periods.order_by("start")[0]
    # when
    responses = [
        web_fin_a.get(_u("entry", entry_id=entry_b.pk)),
        web_fin_a.post(_u("entry_reverse", entry_id=entry_b.pk)),
        web_fin_a.get(_u("account", account_id=acc_b.pk)),
        web_fin_a.get(_u("account", account_id=acc_b.pk), {"format": "csv"}),
        web_fin_a.post(_u("period_lock", period_id=period_b.pk, action="lock")),
        web_fin_a.get(_u("index", tenant="client-b")),
        web_fin_a.get(_u("entries", tenant="client-b")),
    ]
    # then
    assert [r.status_code for r in responses] == [404] * 7
    assert all(b"secret-b" not in r.content for r in responses)
    listed = web_fin_a.get(_u("entries"))
    assert b"secret-b" not in listed.content
    assert entry_b.reversal is None
