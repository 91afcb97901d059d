"""The business-date range, field labels and the text checks of `core`."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.core.dates import check_date, check_optional_date, check_year
from backoffice.core.errors import DomainError, field_label
from backoffice.core.text import (
    NUL_MESSAGE,
    SURROGATE_MESSAGE,
    check_text,
    first_bad_json,
    first_bad_pair,
    text_problem,
)


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(1969, 12, 31), date(2201, 1, 1), "x"])
def test_dates_outside_1970_to_2200_are_refused_with_the_field(day):
    with pytest.raises(DomainError) as exc:
        check_date(day, field="due_date")
    assert list(exc.value.fields) == ["due_date"]
    assert "Due date" in exc.value.message


def test_dates_inside_the_range_and_none_pass():
    assert check_date(date(1970, 1, 1)) == date(1970, 1, 1)
    assert check_date(date(2200, 12, 31)) == date(2200, 12, 31)
    assert check_optional_date(None, field="due_date") is None


@pytest.mark.parametrize("year", [1900, 1969, 2201, 2999, True, "2026"])
def test_years_outside_the_range_are_refused(year):
    with pytest.raises(DomainError) as exc:
        check_year(year)
    assert list(exc.value.fields) == ["year"]


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("quantity", "quantity"),
        ("lines[0].unit_price", "line 1, unit price"),
        ("entries[2].lines[10].amount", "entry 3, line 11, amount"),
        ("allocations[1].amount", "allocation 2, amount"),
        ("quantities.3", "quantities 3"),
    ],
)
def test_field_paths_read_as_words(path, words):
    assert field_label(path) == words


def test_text_problems():
    assert text_problem("plain ü €") is None
    assert text_problem("a\x00") == NUL_MESSAGE
    assert text_problem("a\ud800") == SURROGATE_MESSAGE
    assert text_problem("\U0001f600") is None
    with pytest.raises(DomainError) as exc:
        check_text("x\x00", field="lines[0].memo")
    assert exc.value.fields == {"lines[0].memo": [NUL_MESSAGE]}
    assert first_bad_pair([("a", "ok"), ("q", "x\x00")]) == ("q", NUL_MESSAGE)
    assert first_bad_json({"lines": [{"memo": "ok"}, {"memo": "\udfff"}]}) == (
        "lines.1.memo",
        SURROGATE_MESSAGE,
    )
    assert first_bad_json(["\x00"]) == ("0", NUL_MESSAGE)
    assert first_bad_json("\x00") == ("body", NUL_MESSAGE)
