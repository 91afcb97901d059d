"""Every error code the delivery app gives its callers (`{"error": {"code": ...}}`).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    TARGET_REFUSED = "target_refused"
    INVALID_EVENTS = "invalid_events"
    ENDPOINT_EXISTS = "endpoint_exists"
    NOT_A_CLIENT = "not_a_client"
    INVALID_EXPORT = "invalid_export"
    INVALID_GRACE = "invalid_grace"
    ENDPOINT_INACTIVE = "endpoint_inactive"
