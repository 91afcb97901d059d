"""Every ledger audit event, name and before/after shape written out literally: they are part
of the tenants' hash chains, so `ledger/events.py` must keep them byte for byte."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.ledger.models import Account, JournalEntry
from backoffice.ledger.services import (
    EntryIn,
    LineIn,
    apply_chart_template,
    bulk_post_entries,
    create_account,
    create_fiscal_year,
    fingerprint,
    post_journal_entry,
    reverse_entry,
    set_exchange_rate,
    set_period_lock,
    update_account,
)
from backoffice.ledger.tests.factories import entry

pytestmark = pytest.mark.django_db


def _events_since(tenant, seq):
    rows = AuditEvent.objects.for_tenant(tenant).filter(seq__gt=seq).order_by("seq")
    return [(e.action, e.object_type, e.object_id, e.before, e.after) for e in rows]


def _last_seq(tenant):
    last = AuditEvent.objects.for_tenant(tenant).order_by("-seq").first()
    return last.seq if last else 0


def test_chart_and_account_events(client_a, finance_a):
    # given
    seq = _last_seq(client_a)
    # when
    apply_chart_template(tenant=client_a, template="services", actor=finance_a)
    acc = create_account(
        tenant=client_a,
        actor=finance_a,
        code=" 1125 ",
        name="Savings",
        type="asset",
        currency="usd",
    )
    parent = Account.objects.for_tenant(client_a).get(code="1100")
    update_account(
        tenant=client_a,
        actor=finance_a,
        account_id=acc.pk,
        name="Savings account",
        parent_code="1100",
        is_active=False,
        currency="",
    )
    # then
    assert _events_since(client_a, seq) == [
        ("ledger.chart_applied", "", "", None, {"template": "services", "created": 10}),
        (
            "ledger.account_created",
            "ledger.account",
            str(acc.pk),
            None,
            {"code": "1125", "name": "Savings", "type": "asset", "currency": "USD"},
        ),
        (
            "ledger.account_updated",
            "ledger.account",
            str(acc.pk),
            {"name": "Savings", "parent": None, "is_active": True, "currency": "USD"},
            {"name": "Savings account", "parent": parent.pk, "is_active": False, "currency": None},
        ),
    ]


def test_posting_and_reversal_events(books_a, finance_a):
    # given
    seq = _last_seq(books_a)
    # when
    je = post_journal_entry(
        tenant=books_a,
        actor=finance_a,
        entry=EntryIn(
            date=date(2026, 3, 2),
            memo="Cash sale",
            source_ref="POS-1",
            lines=[LineIn("1120", 150_00, memo="till"), LineIn("4100", -150_00, currency="eur")],
        ),
    )
    rev = reverse_entry(tenant=books_a, actor=finance_a, entry_id=je.pk, date=date(2026, 3, 3))
    # then
    assert _events_since(books_a, seq) == [
        (
            "ledger.entry_posted",
            "ledger.journalentry",
            str(je.pk),
            None,
            {
                "date": "2026-03-02",
                "memo": "Cash sale",
                "source_ref": "POS-1",
                "reverses": None,
                "lines": [["1120", "EUR", 15000], ["4100", "EUR", -15000]],
            },
        ),
        (
            "ledger.entry_reversed",
            "ledger.journalentry",
            str(rev.pk),
            None,
            {
                "date": "2026-03-03",
                "memo": f"Reversal of entry {je.pk}",
                "source_ref": "POS-1",
                "reverses": je.pk,
                "lines": [["1120", "EUR", -15000], ["4100", "EUR", 15000]],
            },
        ),
    ]


def test_bulk_event_names_the_id_range_and_a_digest_of_every_entry(books_a, finance_a):
    # given
    seq = _last_seq(books_a)
    keyed = entry("2026-03-02", ("1120", 500), ("4100", -500), key="k-1")
    plain = entry("2026-03-04", ("6100", 300), ("1120", -300))
    # when
    result = bulk_post_entries(tenant=books_a, actor=finance_a, entries=[keyed, plain])
    # then
    first, last = result.entry_ids
    digest = hashlib.sha256(f"{first}:{fingerprint(keyed)}{last}:2026-03-04".encode())
    assert _events_since(books_a, seq) == [
        (
            "ledger.entries_bulk_posted",
            "ledger.journalentry",
            f"{first}-{last}",
            None,
            {
                "entries": 2,
                "lines": 4,
                "first_id": first,
                "last_id": last,
                "digest": digest.hexdigest(),
            },
        )
    ]
    assert JournalEntry.objects.for_tenant(books_a).count() == 2


def test_period_and_rate_events(books_a, finance_a):
    # given
    seq = _last_seq(books_a)
    # when
    fy = create_fiscal_year(tenant=books_a, actor=finance_a, year=2026, start_month=4)
    april = fy.periods.order_by("start")[0]
    set_period_lock(tenant=books_a, actor=finance_a, period_id=april.pk, locked=True)
    set_period_lock(tenant=books_a, actor=finance_a, period_id=april.pk, locked=False)
    rate = set_exchange_rate(
        tenant=books_a,
        actor=finance_a,
        day=date(2026, 3, 1),
        base="usd",
        quote="EUR",
        rate=Decimal("0.9200"),
    )
    # then
    assert _events_since(books_a, seq) == [
        (
            "ledger.fiscal_year_created",
            "ledger.fiscalyear",
            str(fy.pk),
            None,
            {"name": "FY2026/27", "start": "2026-04-01", "end": "2027-03-31"},
        ),
        (
            "ledger.period_locked",
            "ledger.period",
            str(april.pk),
            {"is_locked": False},
            {"is_locked": True, "period": "2026-04"},
        ),
        (
            "ledger.period_unlocked",
            "ledger.period",
            str(april.pk),
            {"is_locked": True},
            {"is_locked": False, "period": "2026-04"},
        ),
        (
            "ledger.rate_set",
            "ledger.exchangerate",
            str(rate.pk),
            None,
            {"date": "2026-03-01", "pair": "USD/EUR", "rate": "0.9200"},
        ),
    ]
