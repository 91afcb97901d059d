"""The portal's records live in its sub-packages; Django reads them from here."""

from backoffice.portal.projects.models import ProjectRequest, Quote, QuoteLine, StandardRate

__all__ = ["ProjectRequest", "Quote", "QuoteLine", "StandardRate"]
