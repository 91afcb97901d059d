"""Every error code project requests and quotes give their callers
(`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # A project request is incomplete: no name or description, a deadline in the past, a
    # service or engagement not the client's.
    INVALID_REQUEST = "invalid_request"
    # The request was already sent to the provider.
    REQUEST_NOT_DRAFT = "request_not_draft"
    # The request is accepted or withdrawn: it takes no more quotes, samples or changes.
    REQUEST_NOT_OPEN = "request_not_open"
    # A quote's terms or prices are unsound (negative prices, broken tiers, a past validity).
    INVALID_QUOTE = "invalid_quote"
    # The quote was already sent; it cannot be sent again.
    QUOTE_NOT_DRAFT = "quote_not_draft"
    # The quote was already accepted, declined or replaced by a newer one.
    QUOTE_ALREADY_DECIDED = "quote_already_decided"
    # The quote's validity date has passed.
    QUOTE_EXPIRED = "quote_expired"
    # A sample file is too large, empty, or of a type not accepted.
    INVALID_ATTACHMENT = "invalid_attachment"
    # A standard rate is unsound.
    INVALID_RATE = "invalid_rate"
