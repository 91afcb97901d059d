"""Changes to the ledger. Each is one transaction that writes its audit event.

Posting order (every path, so concurrent postings cannot deadlock): the period row (shared
lock on PostgreSQL), then the entry and its lines, then balance rows in (account id,
currency) order, then daily rows in (account id, currency, date) order, then the audit head.

One module per topic; the names below are the package's public interface (commerce, the
benchmarks and the tests import them from here).
"""

from backoffice.ledger.services.chart import apply_chart_template, create_account, update_account
from backoffice.ledger.services.periods import create_fiscal_year, set_period_lock
from backoffice.ledger.services.posting import BulkResult, bulk_post_entries, post_journal_entry
from backoffice.ledger.services.rates import set_exchange_rate
from backoffice.ledger.services.reversal import reverse_entry
from backoffice.ledger.services.validation import (
    MAX_BULK_ERRORS,
    MAX_LINES,
    EntryIn,
    LineIn,
    fingerprint,
    validate_entries,
)

__all__ = [
    "MAX_BULK_ERRORS",
    "MAX_LINES",
    "BulkResult",
    "EntryIn",
    "LineIn",
    "apply_chart_template",
    "bulk_post_entries",
    "create_account",
    "create_fiscal_year",
    "fingerprint",
    "post_journal_entry",
    "reverse_entry",
    "set_exchange_rate",
    "set_period_lock",
    "update_account",
    "validate_entries",
]
