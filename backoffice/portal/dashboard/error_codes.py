"""Every error code the client dashboard and the member grants give their callers.

The values are API: clients branch on them, so they never change."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_A_CLIENT_MEMBER = "not_a_client_member"
    OWN_GRANTS = "own_grants"
    NO_ENGAGEMENT_CHOSEN = "no_engagement_chosen"
    UNKNOWN_ENGAGEMENT = "unknown_engagement"
    INVALID_PERIOD = "invalid_period"
