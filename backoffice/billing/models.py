"""Billing: contracts and their rate-card versions, billing runs, billing invoices, usage.

Every row belongs to the provider that bills (`tenant`) and names the client it bills
(`client`): the provider's staff see their rows through the tenant, the client's users see
their own through `client` (row-level security admits either, see migration 0001).

Money is integer minor units of the contract's currency. Quantities are decimals with
three places (hours and audio minutes are fractional).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from backoffice.core.scoping import TenantOwned, trigger_checked_tenant


class Metric(models.TextChoices):
    """What a charge counts, all read from the immutable work log (see `metering`)."""

    ITEMS = "items", "Items completed"
    FIELDS = "fields", "Fields keyed"
    CHARACTERS = "characters", "Characters keyed"
    PAGES = "pages", "Pages"
    LINES = "lines", "Lines"
    AUDIO_MINUTES = "audio_minutes", "Audio minutes"
    HANDLE_HOURS = "handle_hours", "Handle hours"
    AFTER_HOURS_ITEMS = "after_hours_items", "Items done outside business hours"


class ChargeModel(models.TextChoices):
    PER_UNIT = "per_unit", "Per unit"
    GRADUATED = "graduated", "Graduated tiers"
    VOLUME = "volume", "Volume tiers"
    PACKAGE = "package", "Package"


class ServiceLevelMetric(models.TextChoices):
    ON_TIME = "on_time", "Items done within the due time (%)"
    FIELD_ACCURACY = "field_accuracy", "Field accuracy from QA (%)"


class Contract(TenantOwned):
    """What a provider bills one client for: currency, terms, the engagements it covers."""

    class Period(models.TextChoices):
        MONTHLY = "monthly", "Monthly"

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    billing_period = models.CharField(max_length=10, choices=Period.choices, default="monthly")
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="The client's business-calendar zone: periods"
    )
    calendar = models.ForeignKey(
        "work.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The client's business hours (work outside them may carry a surcharge)",
    )
    bill_cancelled_items = models.BooleanField(default=False)
    customer = models.ForeignKey(
        "commerce.Party", on_delete=models.PROTECT, related_name="+", help_text="Who is invoiced"
    )
    tax_code = models.CharField(max_length=20, blank=True, help_text="Sales tax on every line")
    retainer_account = models.CharField(
        max_length=20, blank=True, help_text="Liability account holding the prepaid retainer"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="billing_contract_code"),
            models.CheckConstraint(
                condition=Q(billing_period="monthly"), name="billing_contract_period"
            ),
            models.CheckConstraint(
                condition=~Q(tenant=F("client")), name="billing_contract_not_self"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "client"], name="billing_contract_client")]

    def __str__(self) -> str:
        return self.name


class ContractEngagement(TenantOwned):
    """An engagement a contract covers. One contract per engagement: its work is billed once."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="covered")
    engagement = models.ForeignKey("work.Engagement", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "engagement"], name="billing_engagement_one_contract"
            ),
        ]


class ContractVersion(TenantOwned):
    """The contract's rate card from `effective_from` to `effective_to` (both included,
    dates in the contract's zone; open-ended when `effective_to` is empty). Versions of one
    contract never overlap (service check; an exclusion constraint on PostgreSQL)."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    minimum_commitment = models.BigIntegerField(default=0, help_text="Per period, minor units")
    recurring_fee = models.BigIntegerField(default=0, help_text="Per period, minor units")
    recurring_label = models.CharField(max_length=200, blank=True)
    setup_fee = models.BigIntegerField(default=0, help_text="Once, on the first invoice")
    at_risk_percent = models.DecimalField(default=0, max_digits=7, decimal_places=3)
    pool_cap_percent = models.DecimalField(default=0, max_digits=7, decimal_places=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract_id", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contract", "number"], name="billing_ver_no"),
            models.UniqueConstraint(
                fields=["tenant", "contract", "effective_from"], name="billing_ver_from"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="billing_ver_dates",
            ),
            models.CheckConstraint(
                condition=Q(minimum_commitment__gte=0)
                & Q(recurring_fee__gte=0)
                & Q(setup_fee__gte=0),
                name="billing_ver_fees",
            ),
            models.CheckConstraint(
                condition=Q(at_risk_percent__gte=0, at_risk_percent__lte=100)
                & Q(pool_cap_percent__gte=0, pool_cap_percent__lte=100),
                name="billing_ver_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} from {self.effective_from}"


class Charge(TenantOwned):
    """One priced metric of a version. Charges of different versions with the same `code`
    are the same charge at different rates: their units share one tier ladder per period."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="charges")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    model = models.CharField(max_length=10, choices=ChargeModel.choices, default="per_unit")
    engagement = models.ForeignKey(
        "work.Engagement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Only this engagement's work (empty: every engagement of the contract)",
    )
    min_priority = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Only items of this priority or higher (rush)"
    )
    unit_rate = models.BigIntegerField(default=0, help_text="Minor units per `per_units` units")
    per_units = models.PositiveIntegerField(default=1)
    free_units = models.DecimalField(default=0, max_digits=18, decimal_places=3)
    package_size = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=3)
    product = models.ForeignKey(
        "commerce.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Its revenue account books this service's revenue",
    )

    class Meta:
        ordering = ["version_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "version", "code"], name="billing_charge_code"
            ),
            models.CheckConstraint(condition=Q(unit_rate__gte=0), name="billing_charge_rate"),
            models.CheckConstraint(condition=Q(per_units__gte=1), name="billing_charge_per"),
            models.CheckConstraint(condition=Q(free_units__gte=0), name="billing_charge_free"),
            models.CheckConstraint(
                condition=(Q(model="package") & Q(package_size__gt=0))
                | (~Q(model="package") & Q(package_size__isnull=True)),
                name="billing_charge_package",
            ),
            models.CheckConstraint(
                condition=Q(min_priority__isnull=True) | Q(min_priority__lte=9),
                name="billing_charge_priority",
            ),
            models.CheckConstraint(
                condition=Q(metric__in=Metric.values), name="billing_charge_metric"
            ),
            models.CheckConstraint(
                condition=Q(model__in=ChargeModel.values), name="billing_charge_model"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChargeTier(TenantOwned):
    """Units [from_units, up_to) of a tiered charge; the last tier is open (`up_to` empty).
    The service keeps the tiers contiguous from zero; the database keeps each one sound."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    charge = models.ForeignKey(Charge, on_delete=models.CASCADE, related_name="tiers")
    from_units = models.DecimalField(max_digits=18, decimal_places=3)
    up_to = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=3)
    unit_rate = models.BigIntegerField(help_text="Minor units per the charge's `per_units`")
    flat_fee = models.BigIntegerField(default=0, help_text="Once when the tier is reached")

    class Meta:
        ordering = ["charge_id", "from_units"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "charge", "from_units"], name="billing_tier_from"
            ),
            models.UniqueConstraint(
                fields=["tenant", "charge"],
                condition=Q(up_to__isnull=True),
                name="billing_tier_one_open",
            ),
            models.CheckConstraint(condition=Q(from_units__gte=0), name="billing_tier_from_pos"),
            models.CheckConstraint(
                condition=Q(up_to__isnull=True) | Q(up_to__gt=F("from_units")),
                name="billing_tier_range",
            ),
            models.CheckConstraint(
                condition=Q(unit_rate__gte=0) & Q(flat_fee__gte=0), name="billing_tier_prices"
            ),
        ]


class ServiceLevel(TenantOwned):
    """A service level of an engagement in a version, with its share of the at-risk fee."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    version = models.ForeignKey(
        ContractVersion, on_delete=models.CASCADE, related_name="service_levels"
    )
    engagement = models.ForeignKey("work.Engagement", on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(max_length=20, choices=ServiceLevelMetric.choices)
    target_percent = models.DecimalField(max_digits=7, decimal_places=3)
    allocation_percent = models.DecimalField(max_digits=7, decimal_places=3)
    earn_back = models.BooleanField(
        default=False, help_text="A credit is returned when the next period meets the target"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "version", "engagement", "metric"], name="billing_sl_unique"
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gt=0, target_percent__lte=100)
                & Q(allocation_percent__gte=0, allocation_percent__lte=100),
                name="billing_sl_percent",
            ),
            models.CheckConstraint(
                condition=Q(metric__in=ServiceLevelMetric.values), name="billing_sl_metric"
            ),
        ]


class BillingRun(TenantOwned):
    """One run over a period, for one client or all. Running a period again resumes it:
    contracts already invoiced are skipped (their invoices are unique per period)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    client = models.ForeignKey(
        "tenancy.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    period = models.DateField(help_text="First day of the billed month")
    status = models.CharField(max_length=10, choices=Status.choices, default="running")
    contracts_total = models.PositiveIntegerField(default=0)
    contracts_done = models.PositiveIntegerField(default=0)
    invoices_created = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "done", "failed"]), name="billing_run_status"
            ),
            models.CheckConstraint(
                condition=Q(contracts_done__lte=F("contracts_total")), name="billing_run_progress"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "period"], name="billing_run_period")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}"

    @property
    def progress_percent(self) -> int:
        if not self.contracts_total:
            return 100 if self.status == self.Status.DONE else 0
        return 100 * self.contracts_done // self.contracts_total


class BillingInvoice(TenantOwned):
    """A contract's bill for one period: draft → approved → issued, with its usage lines.

    Issuing posts the commerce invoice (`document`) in the provider's books, a credit note
    for the SLA credits (`credit_note`), the retainer drawn down (`retainer_payment`) and,
    when the client keeps its books here, the matching bill in them (`client_bill`, with
    `client_debit_note` for the credits).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        ISSUED = "issued", "Issued"

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices")
    run = models.ForeignKey(
        BillingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    period = models.DateField(help_text="First day of the billed month")
    status = models.CharField(max_length=10, choices=Status.choices, default="draft")
    currency = models.CharField(max_length=3)
    charges_total = models.BigIntegerField(default=0, help_text="Lines before credits")
    credits_total = models.BigIntegerField(default=0, help_text="SLA credits, positive")
    retainer_drawn = models.BigIntegerField(default=0)
    document = models.ForeignKey(
        "commerce.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_note = models.ForeignKey(
        "commerce.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retainer_payment = models.ForeignKey(
        "commerce.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_bill = models.ForeignKey(
        "commerce.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_debit_note = models.ForeignKey(
        "commerce.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "-id"]
        constraints = [
            # The one rule that makes a re-run write nothing: one bill per contract and month.
            models.UniqueConstraint(
                fields=["tenant", "contract", "period"], name="billing_invoice_period"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "approved", "issued"]),
                name="billing_invoice_status",
            ),
            models.CheckConstraint(
                condition=Q(credits_total__gte=0) & Q(retainer_drawn__gte=0),
                name="billing_invoice_amounts",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "client", "period"], name="billing_invoice_client"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.period:%Y-%m}"

    @property
    def total(self) -> int:
        """What the client owes for the period: charges less credits."""
        return self.charges_total - self.credits_total


class UsageLine(TenantOwned):
    """One line of a usage statement: a charge at one version's rates, a fee, a true-up, an
    SLA credit (negative) or an adjustment. `detail` keeps the tiers applied or the measured
    service level; the billed items behind a usage line are its drill-down."""

    class Kind(models.TextChoices):
        USAGE = "usage", "Usage"
        RECURRING = "recurring", "Recurring fee"
        SETUP = "setup", "Setup fee"
        MINIMUM = "minimum", "Minimum commitment true-up"
        SLA_CREDIT = "sla_credit", "Service-level credit"
        EARN_BACK = "earn_back", "Service-level credit earned back"
        ADJUSTMENT = "adjustment", "Adjustment"

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    invoice = models.ForeignKey(BillingInvoice, on_delete=models.CASCADE, related_name="lines")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    line_no = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.CharField(max_length=300)
    version = models.ForeignKey(
        ContractVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charge = models.ForeignKey(
        Charge, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_level = models.ForeignKey(
        ServiceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(max_length=20, blank=True)
    quantity = models.DecimalField(default=0, max_digits=18, decimal_places=3)
    amount = models.BigIntegerField(help_text="Minor units; credits are negative")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["invoice_id", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "invoice", "line_no"], name="billing_line_no"
            ),
            # A setup fee is billed once per contract, whatever runs happen.
            models.UniqueConstraint(
                fields=["tenant", "contract"], condition=Q(kind="setup"), name="billing_setup_once"
            ),
            models.CheckConstraint(
                condition=~Q(kind="sla_credit") | Q(amount__lte=0), name="billing_credit_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["adjustment", "sla_credit"]) | Q(amount__gte=0),
                name="billing_charge_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class BilledItem(TenantOwned):
    """A completed (or, when billable, cancelled) work item on the invoice that billed it.

    The unique `item` is what makes double billing impossible: whatever runs happen, in
    whatever order, an item's completion is billed once. The measures are copied from the
    work log when the item is billed, so the statement never changes with later edits.
    """

    # Written a month of work at a time by one INSERT ... SELECT from rows the statement
    # reads (the invoice's tenant, the item's client, engagement and version): like the work
    # log, no per-row foreign-key checks on those references (each costs every row at
    # commit); the invoice keeps its foreign key.
    tenant = trigger_checked_tenant()
    client = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    invoice = models.ForeignKey(
        BillingInvoice, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    item = models.ForeignKey(
        "work.WorkItem", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    engagement = models.ForeignKey(
        "work.Engagement",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        ContractVersion,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    completed_at = models.DateTimeField()
    state = models.CharField(max_length=20)
    priority = models.PositiveSmallIntegerField()
    after_hours = models.BooleanField(default=False)
    fields_keyed = models.IntegerField(default=0)
    characters_keyed = models.IntegerField(default=0)
    pages = models.DecimalField(default=0, max_digits=18, decimal_places=3)
    lines = models.DecimalField(default=0, max_digits=18, decimal_places=3)
    audio_minutes = models.DecimalField(default=0, max_digits=18, decimal_places=3)
    handle_seconds = models.DecimalField(default=0, max_digits=18, decimal_places=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "item"], name="billing_item_billed_once"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "invoice", "version", "engagement"], name="billing_item_invoice"
            ),
        ]


class RetainerMovement(TenantOwned):
    """Prepaid retainer: money received ahead (a liability of the provider, never revenue
    on receipt) and drawn down against issued invoices. The balance is receipts less
    drawdowns, and the ledger's retainer account moves by the same amounts."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Received"
        DRAWDOWN = "drawdown", "Drawn down"

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="retainer")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    day = models.DateField()
    amount = models.BigIntegerField()
    invoice = models.ForeignKey(
        BillingInvoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        "commerce.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_retainer_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=["receipt", "drawdown"]), name="billing_retainer_kind"
            ),
            models.CheckConstraint(
                condition=~Q(kind="drawdown") | Q(invoice__isnull=False),
                name="billing_drawdown_has_invoice",
            ),
            models.UniqueConstraint(
                fields=["tenant", "invoice"],
                condition=Q(kind="drawdown"),
                name="billing_drawdown_once",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "contract"], name="billing_retainer_contract")]


class Dispute(TenantOwned):
    """A credit against an issued billing invoice (part or all of it), with its reason:
    a credit note in the provider's books and, when the client keeps books here, the
    matching debit note in theirs."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    invoice = models.ForeignKey(BillingInvoice, on_delete=models.PROTECT, related_name="disputes")
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=300)
    credit_note = models.ForeignKey("commerce.Document", on_delete=models.PROTECT, related_name="+")
    client_debit_note = models.ForeignKey(
        "commerce.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_dispute_positive"),
        ]
