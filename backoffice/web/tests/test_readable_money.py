"""Amounts in major units with their currency, formatted by the viewer's locale (babel),
through the one display function every page uses; form inputs keep a machine-readable
number."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from backoffice.ledger import money


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("minor", "currency", "language", "shown"),
    [
        (123456, "USD", "en-us", "$1,234.56"),
        (-123456, "EUR", "en-us", "-\u20ac1,234.56"),
        (1234, "JPY", "en-us", "\u00a51,234"),  # no decimals in yen
        (1234, "BHD", "en-us", "BHD1.234"),  # three in dinars
        (123456, "EUR", "de", "1.234,56\u00a0\u20ac"),
        (123456, "EUR", "fr", "1\u202f234,56\u00a0\u20ac"),
        (5, "USD", "en-us", "$0.05"),
    ],
)
def test_display_follows_the_currency_and_the_locale(minor, currency, language, shown):
    assert money.display(minor, currency, language=language) == shown


@pytest.mark.django_db
def test_the_number_alone_for_columns_that_name_their_currency():
    assert money.display(123456, "USD", with_currency=False, language="en-us") == "1,234.56"
    assert money.display(123456, "USD", with_currency=False, language="de") == "1.234,56"
    assert money.display(None, "USD") == ""


@pytest.mark.django_db
def test_filters_use_the_active_language_and_inputs_stay_machine_readable():
    page = Template(
        '{% load ledger_tags %}{{ a|amount:"EUR" }}|{{ a|money:"EUR" }}|{{ a|money_input:"EUR" }}'
    )
    with translation.override("de"):
        assert page.render(Context({"a": 123456})) == "1.234,56\u00a0\u20ac|1.234,56|1234.56"
    with translation.override("en-us"):
        assert page.render(Context({"a": 123456})) == "\u20ac1,234.56|1,234.56|1234.56"
    # what an input shows is what the parser reads back, whatever the language
    assert money.parse_major("1234.56", "EUR") == 123456
