from __future__ import annotations

import pytest

from backoffice.commerce.imports import import_parties
from backoffice.commerce.models import Party

pytestmark = pytest.mark.django_db


def test_valid_file_creates_every_party(books):
    text = (
        "code,name,is_customer,is_supplier,country,tax_id,payment_terms_days,currency\n"
        "C1,Alpha GmbH,yes,no,DE,DE 136 695 976,14,EUR\n"
        "S1,Beta Ltd,no,yes,GB,,30,GBP\n"
    )
    report = import_parties(tenant=books, actor=None, text=text)
    assert report.ok and report.created == 2
    alpha = Party.objects.for_tenant(books).get(code="C1")
    assert (alpha.tax_id, alpha.payment_terms_days) == ("DE136695976", 14)


def test_one_bad_row_writes_nothing_and_reports_each_row(books):
    text = (
        "code,name,country,tax_id,is_customer\n"
        "C1,Alpha,DE,DE136695977,yes\n"  # bad check digit
        "C2,,DE,,yes\n"  # no name
        "C3,Gamma,US,,maybe\n"  # not a boolean
        "C3,Gamma again,US,,yes\n"  # repeated code
        "C5,Fine,US,,yes\n"
    )
    report = import_parties(tenant=books, actor=None, text=text)
    assert not report.ok and report.created == 0
    assert [(r.row, r.ok) for r in report.rows] == [
        (2, False),
        (3, False),
        (4, False),
        (5, False),
        (6, True),
    ]
    assert "tax_id" in report.rows[0].errors
    assert report.rows[1].errors == {"name": ["required"]}
    assert "is_customer" in report.rows[2].errors
    assert report.rows[3].errors == {"code": ["repeats row 4"]}
    assert Party.objects.for_tenant(books).count() == 0


def test_import_through_the_api(fin_api_a, books):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile("p.csv", b"code,name\nC1,Alpha\n", content_type="text/csv")
    r = fin_api_a.post("/api/v1/commerce/parties/import", {"file": f})
    assert r.status_code == 201, r.content
    assert r.json()["created"] == 1


def test_import_page_reports_bad_rows(fin_web_a, books):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile("p.csv", b"code,name\nC1,\n", content_type="text/csv")
    r = fin_web_a.post("/t/client-a/commerce/parties/", {"file": f}, follow=True)
    page = r.content.decode()
    assert "Nothing imported" in page and "Row 2 (C1): name: required" in page
