"""The portal's records live in its sub-packages; Django reads them from here."""

from backoffice.portal.projects.models import (
    ProjectRequest,
    Quote,
    QuoteLine,
    RequestSample,
    StandardRate,
)

__all__ = ["ProjectRequest", "Quote", "QuoteLine", "RequestSample", "StandardRate"]
