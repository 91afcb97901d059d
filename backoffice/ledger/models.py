"""The double-entry core: accounts, journal entries and their lines, balances, periods, rates.

Amounts are signed integers in the currency's minor unit: a debit is positive, a credit is
negative, so an entry balances when its lines sum to zero per currency and an account's
balance is the plain sum of its lines (positive = debit balance).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned, trigger_checked_tenant


class Currency(models.Model):
    """ISO 4217 reference data (seeded from the `iso4217` package); shared by all tenants."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    exponent = models.PositiveSmallIntegerField(help_text="Digits of the minor unit (USD 2)")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"

    def __str__(self) -> str:
        return self.code


class AccountType(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    INCOME = "income", "Income"
    EXPENSE = "expense", "Expense"


DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})


class Account(TenantOwned):
    """One account of a tenant's chart. Never deleted once a line uses it (PROTECT)."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=AccountType.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    currency = models.ForeignKey(
        Currency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="When set, only lines in this currency may post here.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="ledger_account_code_unique"),
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in AccountType]),
                name="ledger_account_type_valid",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="ledger_account_code_present"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="ledger_account_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_debit_normal(self) -> bool:
        return self.type in DEBIT_NORMAL


class JournalEntry(TenantOwned):
    """A posted, immutable journal entry. Corrections are reversing entries.

    Like the lines, its references are checked on PostgreSQL by one set-based statement
    trigger (tenant, author, and a reversed entry of the same tenant) instead of per-row
    deferred foreign-key triggers (migration 0004).
    """

    tenant = trigger_checked_tenant()
    date = models.DateField()
    memo = models.CharField(max_length=500, blank=True)
    source_ref = models.CharField(
        max_length=200, blank=True, help_text="Source document, e.g. INV-2026-0001"
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the content; tells a retry from reuse."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    posted_at = models.DateTimeField()
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ledger_entry_key_unique",
            ),
            models.UniqueConstraint(
                fields=["tenant", "reverses"],
                condition=Q(reverses__isnull=False),
                name="ledger_entry_reversed_once",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "date", "id"], name="ledger_entry_date")]

    def __str__(self) -> str:
        return f"JE {self.pk} {self.date} {self.memo}"

    @property
    def reversal(self) -> JournalEntry | None:
        return self.reversed_by.first()


class JournalLine(TenantOwned):
    """One posting: signed minor units, debit > 0, credit < 0. Immutable once written.

    `date` repeats the entry's date so that per-account reports read one index. The
    references carry no per-row foreign-key triggers (they cost more than the insert
    itself at bulk speed); on PostgreSQL one set-based statement trigger checks every new
    line's entry and account exist in the line's own tenant, and a deferred constraint
    trigger checks every touched entry balances at commit (migration 0002).
    """

    tenant = trigger_checked_tenant()
    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    line_no = models.PositiveSmallIntegerField()
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()
    date = models.DateField()
    memo = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["entry_id", "line_no"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_line_amount_nonzero"),
            models.UniqueConstraint(fields=["entry", "line_no"], name="ledger_line_no_unique"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "account", "date", "entry"], name="ledger_line_acct_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.currency} {self.amount}"

    @property
    def debit(self) -> int:
        return self.amount if self.amount > 0 else 0

    @property
    def credit(self) -> int:
        return -self.amount if self.amount < 0 else 0


class AccountBalance(TenantOwned):
    """Running balance per account and currency, kept in the posting transaction."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    currency = models.CharField(max_length=3)
    balance = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "currency"], name="ledger_balance_unique"
            )
        ]


class DailyBalance(TenantOwned):
    """Net movement of one account and currency on one date.

    Balance as of D = sum of `delta` up to D: reads one row per active day, never the lines,
    and a back-dated posting touches one row instead of every later day. Bulk posting
    inserts tens of thousands of these at once, so, like the lines, the references are
    checked by one set-based statement trigger (migration 0006) instead of per-row foreign
    key triggers, and the unique key serves as the only index.
    """

    tenant = trigger_checked_tenant()
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    currency = models.CharField(max_length=3)
    date = models.DateField()
    delta = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "currency", "date"], name="ledger_daily_unique"
            )
        ]


class FiscalYear(TenantOwned):
    name = models.CharField(max_length=50)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "start"], name="ledger_fy_start_unique"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="ledger_fy_order"),
        ]

    def __str__(self) -> str:
        return self.name


class Period(TenantOwned):
    """A month (usually) of a fiscal year; nothing posts into it while it is locked."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="periods")
    name = models.CharField(max_length=50)
    start = models.DateField()
    end = models.DateField()
    is_locked = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "start"], name="ledger_period_start_unique"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="ledger_period_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExchangeRate(TenantOwned):
    """1 unit of `base` = `rate` units of `quote` on `date` (major units)."""

    date = models.DateField()
    base = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    quote = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(max_digits=20, decimal_places=10)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "base", "quote", "date"], name="ledger_rate_unique"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="ledger_rate_positive"),
            models.CheckConstraint(condition=~Q(base=models.F("quote")), name="ledger_rate_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.base_id}/{self.quote_id} {self.date} {self.rate}"
