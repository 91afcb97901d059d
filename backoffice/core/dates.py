"""The range of business dates: a document, entry, rate, payment or stock date, a fiscal
year, outside 1970-01-01..2200-12-31 can only be a typo (1900 for 2019, 20266 for 2026),
so it is refused with words before it is stored or posted."""

from __future__ import annotations

from datetime import date
from typing import Any

from backoffice.core.errors import DomainError, field_label

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2200, 12, 31)
RANGE_WORDS = f"a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
YEAR_WORDS = f"a year from {FIRST_DAY.year} to {LAST_DAY.year}"


def date_problem(value: Any) -> str | None:
    """What is wrong with a business date, in words, or None."""
    if not isinstance(value, date):
        return "a date (YYYY-MM-DD) is required"
    if not FIRST_DAY <= value <= LAST_DAY:
        return RANGE_WORDS
    return None


def check_date(value: Any, *, field: str = "date", code: str | None = None) -> date:
    """`value` if it is a date within the range, else a DomainError naming `field`."""
    problem = date_problem(value)
    if problem:
        raise DomainError(
            f"{field_label(field).capitalize()}: {problem}.", code=code, fields={field: [problem]}
        )
    return value  # type: ignore[no-any-return]


def check_optional_date(value: Any, *, field: str, code: str | None = None) -> date | None:
    return None if value is None else check_date(value, field=field, code=code)


def check_year(value: Any, *, field: str = "year", code: str | None = None) -> int:
    """A calendar year within the range (a fiscal year's first year, say)."""
    if isinstance(value, bool) or not isinstance(value, int):
        problem: str | None = "a year (a whole number)"
    else:
        problem = None if FIRST_DAY.year <= value <= LAST_DAY.year else YEAR_WORDS
    if problem:
        raise DomainError(
            f"{field_label(field).capitalize()}: {problem}.", code=code, fields={field: [problem]}
        )
    return int(value)
