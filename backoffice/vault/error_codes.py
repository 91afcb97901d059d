"""Every error code the vault gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. The comment above each
member is its description in docs/api.md (`python -m backoffice.site.error_catalog`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # a reveal of a confidential value, or the destruction of keys, without a reason
    REASON_REQUIRED = "reveal_reason_required"
    # the field asked for is not a confidential field of the item (work's reveal)
    NOT_SENSITIVE = "not_sensitive"
    # a data-key rotation of that organization is still running
    ROTATION_RUNNING = "rotation_running"
    # the organization's data keys were destroyed: its confidential values are gone
    KEY_DESTROYED = "key_destroyed"
    # the organization has no data key yet (it never stored confidential data)
    NO_KEY = "no_data_key"
    # destroying keys needs the organization's name typed in `confirm`
    CONFIRMATION_REQUIRED = "confirmation_required"
