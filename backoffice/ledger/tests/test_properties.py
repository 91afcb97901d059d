"""Property tests: whatever valid sequence is posted, the books stay consistent; whatever
bad input is offered, it is refused with a field-level message and nothing is written."""

import contextlib
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.core.errors import Conflict, DomainError
from backoffice.ledger.models import (
    Account,
    AccountBalance,
    DailyBalance,
    JournalEntry,
    JournalLine,
)
from backoffice.ledger.services import (
    EntryIn,
    LineIn,
    bulk_post_entries,
    create_fiscal_year,
    post_journal_entry,
    reverse_entry,
    set_period_lock,
)
from backoffice.ledger.tests.factories import usd_bank, with_chart

pytestmark = pytest.mark.django_db

EUR_CODES = ["1120", "1200", "2100", "3100", "4100", "6100", "6200"]
FIXTURES = [HealthCheck.function_scoped_fixture]
DAY0 = date(2026, 2, 1)  # January is locked in these books


@st.composite
def entries(draw, key=None):
    n = draw(st.integers(2, 4))
    codes = draw(st.lists(st.sampled_from(EUR_CODES), min_size=n, max_size=n))
    amounts = draw(
        st.lists(st.integers(-(10**9), 10**9).filter(bool), min_size=n - 1, max_size=n - 1)
    )
    last = -sum(amounts)
    if last == 0:
        amounts[0] += 1
        last = -1
    lines = [LineIn(c, a) for c, a in zip(codes, [*amounts, last], strict=True)]
    if draw(st.booleans()):
        usd = draw(st.integers(1, 10**7))
        lines += [LineIn("1130", usd, "USD"), LineIn("4900", -usd, "USD")]
    day = DAY0 + timedelta(days=draw(st.integers(0, 300)))
    return EntryIn(
        date=day,
        lines=lines,
        memo=draw(st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=20)),
        idempotency_key=key,
    )


operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), entries()),
        st.tuples(st.just("post_key"), entries(key="same-key")),
        st.tuples(st.just("reverse"), st.integers(0, 20)),
        st.tuples(st.just("bulk"), st.lists(entries(), min_size=1, max_size=8)),
    ),
    min_size=1,
    max_size=8,
)


def _books(tenant):
    with_chart(tenant)
    usd_bank(tenant)
    Account.objects.for_tenant(tenant).filter(code="6400").update(is_active=False)
    fy = create_fiscal_year(tenant=tenant, actor=None, year=2026)
    jan = fy.periods.get(name="2026-01")
    set_period_lock(tenant=tenant, actor=None, period_id=jan.pk, locked=True)
    return tenant


@pytest.fixture
def prop_books(client_a):
    """Built once per test; every hypothesis example runs in a rolled-back transaction."""
    return _books(client_a)


def assert_books_consistent(tenant):
    lines = {
        (r["account_id"], r["currency"]): r["s"]
        for r in JournalLine.objects.for_tenant(tenant)
        .values("account_id", "currency")
        .annotate(s=Sum("amount"))
    }
    balances = {
        (b.account_id, b.currency): b.balance
        for b in AccountBalance.objects.for_tenant(tenant)
        if b.balance
    }
    daily = {
        (r["account_id"], r["currency"]): r["s"]
        for r in DailyBalance.objects.for_tenant(tenant)
        .values("account_id", "currency")
        .annotate(s=Sum("delta"))
        if r["s"]
    }
    nonzero_lines = {k: v for k, v in lines.items() if v}
    assert balances == nonzero_lines
    assert daily == nonzero_lines
    per_currency: dict[str, int] = {}
    for (_, cur), v in balances.items():
        per_currency[cur] = per_currency.get(cur, 0) + v
    assert all(v == 0 for v in per_currency.values())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_any_valid_sequence_keeps_balances_equal_to_lines(prop_books, ops):
    with transaction.atomic():
        tenant = prop_books
        posted: list[int] = []
        for kind, arg in ops:
            if kind in ("post", "post_key"):
                try:
                    je = post_journal_entry(tenant=tenant, actor=None, entry=arg)
                except Conflict:
                    continue  # same key, other content: refused, checked below
                posted.append(je.pk)
            elif kind == "reverse" and posted:
                with contextlib.suppress(Conflict):  # reversed already
                    reverse_entry(tenant=tenant, actor=None, entry_id=posted[arg % len(posted)])
            elif kind == "bulk":
                posted += bulk_post_entries(tenant=tenant, actor=None, entries=arg).entry_ids
        assert_books_consistent(tenant)
        transaction.set_rollback(True)


def _bad_variants(good: EntryIn) -> list[tuple[str, EntryIn]]:
    first, *rest = good.lines
    return [
        ("lines", EntryIn(good.date, [LineIn(first.account, first.amount + 1), *rest])),
        ("lines[0].account", EntryIn(good.date, [LineIn("0000", first.amount), *rest])),
        ("lines[0].account", EntryIn(good.date, [LineIn("6400", first.amount), *rest])),
        ("lines[0].currency", EntryIn(good.date, [LineIn("1130", first.amount, "EUR"), *rest])),
        ("date", EntryIn(date(2026, 1, 15), good.lines)),
        ("lines[0].amount", EntryIn(good.date, [LineIn(first.account, 0), *rest])),
        ("lines", EntryIn(good.date, [first])),
        (
            "lines[0].currency",
            EntryIn(good.date, [LineIn(first.account, first.amount, "XXZ"), *rest]),
        ),
    ]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(good=entries())
def test_bad_inputs_are_refused_with_field_messages_and_nothing_written(prop_books, good):
    with transaction.atomic():
        tenant = prop_books
        before = (
            JournalEntry.objects.for_tenant(tenant).count(),
            JournalLine.objects.for_tenant(tenant).count(),
        )
        for field, bad in _bad_variants(good):
            with pytest.raises(DomainError) as exc:
                post_journal_entry(tenant=tenant, actor=None, entry=bad)
            assert field in exc.value.fields, (field, exc.value.fields)
            assert exc.value.fields[field]
            with pytest.raises(DomainError) as bulk_exc:
                bulk_post_entries(tenant=tenant, actor=None, entries=[good, bad])
            assert f"entries[1].{field}" in bulk_exc.value.fields
        after = (
            JournalEntry.objects.for_tenant(tenant).count(),
            JournalLine.objects.for_tenant(tenant).count(),
        )
        assert after == before
        assert_books_consistent(tenant)
        transaction.set_rollback(True)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(good=entries(key="dup"))
def test_duplicate_key_returns_the_original(prop_books, good):
    with transaction.atomic():
        tenant = prop_books
        first = post_journal_entry(tenant=tenant, actor=None, entry=good)
        again = post_journal_entry(tenant=tenant, actor=None, entry=good)
        bulk = bulk_post_entries(tenant=tenant, actor=None, entries=[good])
        assert again.pk == first.pk and bulk.duplicates == 1 and bulk.created == 0
        assert JournalEntry.objects.for_tenant(tenant).count() == 1
        transaction.set_rollback(True)


def test_vendor_is_known():
    assert connection.vendor in ("sqlite", "postgresql")
