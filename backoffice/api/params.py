"""Field types for what endpoints take, with refusals in words: an id is a positive integer a
database key can hold (10**30 is a 422, not an overflow); a code is letters, digits, `-` and
`_` (said so, not as a regular expression); minutes are at most a year of them."""

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from backoffice.core.numbers import MAX_ID

MAX_MINUTES = 366 * 24 * 60
_CODE = re.compile(r"[-a-zA-Z0-9_]+")


def _code(value: str) -> str:
    if not _CODE.fullmatch(value):
        raise PydanticCustomError("code", "Use only letters, digits, '-' and '_'.")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Code = Annotated[
    str,
    Field(min_length=1, max_length=50, json_schema_extra={"pattern": f"^{_CODE.pattern}$"}),
    AfterValidator(_code),
]
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]
