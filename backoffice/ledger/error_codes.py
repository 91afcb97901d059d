"""Every error code the ledger raises beyond the plain ones (`invalid`, `not_found`,
`conflict`, `forbidden` of `core.errors`), named once.

The codes are part of the API (`{"error": {"code": …}}`; docs/api.md lists them) and
clients branch on them, so a code never changes once shipped. `ErrorCode` is a `StrEnum`:
each member is the plain string it names and serialises exactly as the literal did.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # posting (400): the entry's fields, or a batch's (keyed `entries[i].…`)
    INVALID_ENTRY = "invalid_entry"
    INVALID_ENTRIES = "invalid_entries"
    PERIOD_LOCKED = "period_locked"
    # 409: an idempotency key already names other content; an entry is reversed once
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    ALREADY_REVERSED = "already_reversed"
