"""Text the databases cannot store, found before any query runs: the NUL character
(PostgreSQL text refuses it) and lone UTF-16 surrogates (not characters at all; neither
database can encode them). HTTP requests are checked as a whole by
`api.middleware.InputTextMiddleware`; services that read text from elsewhere (files, the
command line) call `check_text` or `text_problem` on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from backoffice.core.errors import DomainError, field_label

NUL_MESSAGE = "must not contain NUL characters"
SURROGATE_MESSAGE = "must be valid Unicode text"

# In a JSON body, NUL and lone surrogates can only arrive escaped (\u0000, \ud800):
# a body without these bytes needs no closer look.
JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def text_problem(text: str) -> str | None:
    """What is wrong with `text` for storage, in words, or None."""
    if "\x00" in text:
        return NUL_MESSAGE
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def check_text(value: str, *, field: str, code: str | None = None) -> str:
    """`value` unchanged, or a DomainError naming `field`."""
    problem = text_problem(value)
    if problem:
        raise DomainError(
            f"{field_label(field).capitalize()} {problem}.", code=code, fields={field: [problem]}
        )
    return value


def printable(name: str) -> str:
    """A field name that itself holds bad text, made safe to show and to encode."""
    return "".join(
        "\N{REPLACEMENT CHARACTER}" if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in name
    )


def first_bad_pair(pairs: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (field, problem) among (name, value) pairs, e.g. query parameters."""
    for name, value in pairs:
        problem = text_problem(name) or text_problem(value)
        if problem:
            return printable(name), problem
    return None


def first_bad_json(value: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """The first (dotted path, problem) of a string or key in parsed JSON (`lines.0.memo`)."""
    if isinstance(value, str):
        problem = text_problem(value)
        return (".".join(path) or "body", problem) if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key)
            if problem:
                return ".".join((*path, printable(key))), problem
            found = first_bad_json(item, (*path, key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_bad_json(item, (*path, str(index)))
            if found:
                return found
    return None
