"""Posting rules and the one adapter to the ledger.

Each document type posts to accounts named by rule keys (`invoice.receivable`, ...). A
tenant may override any key (`PostingAccount`); otherwise the default code from the chart
template applies (the codes of `ledger.charts.GENERAL`). Products and tax rates may name
their own revenue/expense/tax accounts, which win over the rule.

All commerce postings are in the tenant's functional currency: foreign-currency documents
are converted at the document's rate before they reach the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import PostingAccount
from backoffice.core.errors import DomainError
from backoffice.ledger import services as ledger
from backoffice.ledger.models import Account, JournalEntry
from backoffice.tenancy.models import Organization, User

DEFAULT_ACCOUNTS: dict[str, tuple[str, str]] = {
    # key: (default code in the general chart, what it is for)
    "invoice.receivable": ("1200", "Customer invoices: receivable (debit)"),
    "invoice.revenue": ("4100", "Customer invoices: revenue from stock items (credit)"),
    "invoice.service_revenue": ("4200", "Customer invoices: revenue from services (credit)"),
    "invoice.tax": ("2200", "Customer invoices: output tax (credit)"),
    "invoice.cogs": ("5000", "Customer invoices: cost of goods sold (debit)"),
    "invoice.inventory": ("1300", "Customer invoices: inventory relieved (credit)"),
    "bill.payable": ("2100", "Supplier bills: payable (credit)"),
    "bill.inventory": ("1300", "Supplier bills: stock items bought (debit)"),
    "bill.expense": ("6400", "Supplier bills: services and other costs (debit)"),
    "bill.tax": ("2200", "Supplier bills: input tax (debit)"),
    # The general chart has no price-difference account: the variance is a cost of the goods
    # bought, so it defaults to cost of goods sold (a tenant may point it at its own account).
    "bill.price_difference": (
        "5000",
        "Supplier bills: price difference to the goods-receipt cost (debit more, credit less)",
    ),
    "payment.bank": ("1120", "Payments: bank account"),
    "payment.customer_credit": ("1200", "Payments: customer overpayment kept as credit"),
    "payment.supplier_advance": ("2100", "Payments: supplier overpayment kept as advance"),
    "fx.difference": ("8000", "Realised exchange differences"),
    "rounding": ("7900", "Rounding differences"),
}


def account_for(tenant: Organization, key: str, *, override: str = "") -> str:
    """The ledger account code a rule key posts to for this tenant."""
    if override:
        return override
    if key not in DEFAULT_ACCOUNTS:
        raise DomainError(f"Unknown posting rule {key!r}.", fields={"key": ["unknown"]})
    found = PostingAccount.objects.for_tenant(tenant).filter(key=key).first()
    return found.account_code if found else DEFAULT_ACCOUNTS[key][0]


def rules(tenant: Organization) -> dict[str, str]:
    overrides = dict(PostingAccount.objects.for_tenant(tenant).values_list("key", "account_code"))
    return {key: overrides.get(key, code) for key, (code, _) in DEFAULT_ACCOUNTS.items()}


def account_exists(tenant: Organization, code: str) -> bool:
    return Account.objects.for_tenant(tenant).filter(code=code, is_active=True).exists()


@dataclass
class Journal:
    """Lines of one commerce posting, collected by account code (debit > 0)."""

    lines: dict[str, int]

    @classmethod
    def new(cls) -> Journal:
        return cls(lines=defaultdict(int))

    def debit(self, account: str, amount: int) -> None:
        self.lines[account] += amount

    def credit(self, account: str, amount: int) -> None:
        self.lines[account] -= amount

    def balance_to(self, account: str) -> None:
        """Put whatever does not balance (rounding, exchange difference) on `account`."""
        total = sum(self.lines.values())
        if total:
            self.lines[account] -= total


def post(
    *,
    tenant: Organization,
    actor: User | None,
    day: date,
    memo: str,
    source_ref: str,
    journal: Journal,
    idempotency_key: str,
) -> JournalEntry | None:
    """The adapter: hand one balanced posting to the ledger's public service.

    Returns None when every line nets to zero (e.g. a zero-value document). Raises the
    ledger's DomainError (unknown account, locked period, ...) so the caller's transaction
    rolls back and nothing is written.
    """
    lines = [
        ledger.LineIn(account=code, amount=amount, currency=tenant.currency)
        for code, amount in sorted(journal.lines.items())
        if amount
    ]
    if not lines:
        return None
    entry = ledger.EntryIn(
        date=day,
        lines=lines,
        memo=memo[:500],
        source_ref=source_ref[:200],
        idempotency_key=idempotency_key,
    )
    try:
        return ledger.post_journal_entry(tenant=tenant, actor=actor, entry=entry)
    except DomainError as exc:
        raise DomainError(
            f"Posting to the ledger was refused: {exc.message}",
            code=ErrorCode.POSTING_REFUSED,
            fields={f"ledger.{k}": v for k, v in exc.fields.items()}
            | {"accounts": [f"{c}: {a}" for c, a in sorted(journal.lines.items()) if a]},
        ) from exc
