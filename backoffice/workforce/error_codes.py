"""Every error code workforce gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_A_PROVIDER = "workforce_provider_only"
    INVALID_STATE = "invalid_state"
    INVALID_SHIFT = "invalid_shift"
    SHIFT_TOO_LONG = "shift_too_long"
    SHIFTS_OVERLAP = "shifts_overlap"
    ON_LEAVE = "agent_on_leave"
    INVALID_TEMPLATE = "invalid_template"
    INVALID_LEAVE = "invalid_leave"
    INVALID_PROFILE = "invalid_profile"
