"""Domain errors: services raise these; the API and the UI turn them into 4xx responses."""

from typing import Any


class DomainError(Exception):
    """A refused operation with a stable code, a message and field-level details."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ServiceUnavailable(DomainError):
    """The database did not answer (a restart, a failover); nothing was done: try again."""

    status = 503
    code = "service_unavailable"


def field_label(path: str) -> str:
    """A field path as people read it: `lines[0].unit_price` -> "line 1, unit price",
    `entries[2].date` -> "entry 3, date"; a plain name loses its underscores."""
    words = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        name = name.replace("_", " ")
        if index.rstrip("]").isdigit():
            singular = name[:-3] + "y" if name.endswith("ies") else name.removesuffix("s")
            words.append(f"{singular} {int(index.rstrip(']')) + 1}")
        elif words and name.isdigit():
            words[-1] = f"{words[-1]} {name}"
        else:
            words.append(name)
    return ", ".join(w for w in words if w) or path
