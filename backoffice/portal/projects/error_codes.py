"""Every error code project requests and quotes give their callers
(`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_REQUEST = "invalid_request"
    REQUEST_NOT_DRAFT = "request_not_draft"
    REQUEST_NOT_OPEN = "request_not_open"
    INVALID_QUOTE = "invalid_quote"
    QUOTE_NOT_DRAFT = "quote_not_draft"
    QUOTE_ALREADY_DECIDED = "quote_already_decided"
    QUOTE_NOT_SENT = "quote_not_sent"
    QUOTE_EXPIRED = "quote_expired"
    INVALID_ATTACHMENT = "invalid_attachment"
    INVALID_RATE = "invalid_rate"
