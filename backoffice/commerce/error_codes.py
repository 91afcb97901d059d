"""Every error code commerce gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # parties
    INVALID_TAX_ID = "invalid_tax_id"
    # documents and their lines
    INVALID_LINES = "invalid_lines"
    INVALID_QUANTITY = "invalid_quantity"
    NO_RATE = "no_rate"
    DOCUMENT_IMMUTABLE = "document_immutable"
    DUPLICATE_REFERENCE = "duplicate_reference"
    OVER_SOURCE = "over_source"
    DEBIT_NOTE_SOURCE = "debit_note_source"
    # stock
    INSUFFICIENT_STOCK = "insufficient_stock"
    # payments, credit and refunds
    INVALID_AMOUNT = "invalid_amount"
    OVERPAYMENT = "overpayment"
    INVALID_ALLOCATIONS = "invalid_allocations"
    INVALID_CREDIT = "invalid_credit"
    CREDIT_UNDONE = "credit_undone"
    INVALID_REFUND = "invalid_refund"
    # the ledger refused a posting
    POSTING_REFUSED = "posting_refused"
    # output
    NOT_EXPORTABLE = "not_exportable"
    PDF_UNAVAILABLE = "pdf_unavailable"
