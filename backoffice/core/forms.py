"""Small helpers shared by every app's form-handling views."""

from datetime import date

from django.contrib import messages
from django.http import HttpRequest

from backoffice.core.errors import DomainError, field_label


def date_or_none(value: str | None) -> date | None:
    """A form's ISO date, or None when it is empty or not a date."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def flash_domain_error(request: HttpRequest, exc: DomainError) -> None:
    """The refusal as one message, each field named in words ("Line 1, quantity: …")."""
    detail = "; ".join(
        f"{field_label(k).capitalize()}: {', '.join(map(str, v))}" for k, v in exc.fields.items()
    )
    messages.error(request, f"{exc.message} {detail}".strip())
