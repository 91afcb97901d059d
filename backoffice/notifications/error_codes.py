"""Every error code the notifications app gives its callers. The values are API."""

from enum import StrEnum


class ErrorCode(StrEnum):
    # an email preference for a kind that does not exist, or a mode other than
    # immediately, digest or off
    INVALID_PREFERENCE = "invalid_preference"


class Refusal(StrEnum):
    """Why an inbound mail was not posted (the ingest command and the log name these)."""

    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"
    NO_REPLY_ADDRESS = "no_reply_address"
    FORGED_TOKEN = "forged_token"
    EXPIRED_TOKEN = "expired_token"
    UNKNOWN_SENDER = "unknown_sender"
    NO_ACCESS = "no_access"
    EMPTY = "empty"
    REJECTED = "rejected"
