"""Every error code the vault gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    REASON_REQUIRED = "reveal_reason_required"
    NOT_SENSITIVE = "not_sensitive"
    ROTATION_RUNNING = "rotation_running"
    KEY_DESTROYED = "key_destroyed"
    NO_KEY = "no_data_key"
    CONFIRMATION_REQUIRED = "confirmation_required"
    NOT_A_CLIENT = "not_a_client"
