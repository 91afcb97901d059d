"""Every error code billing gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_CONTRACT = "invalid_contract"
    ENGAGEMENT_COVERED = "engagement_covered"
    CURRENCY_NOT_IN_CLIENT_BOOKS = "currency_not_in_client_books"
    INVALID_RATE_CARD = "invalid_rate_card"
    VERSIONS_OVERLAP = "versions_overlap"
    INVALID_PERIOD = "invalid_period"
    PERIOD_LOCKED = "period_locked"
    INVOICE_NOT_DRAFT = "invoice_not_draft"
    ALREADY_APPROVED = "already_approved"
    NOT_APPROVED = "not_approved"
    ALREADY_ISSUED = "already_issued"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_CREDIT = "invalid_credit"
