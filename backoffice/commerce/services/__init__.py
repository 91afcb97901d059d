"""Changes to commerce records. Each public function is one transaction with its audit event.

Split by action: parties_products (settings, posting rules, parties, taxes, products,
locations), stock (moves, adjustments, transfers), documents (draft, edit, issue, cancel),
derive (the next document of a flow), document_posting (an issued document's ledger
posting), payments, credit (apply and undo), refunds. Every service takes its row locks
through `commerce.locks`, in the order written there, and ends with the one posting tail
(`_tail.post_and_record`) or records its event (`commerce.events`) directly.

`from backoffice.commerce import services; services.issue_document(...)` keeps working:
the public functions are re-exported here.
"""

from backoffice.commerce.locks import next_number
from backoffice.commerce.services.credit import apply_credit, unapply_credit
from backoffice.commerce.services.derive import create_from
from backoffice.commerce.services.documents import (
    SERIES,
    LineSpec,
    cancel_document,
    create_document,
    issue_document,
    update_document,
)
from backoffice.commerce.services.parties_products import (
    EU,
    PARTY_FIELDS,
    PARTY_TEXT_FIELDS,
    create_location,
    create_party,
    create_product,
    create_tax_rate,
    default_location,
    get_settings,
    set_posting_account,
    update_party,
    update_settings,
    validate_tax_id,
)
from backoffice.commerce.services.payments import PAYMENT_SERIES, pay_document, record_payment
from backoffice.commerce.services.refunds import REFUND_SERIES, refund_credit
from backoffice.commerce.services.stock import adjust_stock, transfer_stock
from backoffice.core.errors import DomainError

__all__ = [
    "EU",
    "PARTY_FIELDS",
    "PARTY_TEXT_FIELDS",
    "PAYMENT_SERIES",
    "REFUND_SERIES",
    "SERIES",
    "DomainError",
    "LineSpec",
    "adjust_stock",
    "apply_credit",
    "cancel_document",
    "create_document",
    "create_from",
    "create_location",
    "create_party",
    "create_product",
    "create_tax_rate",
    "default_location",
    "get_settings",
    "issue_document",
    "next_number",
    "pay_document",
    "record_payment",
    "refund_credit",
    "set_posting_account",
    "transfer_stock",
    "unapply_credit",
    "update_document",
    "update_party",
    "update_settings",
    "validate_tax_id",
]
