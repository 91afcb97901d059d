"""Every error code the reports app returns, named once (part of the API: never renamed)."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # The reports are read in the provider's account, not a client's.
    NOT_A_PROVIDER = "reports_not_a_provider"
    # A filter (dates, client, engagement, team) is not valid or the period is too long.
    BAD_FILTER = "reports_bad_filter"
