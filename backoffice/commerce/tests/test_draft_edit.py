"""Drafts are edited from their page until they are issued; issued documents never are."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.commerce import services
from backoffice.commerce.models import Document, DocumentLine, Party
from backoffice.commerce.tests.factories import customer, doc
from backoffice.core.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db


def _u(path: str, tenant: str = "client-a") -> str:
    return f"/t/{tenant}/commerce/documents/{path}"


@pytest.fixture
def draft(books):
    """A draft invoice to C1: 2 x 50.00 at 19 %; a second customer C2 in euros too."""
    services.create_tax_rate(tenant=books, actor=None, code="STD", name="Std", rate="19")
    services.create_tax_rate(tenant=books, actor=None, code="RED", name="Reduced", rate="7")
    c1 = customer(books, "C1", currency="EUR")
    customer(books, "C2", currency="EUR")
    return doc(books, "invoice", c1, "2026-05-04", (None, 2, 5000, ["STD"]))


def _form(d: Document, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "invoice",
        "party": d.party_id,
        "date": "2026-05-04",
        "due_date": "",
        "reference": "",
        "notes": "",
        "product": ["", ""],
        "description": ["Consulting", "Travel"],
        "quantity": ["3", "1"],
        "unit_price": ["50.00", "20.00"],
        "tax": ["STD", "RED"],
        "source_line": ["", ""],
    }
    body.update(changes)
    return body


def test_a_draft_is_edited_from_its_page_party_dates_and_lines(fin_web_a, books, draft):
    # given
    c2 = Party.objects.for_tenant(books).get(code="C2")
    page = fin_web_a.get(_u(f"{draft.pk}/")).content.decode()
    assert 'id="edit-draft"' in page
    form = fin_web_a.get(_u(f"{draft.pk}/edit/")).content.decode()
    assert 'value="50.00"' in form and 'value="2"' in form
    # when: another customer, new dates, 3 x 50.00 at 19 % and 1 x 20.00 at 7 %
    r = fin_web_a.post(
        _u(f"{draft.pk}/edit/"),
        _form(draft, party=c2.pk, date="2026-05-10", due_date="2026-06-10"),
    )
    # then: net 150.00 + 20.00 = 170.00; tax 28.50 + 1.40 = 29.90; gross 199.90
    assert r.status_code == 302 and r.url.endswith(f"/documents/{draft.pk}/")
    draft.refresh_from_db()
    assert (draft.party_id, draft.date, draft.due_date) == (
        c2.pk,
        date(2026, 5, 10),
        date(2026, 6, 10),
    )
    assert (draft.net, draft.tax, draft.gross, draft.status) == (17000, 2990, 19990, "draft")
    lines = DocumentLine.objects.for_tenant(books).filter(document=draft).order_by("line_no")
    assert [(ln.description, ln.quantity, ln.unit_price) for ln in lines] == [
        ("Consulting", 3, 5000),
        ("Travel", 1, 2000),
    ]
    event = AuditEvent.objects.for_tenant(books).filter(action="commerce.document_updated").get()
    assert (event.before["gross"], event.after["gross"]) == (11900, 19990)
    assert event.after["party"] == c2.pk


def test_a_bad_line_is_explained_beside_it_and_the_draft_is_unchanged(fin_web_a, books, draft):
    # when: the second line's quantity is not a number, the first's price has three decimals
    r = fin_web_a.post(
        _u(f"{draft.pk}/edit/"),
        _form(draft, quantity=["3", "lots"], unit_price=["50.001", "20.00"]),
    )
    # then
    page = r.content.decode()
    assert r.status_code == 400
    assert 'value="lots"' in page and 'value="50.001"' in page and 'value="Travel"' in page
    assert "EUR has 2 decimals" in page
    assert "lines[" not in page and "minor units" not in page
    draft.refresh_from_db()
    assert (draft.net, draft.gross) == (10000, 11900)
    assert not AuditEvent.objects.for_tenant(books).filter(action="commerce.document_updated")


def test_a_due_date_before_the_date_is_refused_beside_it(fin_web_a, books, draft):
    # when
    r = fin_web_a.post(_u(f"{draft.pk}/edit/"), _form(draft, due_date="2026-01-01"))
    # then
    page = r.content.decode()
    assert r.status_code == 400 and 'id="d-due-errors"' in page
    assert 'value="2026-01-01"' in page
    draft.refresh_from_db()
    assert draft.due_date is None


def test_a_party_billed_in_another_currency_is_refused_beside_the_party(fin_web_a, books, draft):
    # given
    usd = customer(books, "C3", currency="USD")
    # when
    r = fin_web_a.post(_u(f"{draft.pk}/edit/"), _form(draft, party=usd.pk))
    # then
    page = r.content.decode()
    assert r.status_code == 400 and 'id="d-party-errors"' in page and "USD" in page
    draft.refresh_from_db()
    assert draft.party.code == "C1"


def test_an_issued_document_has_no_edit_button_and_cannot_be_edited(fin_web_a, books, draft):
    # given
    services.issue_document(tenant=books, actor=None, document_id=draft.pk)
    # when / then: no button, the edit page sends back, a post changes nothing
    assert 'id="edit-draft"' not in fin_web_a.get(_u(f"{draft.pk}/")).content.decode()
    assert fin_web_a.get(_u(f"{draft.pk}/edit/")).status_code == 302
    fin_web_a.post(_u(f"{draft.pk}/edit/"), _form(draft))
    draft.refresh_from_db()
    assert (draft.gross, draft.date) == (11900, date(2026, 5, 4))
    # and the service refuses on its own
    with pytest.raises(Conflict):
        services.update_document(
            tenant=books, actor=None, document_id=draft.pk, day=date(2026, 5, 9)
        )


def test_another_tenants_draft_is_not_found(fin_web_a, books, books_b):
    # given
    other = doc(books_b, "invoice", customer(books_b, currency="EUR"), "2026-05-04", (None, 1, 100))
    # when / then
    assert fin_web_a.get(_u(f"{other.pk}/edit/")).status_code == 404
    assert fin_web_a.post(_u(f"{other.pk}/edit/"), {"party": ""}).status_code == 404


def test_a_client_admin_may_read_a_draft_but_not_edit_it(web_a, books, draft):
    # when / then
    assert 'id="edit-draft"' not in web_a.get(_u(f"{draft.pk}/")).content.decode()
    assert web_a.get(_u(f"{draft.pk}/edit/")).status_code == 403


def test_a_line_may_not_be_linked_to_a_line_of_another_document(books, draft):
    # given: a line of an unrelated document
    stranger = doc(books, "invoice", draft.party, "2026-05-05", (None, 1, 100))
    line = DocumentLine.objects.for_tenant(books).filter(document=stranger).get()
    # when / then
    with pytest.raises(DomainError) as exc:
        services.update_document(
            tenant=books,
            actor=None,
            document_id=draft.pk,
            lines=[services.LineSpec(description="x", unit_price=1, source_line_id=line.pk)],
        )
    assert list(exc.value.fields) == ["lines[0].source_line_id"]


def test_the_tax_rule_changed_on_a_draft_totals_its_lines_again(books, draft):
    # when: 2 x 50.00 with 19 % included in the price
    services.update_document(
        tenant=books, actor=None, document_id=draft.pk, prices_include_tax=True
    )
    # then: gross 100.00, net 100.00 / 1.19 = 84.03, tax 15.97
    draft.refresh_from_db()
    assert (draft.net, draft.tax, draft.gross) == (8403, 1597, 10000)


@pytest.mark.parametrize(
    ("changes", "fid"),
    [
        ({"date": "31/05/2026"}, "d-date"),
        ({"due_date": "soon"}, "d-due"),
        ({"party": ""}, "d-party"),
    ],
)
def test_a_bad_date_or_no_party_is_refused_beside_it(fin_web_a, books, draft, changes, fid):
    # when
    r = fin_web_a.post(_u(f"{draft.pk}/edit/"), _form(draft, **changes))
    # then
    page = r.content.decode()
    assert r.status_code == 400 and f'id="{fid}-errors"' in page
    draft.refresh_from_db()
    assert (draft.date, draft.gross) == (date(2026, 5, 4), 11900)
