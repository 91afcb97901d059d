"""The workbench's form and viewer without a page: numbers as people type them, the same
words from the browser's rules and the server's checks, results as labelled fields, and each
kind of source file."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.http import QueryDict
from PIL import Image

from backoffice.work import viewer
from backoffice.work.catalog import TEMPLATES
from backoffice.work.models import Attachment
from backoffice.work.schema import entry_fields, number_text, read_form, shown_fields

INVOICE = TEMPLATES["invoice-capture"]["output_schema"]
RESEARCH = TEMPLATES["research-request"]["output_schema"]
EUR = {"EUR": 2, "USD": 2, "GBP": 2}


def _post(**values: str) -> QueryDict:
    post = QueryDict(mutable=True)
    post.update(values)
    return post


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("1,180.40", "1180.40"),
        ("1.180,40", "1180.40"),
        ("1 180,40", "1180.40"),
        ("9,5", "9.5"),
        ("1,180", "1180"),
        ("12", "12"),
        ("0.125", "0.125"),
    ],
)
def test_numbers_are_read_with_either_decimal_mark(typed, plain):
    assert number_text(typed) == plain


def test_the_server_refuses_in_the_words_the_browser_shows():
    # given what the browser checks each input with (the rules beside it on the page)
    fields = {f.name: f for f in entry_fields(INVOICE, exponents=EUR)}
    columns = {c.name: json.loads(c.rules) for c in fields["lines"].columns}
    total_rules = json.loads(fields["total"].rules)
    # when the server reads a form with problems
    form = read_form(
        INVOICE,
        _post(
            invoice_number="R-1",
            supplier="Bosch",
            currency="EUR",
            invoice_date="2026-11-12",
            total="12.345",
            **{"lines-0-description": "Drill", "lines-0-quantity": "-1"},
        ),
        exponents=EUR,
    )
    # then each problem is one of the messages the browser has for that input
    assert form.errors == {
        "total": ["Amounts in EUR have at most 2 decimals."],
        "lines-0-quantity": [columns["quantity"]["messages"]["minimum"]],
        "lines-0-unit_price": [columns["unit_price"]["messages"]["required"]],
    }
    assert (
        total_rules["messages"]["places"].format(currency="EUR", places=2)
        == (form.errors["total"][0])
    )
    # and what was typed is kept to be shown again
    assert form.typed["total"] == "12.345"
    assert form.typed["lines"] == [
        {"description": "Drill", "quantity": "-1", "unit_price": ""},
    ]


def test_a_list_of_texts_is_one_per_line_and_minimum_lines_are_named():
    form = read_form(RESEARCH, _post(answer="Yes.", sources="\n  \n", hours_spent="1,5"))
    assert form.errors == {"sources": ["This field is required."]}
    form = read_form(RESEARCH, _post(answer="Yes.", sources="a.org\nb.org\n", hours_spent="1,5"))
    assert form.errors == {}
    assert form.output == {"answer": "Yes.", "sources": ["a.org", "b.org"], "hours_spent": 1.5}


def test_a_result_reads_as_labelled_fields_with_line_totals():
    shown = shown_fields(
        INVOICE,
        {
            "invoice_number": "R-1",
            "currency": "EUR",
            "total": 1180.4,
            "lines": [
                {"description": "A", "quantity": 2, "unit_price": 0.1},
                {"description": "B", "quantity": 1.5, "unit_price": 0.2},
            ],
            "note": {"checked": True},
        },
        exponents=EUR,
    )
    by_label = {s.label: s for s in shown}
    assert by_label["Total"].text == "1,180.40 EUR"
    assert by_label["Invoice date"].text == "—" and by_label["Invoice date"].kind == "empty"
    lines = by_label["Lines"]
    assert lines.columns == ("Description", "Quantity", "Unit price")
    assert lines.rows == (("A", "2", "0.10 EUR"), ("B", "1.5", "0.20 EUR"))
    # 2 + 1.5 = 3.5; 0.10 + 0.20 = 0.30 exactly (no float drift)
    assert lines.totals == ("", "3.5", "0.30 EUR")
    # a field the schema does not name still reads in words
    assert by_label["Note"].text == "Checked: Yes"


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def make(name: str, content_type: str, data: bytes) -> Attachment:
        attachment = Attachment(
            tenant_id=1, item_id=1, name=name, content_type=content_type, size=len(data)
        )
        attachment.file.save(name, ContentFile(data), save=False)
        return attachment

    return make


def test_each_kind_of_source(stored):
    eml = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Order 7\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n'
        b"--x\r\nContent-Type: text/plain\r\n\r\nTwo boxes, please.\r\n"
        b"--x\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="po.pdf"\r\n\r\n%PDF-1.4\r\n--x--\r\n'
    )
    mail = viewer.source_of(stored("order.eml", "message/rfc822", eml))
    assert mail.kind == "email"
    assert ("Subject", "Order 7") in mail.headers and "Two boxes" in mail.text
    assert mail.inner == ("po.pdf",)
    text = viewer.source_of(stored("n.txt", "text/plain", "Grüße <b>".encode()))
    assert (text.kind, text.text) == ("text", "Grüße <b>")
    broken = viewer.source_of(stored("x.pdf", "application/pdf", b"%PDF-1.4 not really"))
    assert broken.kind == "broken" and "Download it" in broken.problem


def test_tiff_frames_are_pages(stored):
    frames = [Image.new("RGB", (400, 200), colour) for colour in ("red", "blue", "green")]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    tiff = stored("scan.tif", "image/tiff", out.getvalue())
    source = viewer.source_of(tiff)
    assert (source.kind, source.pages) == ("pages", 3)
    png = viewer.render_page(tiff, 2, "thumb")
    assert png is not None
    page = Image.open(io.BytesIO(png))
    assert page.size == (180, 90) and page.getpixel((10, 10)) == (0, 0, 255)
    assert viewer.render_page(tiff, 4, "page") is None


def test_fields_keep_the_authors_order_when_the_database_does_not():
    # given the invoice schema as PostgreSQL's JSONB hands it back: shortest names first
    def jsonb(obj):
        if isinstance(obj, dict):
            return {k: jsonb(obj[k]) for k in sorted(obj, key=lambda k: (len(k), k))}
        return [jsonb(v) for v in obj] if isinstance(obj, list) else obj

    stored = jsonb(INVOICE)
    assert next(iter(stored["properties"])) == "lines"
    # then the form, its grid and the result follow the required list, the rest after
    fields = entry_fields(stored)
    assert [f.name for f in fields] == [
        "invoice_number",
        "invoice_date",
        "supplier",
        "currency",
        "total",
        "lines",
    ]
    assert [c.name for c in fields[-1].columns] == ["description", "quantity", "unit_price"]
    assert [s.label for s in shown_fields(stored, {"lines": []})][:2] == [
        "Invoice number",
        "Invoice date",
    ]
    # and an explicit x-order wins
    assert [f.name for f in entry_fields({**stored, "x-order": ["total", "supplier"]})][:2] == [
        "total",
        "supplier",
    ]
