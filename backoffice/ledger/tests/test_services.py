from datetime import date

import pytest
from django.db import connection

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import Conflict, DomainError
from backoffice.ledger import selectors
from backoffice.ledger.models import Account, AccountBalance, JournalEntry, JournalLine
from backoffice.ledger.services import (
    EntryIn,
    LineIn,
    bulk_post_entries,
    create_fiscal_year,
    post_journal_entry,
    reverse_entry,
    set_period_lock,
)
from backoffice.ledger.tests.factories import entry, usd_bank, with_chart

pytestmark = pytest.mark.django_db


def _balance(tenant, code, currency="EUR"):
    acc = Account.objects.for_tenant(tenant).get(code=code)
    return selectors.balances(tenant).get((acc.pk, currency), 0)


def test_post_updates_balances_and_audits(client_a):
    # given
    with_chart(client_a)
    # when
    je = post_journal_entry(
        tenant=client_a, actor=None, entry=entry("2026-01-05", ("1120", 10000), ("4100", -10000))
    )
    # then
    assert _balance(client_a, "1120") == 10000
    assert _balance(client_a, "4100") == -10000
    assert je.lines.count() == 2
    assert AuditEvent.objects.for_tenant(client_a).filter(action="ledger.entry_posted").count() == 1


def test_unbalanced_entry_is_refused_with_field_message(client_a):
    # given
    with_chart(client_a)
    # when
    with pytest.raises(DomainError) as exc:
        post_journal_entry(
            tenant=client_a, actor=None, entry=entry("2026-01-05", ("1120", 100), ("4100", -90))
        )
    # then
    assert "does not balance in EUR" in exc.value.fields["lines"][0]
    assert not JournalEntry.objects.for_tenant(client_a).exists()


def test_unknown_inactive_and_wrong_currency_accounts(client_a):
    # given
    with_chart(client_a)
    usd_bank(client_a)
    Account.objects.for_tenant(client_a).filter(code="6400").update(is_active=False)
    bad = EntryIn(
        date=date(2026, 1, 5),
        lines=[
            LineIn("9999", 100),
            LineIn("6400", 100),
            LineIn("1130", -200, "EUR"),
        ],
    )
    # when
    with pytest.raises(DomainError) as exc:
        post_journal_entry(tenant=client_a, actor=None, entry=bad)
    # then
    fields = exc.value.fields
    assert "unknown account" in fields["lines[0].account"][0]
    assert "inactive" in fields["lines[1].account"][0]
    assert "only takes USD" in fields["lines[2].currency"][0]


def test_duplicate_key_returns_original_and_other_content_conflicts(client_a):
    # given
    with_chart(client_a)
    e = entry("2026-01-05", ("1120", 500), ("4100", -500), key="k1")
    first = post_journal_entry(tenant=client_a, actor=None, entry=e)
    # when
    again = post_journal_entry(tenant=client_a, actor=None, entry=e)
    # then
    assert again.pk == first.pk
    assert _balance(client_a, "1120") == 500
    with pytest.raises(Conflict):
        post_journal_entry(
            tenant=client_a,
            actor=None,
            entry=entry("2026-01-05", ("1120", 501), ("4100", -501), key="k1"),
        )


def test_locked_period_refuses_posting(client_a):
    # given
    with_chart(client_a)
    fy = create_fiscal_year(tenant=client_a, actor=None, year=2026)
    jan = fy.periods.get(name="2026-01")
    set_period_lock(tenant=client_a, actor=None, period_id=jan.pk, locked=True)
    # when
    with pytest.raises(DomainError) as exc:
        post_journal_entry(
            tenant=client_a, actor=None, entry=entry("2026-01-31", ("1120", 1), ("4100", -1))
        )
    # then
    assert "locked" in exc.value.fields["date"][0]
    post_journal_entry(
        tenant=client_a, actor=None, entry=entry("2026-02-01", ("1120", 1), ("4100", -1))
    )


def test_reverse_links_both_ways_and_zeroes_balances(client_a):
    # given
    with_chart(client_a)
    je = post_journal_entry(
        tenant=client_a, actor=None, entry=entry("2026-01-05", ("6100", 1200), ("1120", -1200))
    )
    # when
    rev = reverse_entry(tenant=client_a, actor=None, entry_id=je.pk)
    # then
    assert rev.reverses_id == je.pk and je.reversal == rev
    assert _balance(client_a, "6100") == 0
    with pytest.raises(Conflict):
        reverse_entry(tenant=client_a, actor=None, entry_id=je.pk)


def test_bulk_post_is_all_or_nothing(client_a):
    # given
    with_chart(client_a)
    good = [entry("2026-01-05", ("1120", i + 1), ("4100", -(i + 1))) for i in range(50)]
    bad = [*good, entry("2026-01-05", ("1120", 5), ("4100", -4))]
    # when
    with pytest.raises(DomainError) as exc:
        bulk_post_entries(tenant=client_a, actor=None, entries=bad)
    # then
    assert "entries[50].lines" in exc.value.fields
    assert not JournalLine.objects.for_tenant(client_a).exists()
    result = bulk_post_entries(tenant=client_a, actor=None, entries=good)
    assert result.created == 50 and result.lines == 100
    assert _balance(client_a, "1120") == sum(range(1, 51))
    assert AccountBalance.objects.for_tenant(client_a).count() == 2


def test_bulk_keys_skip_already_posted(client_a):
    # given
    with_chart(client_a)
    batch = [entry("2026-01-05", ("1120", 7), ("4100", -7), key=f"b{i}") for i in range(3)]
    bulk_post_entries(tenant=client_a, actor=None, entries=batch[:2])
    # when
    result = bulk_post_entries(tenant=client_a, actor=None, entries=batch)
    # then
    assert (result.created, result.duplicates) == (1, 2)
    assert _balance(client_a, "1120") == 21


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_refuses_update_of_posted_line(client_a):
    # given
    from django.db import DatabaseError, transaction

    with_chart(client_a)
    je = post_journal_entry(
        tenant=client_a, actor=None, entry=entry("2026-01-05", ("1120", 1), ("4100", -1))
    )
    # when / then
    with pytest.raises(DatabaseError), transaction.atomic():
        je.lines.update(amount=2)
    assert connection.vendor == "postgresql"


def test_nul_characters_are_refused_with_field_message(client_a):
    # given text no PostgreSQL text column can hold (hypothesis found it)
    with_chart(client_a)
    bad = entry("2026-01-05", ("1120", 100), ("4100", -100))
    bad = type(bad)(date=bad.date, lines=bad.lines, memo="a\x00b")
    # when / then: a field-level refusal on every database, nothing written
    with pytest.raises(DomainError) as exc:
        post_journal_entry(tenant=client_a, actor=None, entry=bad)
    assert exc.value.fields["memo"] == ["must not contain NUL characters"]
    assert not JournalEntry.objects.for_tenant(client_a).exists()


def test_lone_surrogates_are_refused_with_field_message(client_a):
    # given text that is not encodable as UTF-8 (hypothesis found it)
    with_chart(client_a)
    good = entry("2026-01-05", ("1120", 100), ("4100", -100))
    bad = type(good)(
        date=good.date, lines=[LineIn("1120", 100, memo="\ud800"), good.lines[1]], memo="\udfff"
    )
    # when / then
    with pytest.raises(DomainError) as exc:
        post_journal_entry(tenant=client_a, actor=None, entry=bad)
    assert exc.value.fields["memo"] == ["must be valid Unicode text"]
    assert exc.value.fields["lines[0].memo"] == ["must be valid Unicode text"]
    assert not JournalEntry.objects.for_tenant(client_a).exists()


def test_bulk_post_keeps_text_with_tabs_newlines_and_backslashes(client_a):
    # given: text that the COPY format must escape
    with_chart(client_a)
    memo = "tab\there\nnew line \\N not null \\ back\\slash\r"
    batch = [
        EntryIn(
            date=date(2026, 2, 1),
            memo=memo,
            source_ref="ref\t1",
            idempotency_key="key\\1",
            lines=[LineIn("1120", 5, memo="a\tb"), LineIn("4100", -5, memo="\\N")],
        )
    ]
    # when
    (entry_id,) = bulk_post_entries(tenant=client_a, actor=None, entries=batch).entry_ids
    # then
    je = JournalEntry.objects.for_tenant(client_a).get(pk=entry_id)
    assert (je.memo, je.source_ref, je.idempotency_key) == (memo, "ref\t1", "key\\1")
    assert [ln.memo for ln in je.lines.order_by("line_no")] == ["a\tb", "\\N"]
