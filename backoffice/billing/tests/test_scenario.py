"""A client's November, billed and posted in both books: every figure worked by hand.

The client (Client A, books kept here in USD, Berlin business hours) buys data capture
from the provider under one contract:

  rate card v1, 1-15 November                 rate card v2, from 16 November
  capture, graduated per item:                capture, graduated per item:
    items 1-100      2.00                       items 1-100      1.80
    items 101 and up 1.50                       items 101 and up 1.20
  rush surcharge (priority 8+)  0.50/item     rush surcharge (priority 8+)  0.60/item
  agent time                   30.00/hour     agent time                   30.00/hour
  minimum commitment          800.00/month    minimum commitment          800.00/month
  10 % of the fee at risk; pool capped at 5 % of the fee
  service levels: 95 % on time (allocation 40 %), 99.5 % field accuracy (allocation 30 %)

Sales tax VAT10 (10 %) on every line. The client prepaid a retainer of 500.00 on 1 Nov.

The work log for November:
  2-13 Nov (v1): 80 items, 8 a working day at 10:00..11:10, 6 minutes in progress each;
                 10 of them are rush (priority 9).
  16-27 Nov (v2): 60 items, 6 a working day; 5 rush. One of them was sent back by the
                 provider's own QA and keyed again for 30 minutes (not billable).
  10 of the 140 items were finished after their due time; QA checked 20 fields, 19 right.
  One item was cancelled (the contract does not bill cancelled items).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backoffice.billing import services
from backoffice.billing.models import BilledItem, BillingInvoice, UsageLine
from backoffice.billing.services import ChargeIn, ServiceLevelIn, TierIn
from backoffice.billing.tests import factories as f
from backoffice.commerce.models import Document
from backoffice.commerce.tests.factories import ledger_balances
from backoffice.core.errors import Conflict
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import ClientOrgFactory, UserFactory, make_member

NOV = date(2026, 11, 1)


def _working_days(first: int, last: int) -> list[int]:
    return [d for d in range(first, last + 1) if date(2026, 11, d).weekday() < 5]


@pytest.fixture
def november(provider):
    client_a = ClientOrgFactory.create(
        provider=provider, slug="client-us", name="Client A", currency="USD"
    )
    provider_books = f.provider_books(provider)
    f.books(client_a)
    agent = UserFactory.create(username="agent-x")
    reviewer = UserFactory.create(username="qa-x")
    make_member(client_a, agent, Role.AGENT)
    eng = f.engagement(client_a, provider)
    capture = f.service_product(provider, "CAPTURE", "4210")
    rush = f.service_product(provider, "RUSH", "4220")
    time = f.service_product(provider, "TIME", "4230")
    contract = f.contract(
        provider_books, client_a, [eng], currency="USD", tax_code="VAT10",
        retainer_account="2350", calendar_id=eng.calendar_id,
    )  # fmt: skip
    levels = [
        ServiceLevelIn(eng.pk, "on_time", 95, 40),
        ServiceLevelIn(eng.pk, "field_accuracy", "99.5", 30),
    ]

    def card(start, end, tier1, tier2, rush_rate):
        return f.version(
            contract, start, end=end, minimum_commitment=80_000, at_risk_percent=10,
            pool_cap_percent=5, service_levels=levels,
            charges=[
                ChargeIn("capture", "Invoice capture", "items", "graduated", product_id=capture,
                         tiers=[TierIn(0, 100, tier1), TierIn(100, None, tier2)]),
                ChargeIn("rush", "Rush surcharge", "items", unit_rate=rush_rate, min_priority=8,
                         product_id=rush),
                ChargeIn("time", "Agent time", "handle_hours", unit_rate=3000, product_id=time),
            ],
        )  # fmt: skip

    card("2026-11-01", "2026-11-15", 200, 150, 50)
    card("2026-11-16", None, 180, 120, 60)
    n = 0
    for day, per_day, rush_days in ((_working_days(2, 13), 8, 10), (_working_days(16, 27), 6, 5)):
        for d in day:
            for k in range(per_day):
                n += 1
                at = f.berlin(f"2026-11-{d:02d}T10:00") + timedelta(minutes=10 * k)
                if n in (100,):  # a v2 item: QA sent it back once
                    f.reworked_item(eng, f"r{n}", at, agent=agent, reviewer=reviewer)
                    continue
                f.done_item(
                    eng, f"r{n}", at, agent=agent,
                    priority=9 if k == 0 and rush_days > 0 else 5, late=n % 14 == 0,
                )  # fmt: skip
            rush_days -= 1
    f.done_item(eng, "cancelled", f.berlin("2026-11-20T12:00"), state="cancelled")
    f.done_item(eng, "october", f.berlin("2026-10-30T10:00"), agent=agent)
    # QA's other check in November: 10 fields, all right (the reworked item had 9 of 10).
    first = eng.items.get(external_ref="r1")
    f.qa_review(first, agent, reviewer, f.berlin("2026-11-02T12:00"), 10, 10)
    return provider_books, client_a, contract


def _drafted_november(provider, client, contract) -> BillingInvoice:
    """Retainer received, November run: the draft's statement, line by line."""
    # The retainer arrives on 1 Nov: bank up, a liability, no revenue.
    services.receive_retainer(
        tenant=provider, actor=None, contract_id=contract.pk, amount=50_000, day=NOV
    )
    assert ledger_balances(provider) == {"1120": 50_000, "2350": -50_000}
    assert ledger_balances(client) == {"1400": 50_000, "1120": -50_000}

    run = services.run_billing(tenant=provider, actor=None, period=NOV)
    assert (run.status, run.contracts_total, run.invoices_created) == ("done", 1, 1)
    inv = BillingInvoice.objects.for_tenant(provider).get(contract=contract, period=NOV)
    # 140 items done in November are billed; the cancelled one and October's are not.
    assert BilledItem.objects.for_tenant(provider).filter(invoice=inv).count() == 140

    lines = [
        (ln.kind, ln.description, ln.quantity, ln.amount)
        for ln in UsageLine.objects.for_tenant(provider).filter(invoice=inv)
    ]
    assert [(k, q, a) for k, _, q, a in lines] == [
        # v1: items 1-80, all in tier 1 at 2.00: 80 x 200 = 16,000
        ("usage", 80, 16_000),
        # rush v1: 10 rush items x 50 = 500
        ("usage", 10, 500),
        # agent time v1: 80 items x 6 min = 8.000 h x 3,000 = 24,000
        ("usage", 8, 24_000),
        # v2 continues the ladder: items 81-100 at 1.80 (20 x 180 = 3,600), items 101-140
        # at 1.20 (40 x 120 = 4,800): 8,400
        ("usage", 60, 8_400),
        # rush v2: 5 x 60 = 300
        ("usage", 5, 300),
        # agent time v2: 60 x 6 min = 6.000 h (the reworked item's second 30 minutes are
        # the provider's own QA failure: not billed) x 3,000 = 18,000
        ("usage", 6, 18_000),
        # usage 16,000 + 500 + 24,000 + 8,400 + 300 + 18,000 = 67,200; minimum 80,000:
        # true-up 12,800
        ("minimum", 1, 12_800),
        # fee 80,000 x 10 % at risk = 8,000. On time: 130 of 140 (10 late) = 92.857 % < 95:
        # 8,000 x 40 % = 3,200
        ("sla_credit", 1, -3_200),
        # accuracy: 19 of 20 fields = 95 % < 99.5 %: 8,000 x 30 % = 2,400, but the pool is
        # 80,000 x 5 % = 4,000 and 3,200 is used: cut to 800
        ("sla_credit", 1, -800),
    ]
    assert "rate card v1" in lines[0][1] and "rate card v2" in lines[3][1]
    assert (inv.charges_total, inv.credits_total, inv.total) == (80_000, 4_000, 76_000)
    return inv


def test_a_month_billed_and_posted_in_both_books(november):
    provider, client, contract = november
    inv = _drafted_november(provider, client, contract)

    # Review: approving twice is refused; issuing posts both books.
    services.approve_invoice(tenant=provider, actor=None, invoice_id=inv.pk)
    with pytest.raises(Conflict):
        services.approve_invoice(tenant=provider, actor=None, invoice_id=inv.pk)
    inv = services.issue_invoice(tenant=provider, actor=None, invoice_id=inv.pk)

    doc = Document.objects.for_tenant(provider).get(pk=inv.document_id)
    # net 80,000 + VAT10 8,000 = 88,000; the credit note 4,000 + 400 tax = 4,400
    assert (doc.net, doc.tax, doc.gross) == (80_000, 8_000, 88_000)
    note = Document.objects.for_tenant(provider).get(pk=inv.credit_note_id)
    assert (note.gross, note.source_id) == (4_400, doc.pk)
    # The retainer pays what is open: 88,000 - 4,400 = 83,600 open, 50,000 drawn.
    assert inv.retainer_drawn == 50_000
    assert services.retainer_balance(contract) == 0
    assert ledger_balances(provider) == {
        "1120": 50_000,  # the retainer received
        "1200": 33_600,  # receivable: 88,000 - 4,400 credit note - 50,000 retainer
        "2200": -7_600,  # output tax: 8,000 - 400
        # 2350, the retainer liability: 50,000 received, 50,000 drawn: nothing left
        "4200": -8_800,  # service revenue: the true-up 12,800 less the credits 4,000
        "4210": -24_400,  # capture 16,000 + 8,400
        "4220": -800,  # rush 500 + 300
        "4230": -42_000,  # agent time 24,000 + 18,000
    }
    # Revenue: 8,800 + 24,400 + 800 + 42,000 = 76,000 = the invoice's total before tax.

    # The client's books: the bill from the provider, the debit note, the prepaid used.
    bill = Document.objects.for_tenant(client).get(pk=inv.client_bill_id)
    assert (bill.kind, bill.reference, bill.gross) == ("bill", doc.number, 88_000)
    assert Document.objects.for_tenant(client).get(pk=inv.client_debit_note_id).gross == 4_400
    assert ledger_balances(client) == {
        "1120": -50_000,  # the retainer paid on 1 Nov
        "2100": -33_600,  # payable: 88,000 - 4,400 - 50,000
        "2200": 7_600,  # input tax 8,000 - 400
        "6400": 76_000,  # expense 80,000 - 4,000
    }

    # Issuing again is refused and writes nothing.
    with pytest.raises(Conflict):
        services.issue_invoice(tenant=provider, actor=None, invoice_id=inv.pk)
