"""Supplier debit notes: a posted bill corrected line by line, its goods sent back to the
supplier at the bill's cost, and the credit applied to later bills. EUR books; cents,
debit > 0 (1120 bank, 1300 inventory, 2100 payables, 2200 VAT, 5000 price difference,
6400 other costs)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from backoffice.commerce import reports, selectors, services
from backoffice.commerce.models import (
    CreditApplication,
    DocKind,
    Document,
    MoveKind,
    Payment,
    StockMove,
)
from backoffice.commerce.tests.factories import (
    customer,
    doc,
    issue,
    ledger_balances,
    record_payment,
    stock_item,
    supplier,
)
from backoffice.core.errors import DomainError
from backoffice.ledger.models import JournalEntry
from backoffice.ledger.services import set_exchange_rate

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commerce"


def _debit(tenant, bill, quantities=None, **kw):
    return services.create_from(
        tenant=tenant,
        actor=None,
        source_id=bill.pk,
        kind=DocKind.DEBIT_NOTE,
        quantities=quantities,
        **kw,
    )


def _state(tenant):
    return (
        sorted(Document.objects.for_tenant(tenant).values_list("pk", "status", "settled")),
        StockMove.objects.for_tenant(tenant).count(),
        CreditApplication.objects.for_tenant(tenant).count(),
        JournalEntry.objects.for_tenant(tenant).count(),
        ledger_balances(tenant),
    )


@pytest.fixture
def billed(books):
    """10 widgets at 30.00 + 19 % and 50.00 of freight (no tax) billed by S1 on 1 June."""
    services.create_tax_rate(tenant=books, actor=None, code="VAT19", name="Standard", rate="19")
    widget = stock_item(books, "WIDGET", cost=3000, purchase_taxes=["VAT19"])
    s = supplier(books)
    bill = issue(
        books,
        doc(
            books,
            DocKind.BILL,
            s,
            "2026-06-01",
            (widget, 10),
            (None, 1, 5000, []),
            reference="S-100",
        ),
    )
    return s, widget, bill


def test_a_partial_debit_note_reverses_the_bill_and_sends_the_goods_back(books, billed):
    # given: the bill (net 350.00, VAT 57.00, gross 407.00), 30.00 still open after a payment
    s, _widget, bill = billed
    assert (bill.net, bill.tax, bill.gross) == (35000, 5700, 40700)
    record_payment(books, s, "2026-06-02", 37700, direction="out")
    # when: 4 widgets go back and half the freight is credited
    dn = _debit(books, bill, {1: 4, 2: "0.5"}, day=date(2026, 6, 5))
    assert (dn.kind, dn.source_id, dn.party_id, dn.rate) == ("debit_note", bill.pk, s.pk, 1)
    dn = issue(books, dn)
    # then: net 120.00 + 25.00, VAT 19 % of 120.00 = 22.80, gross 167.80, numbered DBN
    assert (dn.net, dn.tax, dn.gross, dn.number) == (14500, 2280, 16780, "DBN-2026-00001")
    assert dn.due_date is None
    # and it first settles the 30.00 still open on the bill: 137.80 is credit from S1
    bill.refresh_from_db()
    assert (bill.open_amount, dn.settled, dn.open_amount) == (0, 3000, 13780)
    assert selectors.supplier_credit(books, s.pk) == 13780
    # and the goods left at the bill's cost (4 x 30.00), so stock equals the inventory account
    [move] = selectors.stock_moves(books, document_id=dn.pk)
    assert (move.kind, move.quantity, move.value) == (MoveKind.SUPPLIER_RETURN, -4, -12000)
    assert dn.lines.get(line_no=1).cost_value == 12000
    posted = ledger_balances(books)
    assert posted == {
        "1120": -37700,
        "1300": 30000 - 12000,
        "2100": -40700 + 37700 + 16780,  # = 137.80 the supplier owes us
        "2200": 5700 - 2280,
        "6400": 5000 - 2500,
    }
    [row] = reports.valuation(books)
    assert (row.quantity, row.value) == (6, posted["1300"])
    # and the purchases report nets the debit note off
    [period] = reports.by_period(
        books, side="purchases", start=date(2026, 6, 1), end=date(2026, 6, 30)
    )
    assert (period.net, period.tax, period.gross) == (35000 - 14500, 5700 - 2280, 40700 - 16780)


def test_a_debit_note_takes_no_more_than_billed_minus_already_debited(books, billed):
    # given: a debit note of 4 widgets, issued
    _s, _widget, bill = billed
    issue(books, _debit(books, bill, {1: 4}))
    before = _state(books)
    # when / then: 7 more are refused (6 left), as are a price and an unknown line
    for quantities, prices, field in (
        ({1: 7}, None, "quantities.1"),
        ({1: 1}, {1: 2500}, "unit_prices.1"),
        ({9: 1}, None, "quantities.9"),
        ({1: "-1"}, None, "quantities.1"),
        ({1: "x"}, None, "quantities.1"),
    ):
        with pytest.raises(DomainError) as err:
            _debit(books, bill, quantities, unit_prices=prices)
        assert field in err.value.fields, err.value.fields
    assert _state(books) == before
    # when: the other 6 are drafted (a draft counts), then issued
    rest = _debit(books, bill, {1: 6})
    with pytest.raises(DomainError) as err:
        _debit(books, bill, {1: 1})
    assert err.value.fields["quantities.1"] == ["at most 0"]
    issue(books, rest)
    # then: nothing is left of line 1 and freight alone can still be debited
    left = selectors.remaining(books, bill, DocKind.DEBIT_NOTE)
    assert sorted(left.values()) == [0, 1]


def test_a_debit_note_needs_an_issued_bill_and_its_own_lines(books, billed):
    s, widget, bill = billed
    c = customer(books)
    draft_bill = doc(books, DocKind.BILL, s, "2026-06-02", (widget, 1), reference="S-101")
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-06-02", (None, 1, 100, [])))
    before = _state(books)
    # an unposted bill, an invoice, a free-standing draft and a line of another bill
    with pytest.raises(DomainError) as err:
        _debit(books, draft_bill)
    assert "source_id" in err.value.fields
    with pytest.raises(DomainError) as err:
        _debit(books, inv)
    assert "kind" in err.value.fields
    with pytest.raises(DomainError) as err:
        doc(books, DocKind.DEBIT_NOTE, s, "2026-06-03", (widget, 1))
    assert "source_id" in err.value.fields
    with pytest.raises(DomainError) as err:
        services.create_document(
            tenant=books,
            actor=None,
            kind=DocKind.DEBIT_NOTE,
            party_id=s.pk,
            day=date(2026, 6, 3),
            source_id=bill.pk,
            lines=[
                services.LineSpec(
                    product_id=widget.pk,
                    quantity=1,
                    source_line_id=draft_bill.lines.get().pk,
                )
            ],
        )
    assert "lines[0].source_line_id" in err.value.fields
    assert _state(books) == before
    # and a draft debit note's lines are not edited by hand
    dn = _debit(books, bill, {1: 1})
    with pytest.raises(DomainError) as err:
        services.update_document(
            tenant=books,
            actor=None,
            document_id=dn.pk,
            lines=[services.LineSpec(product_id=widget.pk, quantity=9)],
        )
    assert "lines" in err.value.fields


def test_goods_already_sold_cannot_go_back(books, billed):
    # given: 8 of the 10 widgets sold
    _s, widget, bill = billed
    c = customer(books)
    issue(books, doc(books, DocKind.INVOICE, c, "2026-06-03", (widget, 8, 5000, [])))
    dn = _debit(books, bill, {1: 3})
    before = _state(books)
    # when / then: returning 3 is refused at issue; nothing moves or posts
    with pytest.raises(DomainError) as err:
        issue(books, dn)
    assert err.value.code == "insufficient_stock"
    assert _state(books) == before


def test_goods_go_back_at_the_bills_cost_and_the_last_units_take_the_rest(books):
    # given: 10 widgets billed at 30.00 and 10 at 36.00 (moving average 33.00)
    widget = stock_item(books, "W", cost=3000)
    s, c = supplier(books), customer(books)
    issue(books, doc(books, DocKind.BILL, s, "2026-06-01", (widget, 10, 3000)))
    dear = issue(books, doc(books, DocKind.BILL, s, "2026-06-02", (widget, 10, 3600)))
    # when: 5 of the dearer ones go back
    first = issue(books, _debit(books, dear, {1: 5}))
    # then: they leave at the bill's 36.00, not the average: 15 left worth 480.00
    [move] = selectors.stock_moves(books, document_id=first.pk)
    assert (move.quantity, move.value) == (-5, -18000)
    [row] = reports.valuation(books)
    assert (row.quantity, row.value) == (15, 48000) and ledger_balances(books)["1300"] == 48000
    # when: 10 are sold (at the average 32.00) and the other 5 dear ones go back
    issue(books, doc(books, DocKind.INVOICE, c, "2026-06-03", (widget, 10, 5000, [])))
    second = issue(books, _debit(books, dear))
    # then: stock is empty at zero value: the last units carried the 160.00 left, and the
    # 20.00 under the bill's 180.00 is a price difference (less cost of goods bought)
    [move] = selectors.stock_moves(books, document_id=second.pk)
    assert (move.quantity, move.value) == (-5, -16000)
    posted = ledger_balances(books)
    assert "1300" not in posted
    assert (posted["5000"], posted["2100"]) == (32000 - 2000, -30000)
    [row] = reports.valuation(books)
    assert (row.quantity, row.value) == (0, 0)


def test_an_open_debit_note_settles_a_later_bill_and_can_be_undone(books, billed):
    # given: the bill paid in full, then 4 widgets returned (142.80 open on the debit note)
    s, widget, bill = billed
    record_payment(books, s, "2026-06-02", 40700, direction="out")
    dn = issue(books, _debit(books, bill, {1: 4}))
    later = issue(
        books, doc(books, DocKind.BILL, s, "2026-06-10", (widget, 5, 3200), reference="S-102")
    )
    assert (dn.open_amount, later.gross) == (14280, 19040)
    sources = selectors.credit_sources(books, later)
    assert [(x.kind, x.id, x.available) for x in sources] == [("debit_note", dn.pk, 14280)]
    # when
    app = services.apply_credit(
        tenant=books,
        actor=None,
        document_id=later.pk,
        credit_note_id=dn.pk,
        amount=14280,
        day=date(2026, 6, 10),
    )
    # then: 47.60 of the later bill is open, the debit note is used up, no posting needed
    later.refresh_from_db()
    dn.refresh_from_db()
    assert (later.open_amount, dn.open_amount, app.journal_entry) == (4760, 0, None)
    assert ledger_balances(books)["2100"] == -4760
    # when: the application is undone
    services.unapply_credit(tenant=books, actor=None, credit_id=app.pk, day=date(2026, 6, 11))
    # then: both are open again and payables still agree
    later.refresh_from_db()
    dn.refresh_from_db()
    assert (later.open_amount, dn.open_amount) == (19040, 14280)
    assert ledger_balances(books)["2100"] == -19040 + 14280


def test_a_debit_note_in_another_currency_or_of_another_party_does_not_apply(books, billed):
    # given: S1's open EUR debit note; a USD bill of S1; a EUR bill of S2; a customer credit note
    s, _widget, bill = billed
    record_payment(books, s, "2026-06-02", 40700, direction="out")
    set_exchange_rate(
        tenant=books, actor=None, day=date(2026, 6, 1), base="USD", quote="EUR", rate=Decimal("0.9")
    )
    dn = issue(books, _debit(books, bill, {1: 1}))
    usd_bill = issue(
        books,
        doc(books, DocKind.BILL, s, "2026-06-04", (None, 1, 1000, []), currency="USD"),
    )
    other = supplier(books, "S2")
    other_bill = issue(books, doc(books, DocKind.BILL, other, "2026-06-04", (None, 1, 1000, [])))
    c = customer(books)
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-06-04", (None, 1, 1000, [])))
    cn = issue(
        books, services.create_from(tenant=books, actor=None, source_id=inv.pk, kind="credit_note")
    )
    own_bill = issue(books, doc(books, DocKind.BILL, s, "2026-06-05", (None, 1, 1000, [])))
    before = _state(books)
    assert dn.open_amount == 3570
    for target, note in ((usd_bill, dn), (other_bill, dn), (own_bill, cn)):
        with pytest.raises(DomainError) as err:
            services.apply_credit(
                tenant=books, actor=None, document_id=target.pk, credit_note_id=note.pk, amount=100
            )
        assert "credit_note_id" in err.value.fields
    assert _state(books) == before


def _post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"{BASE}{url}", data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_debit_notes_through_the_api(fin_api_a, fin_api_b, api_a, books, billed):
    s, _widget, bill = billed
    before = _state(books)
    # another tenant's user and a reader change nothing
    body = {"kind": "debit_note", "quantities": {"1": "2"}}
    assert _post(fin_api_b, f"/documents/{bill.pk}/derive", body).status_code == 404
    assert _post(api_a, f"/documents/{bill.pk}/derive", body).status_code == 403
    # too much, and a debit note drafted without its bill
    r = _post(fin_api_a, f"/documents/{bill.pk}/derive", {**body, "quantities": {"1": "11"}})
    assert r.status_code == 400 and r.json()["error"]["fields"]["quantities.1"] == ["at most 10"]
    r = _post(
        fin_api_a,
        "/documents",
        {"kind": "debit_note", "party_id": s.pk, "date": "2026-06-05", "lines": [{"quantity": 1}]},
    )
    assert r.status_code == 400 and "source_id" in r.json()["error"]["fields"]
    assert _state(books) == before
    # when: 2 widgets are debited, with a retry of the same key, and issued
    r = _post(fin_api_a, f"/documents/{bill.pk}/derive", body, key="dn-1")
    assert r.status_code == 201, r.content
    again = _post(fin_api_a, f"/documents/{bill.pk}/derive", body, key="dn-1")
    assert again.json()["id"] == r.json()["id"]
    r = _post(fin_api_a, f"/documents/{r.json()['id']}/issue", {})
    assert r.status_code == 200, r.content
    # then: the posting reverses 2 widgets of the bill against payables
    d = r.json()
    posted = {p["account"]: p["debit"] - p["credit"] for p in d["postings"]}
    assert posted == {"2100": 7140, "1300": -6000, "2200": -1140}
    assert [(m["kind"], Decimal(m["quantity"]), m["value"]) for m in d["moves"]] == [
        ("return_out", -2, -6000)
    ]
    assert (d["open_amount"], Document.objects.for_tenant(books).get(pk=bill.pk).open_amount) == (
        0,
        40700 - 7140,
    )


def _u(path: str, tenant: str = "client-a") -> str:
    return f"/t/{tenant}/commerce/{path}"


def test_a_debit_note_is_made_and_applied_on_the_pages(fin_web_a, web_a, books, clerk_b, billed):
    # given: the bill paid
    s, _widget, bill = billed
    record_payment(books, s, "2026-06-02", 40700, direction="out")
    page = fin_web_a.get(_u(f"documents/{bill.pk}/")).content.decode()
    assert 'name="qty-1" value="10"' in page and "Make debit note" in page
    # when: too many are asked for, by another tenant's user, and by a reader
    before = _state(books)
    r = fin_web_a.post(
        _u(f"documents/{bill.pk}/derive/"),
        {"kind": "debit_note", "qty-1": "12", "qty-2": "0"},
        follow=True,
    )
    assert "at most 10" in r.content.decode()
    b = Client()
    b.force_login(clerk_b)
    r = b.post(_u(f"documents/{bill.pk}/derive/", "client-b"), {"kind": "debit_note"})
    assert r.status_code == 404
    assert web_a.post(_u(f"documents/{bill.pk}/derive/"), {"kind": "debit_note"}).status_code == 403
    assert _state(books) == before
    # when: 3 widgets and no freight are debited, then issued
    r = fin_web_a.post(
        _u(f"documents/{bill.pk}/derive/"), {"kind": "debit_note", "qty-1": "3", "qty-2": "0"}
    )
    dn = Document.objects.for_tenant(books).get(kind=DocKind.DEBIT_NOTE)
    assert r.status_code == 302 and r["Location"].endswith(f"documents/{dn.pk}/")
    assert fin_web_a.post(_u(f"documents/{dn.pk}/issue/")).status_code == 302
    dn.refresh_from_db()
    assert (dn.status, dn.gross, dn.open_amount) == ("issued", 10710, 10710)
    # and its credit is applied to the next bill from that bill's page
    later = issue(books, doc(books, DocKind.BILL, s, "2026-06-10", (None, 1, 20000, [])))
    page = fin_web_a.get(_u(f"documents/{later.pk}/")).content.decode()
    assert f'value="debit_note:{dn.pk}"' in page
    r = fin_web_a.post(
        _u(f"documents/{later.pk}/credit/"), {"source": f"debit_note:{dn.pk}", "amount": "107.10"}
    )
    assert r.status_code == 302
    later.refresh_from_db()
    assert later.open_amount == 20000 - 10710
    assert Payment.objects.for_tenant(books).count() == 1
