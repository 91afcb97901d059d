"""Commerce records: parties, products, taxes, stock, documents, payments.

Money is integer minor units of the row's currency; quantities are decimals (3 places).
A document's amounts are in its own currency; `rate` converts them into the tenant's
(functional) currency, which is the only currency the commerce postings use in the ledger.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned


class ValuationMethod(models.TextChoices):
    AVERAGE = "average", "Moving average"
    FIFO = "fifo", "FIFO"


class TaxRounding(models.TextChoices):
    LINE = "line", "Per line"
    DOCUMENT = "document", "Per document"


class CommerceSettings(TenantOwned):
    """One row per tenant; created with defaults on first use."""

    valuation = models.CharField(
        max_length=10, choices=ValuationMethod.choices, default=ValuationMethod.AVERAGE
    )
    allow_negative_stock = models.BooleanField(default=False)
    tax_rounding = models.CharField(
        max_length=10, choices=TaxRounding.choices, default=TaxRounding.LINE
    )

    class Meta:
        verbose_name_plural = "commerce settings"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="commerce_settings_one_per_tenant")
        ]


class PostingAccount(TenantOwned):
    """Tenant override of a posting rule: rule key -> ledger account code."""

    key = models.CharField(max_length=40)
    account_code = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="commerce_posting_key_unique")
        ]


class Party(TenantOwned):
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    is_customer = models.BooleanField(default=True)
    is_supplier = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    tax_id = models.CharField(max_length=40, blank=True, help_text="Compact form, validated")
    tax_scheme = models.CharField(
        max_length=30, blank=True, help_text="python-stdnum module that validated tax_id"
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    currency = models.CharField(max_length=3)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="commerce_party_code_unique"),
            models.CheckConstraint(
                condition=Q(is_customer=True) | Q(is_supplier=True),
                name="commerce_party_has_role",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "name"], name="commerce_party_name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TaxRate(TenantOwned):
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    rate = models.DecimalField(max_digits=7, decimal_places=4, help_text="Percent, e.g. 19")
    sales_account = models.CharField(max_length=20, blank=True)
    purchase_account = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="commerce_tax_code_unique"),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=1000), name="commerce_tax_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.rate}%)"


class ProductKind(models.TextChoices):
    STOCK = "stock", "Stock item"
    SERVICE = "service", "Service"


class Product(TenantOwned):
    sku = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ProductKind.choices)
    unit = models.CharField(max_length=20, default="pcs")
    sale_price = models.BigIntegerField(default=0, help_text="Minor units, tenant currency")
    cost = models.BigIntegerField(default=0, help_text="Purchase price, minor units")
    prices_include_tax = models.BooleanField(default=False)
    sales_taxes = models.ManyToManyField(
        TaxRate, blank=True, related_name="+", through="ProductSalesTax"
    )
    purchase_taxes = models.ManyToManyField(
        TaxRate, blank=True, related_name="+", through="ProductPurchaseTax"
    )
    revenue_account = models.CharField(max_length=20, blank=True)
    expense_account = models.CharField(max_length=20, blank=True)
    reorder_level = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="commerce_product_sku_unique"),
            models.CheckConstraint(
                condition=Q(sale_price__gte=0) & Q(cost__gte=0), name="commerce_product_prices"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def is_stock(self) -> bool:
        return self.kind == ProductKind.STOCK


class _ProductTax(TenantOwned):
    """A tax a product carries by default; the row has the product's tenant (RLS, sharding)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class ProductSalesTax(_ProductTax):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "product", "tax_rate"], name="commerce_product_sales_tax_unique"
            )
        ]


class ProductPurchaseTax(_ProductTax):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "product", "tax_rate"],
                name="commerce_product_purchase_tax_unique",
            )
        ]


class Warehouse(TenantOwned):
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="commerce_wh_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class Location(TenantOwned):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["warehouse__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "warehouse", "code"], name="commerce_location_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"


class DocKind(models.TextChoices):
    QUOTE = "quote", "Quotation"
    SALES_ORDER = "sales_order", "Sales order"
    DELIVERY = "delivery", "Delivery"
    INVOICE = "invoice", "Customer invoice"
    CREDIT_NOTE = "credit_note", "Credit note"
    PURCHASE_ORDER = "purchase_order", "Purchase order"
    GOODS_RECEIPT = "goods_receipt", "Goods receipt"
    BILL = "bill", "Supplier bill"
    DEBIT_NOTE = "debit_note", "Debit note"


SALES_KINDS = frozenset(
    {DocKind.QUOTE, DocKind.SALES_ORDER, DocKind.DELIVERY, DocKind.INVOICE, DocKind.CREDIT_NOTE}
)
POSTED_KINDS = frozenset({DocKind.INVOICE, DocKind.CREDIT_NOTE, DocKind.BILL, DocKind.DEBIT_NOTE})
# The note that corrects an invoice (a bill): once issued, what is open on it is the party's
# credit, which may settle a later document of that kind (services.apply_credit).
CREDIT_KINDS: dict[str, str] = {
    DocKind.INVOICE: DocKind.CREDIT_NOTE,
    DocKind.BILL: DocKind.DEBIT_NOTE,
}
OPEN_ITEM_KINDS = POSTED_KINDS


# Which document may be derived from which (services.create_from), and the reverse view.
DERIVATIONS: dict[str, set[str]] = {
    DocKind.SALES_ORDER: {DocKind.QUOTE},
    DocKind.DELIVERY: {DocKind.SALES_ORDER},
    DocKind.INVOICE: {DocKind.SALES_ORDER, DocKind.DELIVERY},
    DocKind.CREDIT_NOTE: {DocKind.INVOICE},
    DocKind.GOODS_RECEIPT: {DocKind.PURCHASE_ORDER},
    DocKind.BILL: {DocKind.PURCHASE_ORDER, DocKind.GOODS_RECEIPT},
    DocKind.DEBIT_NOTE: {DocKind.BILL},
}
DERIVABLE: dict[str, list[str]] = {
    src: [k for k, sources in DERIVATIONS.items() if src in sources] for src in DocKind.values
}


class DocStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    CANCELLED = "cancelled", "Cancelled"


class Document(TenantOwned):
    """Any commercial document. Drafts are editable; an issued document never changes
    again except its settled amounts (payments and credit notes)."""

    kind = models.CharField(max_length=20, choices=DocKind.choices)
    status = models.CharField(max_length=10, choices=DocStatus.choices, default=DocStatus.DRAFT)
    series = models.CharField(max_length=10)
    number = models.CharField(max_length=30, blank=True, help_text="Given when issued")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="documents")
    date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(
        max_digits=20, decimal_places=10, default=Decimal(1), help_text="1 doc unit = rate func."
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived"
    )
    reference = models.CharField(
        max_length=60, blank=True, help_text="The party's number (supplier invoice no., PO no.)"
    )
    notes = models.TextField(blank=True)
    prices_include_tax = models.BooleanField(default=False)
    tax_rounding = models.CharField(max_length=10, choices=TaxRounding.choices)
    net = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    gross = models.BigIntegerField(default=0)
    gross_functional = models.BigIntegerField(default=0)
    settled = models.BigIntegerField(default=0, help_text="Paid or credited, doc currency")
    settled_functional = models.BigIntegerField(default=0)
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "series", "number"],
                condition=~Q(number=""),
                name="commerce_doc_number_unique",
            ),
            models.UniqueConstraint(
                fields=["tenant", "party", "kind", "reference"],
                condition=Q(kind="bill") & ~Q(reference="") & ~Q(status="cancelled"),
                name="commerce_bill_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(settled__gte=0) & Q(settled__lte=models.F("gross")),
                name="commerce_doc_settled_range",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="commerce_doc_rate_positive"),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(number=""), name="commerce_doc_issued_numbered"
            ),
            # A debit note only exists against the bill it corrects (services.create_from).
            models.CheckConstraint(
                condition=~Q(kind="debit_note") | Q(source__isnull=False),
                name="commerce_debit_note_has_bill",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "kind", "date"], name="commerce_doc_kind_date"),
            models.Index(fields=["tenant", "party", "kind"], name="commerce_doc_party"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} draft {self.pk}"

    @property
    def open_amount(self) -> int:
        return self.gross - self.settled

    @property
    def is_issued(self) -> bool:
        return self.status == DocStatus.ISSUED


class DocumentLine(TenantOwned):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=3)
    unit_price = models.BigIntegerField(help_text="Minor units of the document currency")
    taxes = models.ManyToManyField(TaxRate, through="LineTax", related_name="+")
    net = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    gross = models.BigIntegerField(default=0)
    cost_value = models.BigIntegerField(
        null=True, blank=True, help_text="Stock value moved for this line, functional currency"
    )
    source_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["document_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["document", "line_no"], name="commerce_line_no_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="commerce_line_qty_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="commerce_line_price_nonnegative"
            ),
        ]


class LineTax(TenantOwned):
    line = models.ForeignKey(DocumentLine, on_delete=models.CASCADE, related_name="line_taxes")
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "tax_rate"], name="commerce_line_tax_unique")
        ]
        # A document's taxes are read by its line ids within the tenant: one index probe
        # whatever the statistics say (a tenant-only scan grows with the tenant's history).
        indexes = [models.Index(fields=["tenant", "line"], name="commerce_linetax_line")]


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DELIVERY = "delivery", "Delivery"
    TRANSFER = "transfer", "Transfer"
    ADJUSTMENT = "adjustment", "Adjustment"
    RETURN = "return", "Customer return"
    SUPPLIER_RETURN = "return_out", "Return to supplier"


class StockMove(TenantOwned):
    """One signed movement at one location: quantity > 0 in, < 0 out; value likewise.

    Stock on hand is the sum of quantities, stock value the sum of values (functional
    currency minor units). A transfer is a pair of moves with the same `group`.
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="moves")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=12, choices=MoveKind.choices)
    date = models.DateField()
    quantity = models.DecimalField(max_digits=18, decimal_places=3)
    unit_cost = models.DecimalField(max_digits=24, decimal_places=6, help_text="Minor units")
    value = models.BigIntegerField()
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="moves"
    )
    line = models.ForeignKey(
        DocumentLine, null=True, blank=True, on_delete=models.PROTECT, related_name="moves"
    )
    group = models.CharField(max_length=40, blank=True)
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="commerce_move_qty_nonzero"),
        ]
        indexes = [
            models.Index(fields=["tenant", "product", "location"], name="commerce_move_prod_loc"),
            models.Index(fields=["tenant", "date"], name="commerce_move_date"),
        ]


class ProductValuation(TenantOwned):
    """The running sum of a product's stock moves (all locations): quantity and value.

    Written in the same transaction as each move, under the product's row lock, so the
    moving-average cost of outgoing stock is read from one row instead of every move.
    Always equal to the sums over `StockMove` (the tests check it).
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "product"], name="commerce_valuation_one_per_product"
            )
        ]


class StockLevel(TenantOwned):
    """Quantity on hand of a product at one location: the running sum of its moves there.

    Written in the same transaction as each move, under the product's row lock, so the stock
    check before a delivery reads one row instead of summing the location's history. Always
    equal to the sum of `StockMove.quantity` per product and location (the tests check it).
    It may go below zero only where the tenant allows negative stock, so the database checks
    the key, not the sign.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "product", "location"], name="commerce_stock_level_unique"
            )
        ]


class PaymentDirection(models.TextChoices):
    RECEIVED = "in", "Received"
    MADE = "out", "Made"


class Payment(TenantOwned):
    """Money received from a customer (with a receipt number) or paid to a supplier."""

    direction = models.CharField(max_length=3, choices=PaymentDirection.choices)
    series = models.CharField(max_length=10)
    number = models.CharField(max_length=30)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10, default=Decimal(1))
    amount = models.BigIntegerField()
    unallocated = models.BigIntegerField(default=0, help_text="Kept as credit / advance")
    bank_account = models.CharField(max_length=20, blank=True, help_text="Ledger account code")
    reference = models.CharField(max_length=60, blank=True)
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "series", "number"], name="commerce_payment_number_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_payment_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0) & Q(unallocated__lte=models.F("amount")),
                name="commerce_payment_unallocated_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Allocation(TenantOwned):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="allocations")
    amount = models.BigIntegerField()
    amount_functional = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_alloc_positive"),
        ]


class CreditApplication(TenantOwned):
    """Credit a party already has, applied to a later open invoice or bill.

    The credit is either a payment's unallocated rest (a customer's overpayment, a supplier
    advance) or what is left open on a credit note (a supplier's debit note, for a bill; the
    `credit_note` field holds either). Amounts are in the shared currency of the source and
    the target; `source_functional` / `target_functional` are what the credit and the
    receivable (payable) were worth, and any difference is a realised exchange difference in
    `journal_entry`. An application is undone once (`reversed_at`), never deleted: both
    documents get their open amounts back and `reversal_entry` reverses `journal_entry`.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="credits")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="credits"
    )
    credit_note = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="credits_given"
    )
    date = models.DateField()
    amount = models.BigIntegerField()
    source_functional = models.BigIntegerField()
    target_functional = models.BigIntegerField()
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_on = models.DateField(null=True, blank=True, help_text="Ledger date of the undo")
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True, reversed_on__isnull=True)
                | Q(reversed_at__isnull=False, reversed_on__isnull=False),
                name="commerce_credit_reversal_dated",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_credit_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="commerce_credit_one_source",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "document"], name="commerce_credit_document"),
        ]


class Refund(TenantOwned):
    """Customer credit paid back: money out of a bank or cash account against receivables.

    The credit is a receipt's unallocated rest (an overpayment) or what is left open on a
    credit note, in its currency; `source_functional` is what that credit was worth, the bank
    pays `amount` at the refund's `rate`, and the difference is a realised exchange difference.
    """

    series = models.CharField(max_length=10)
    number = models.CharField(max_length=30)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    credit_note = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    date = models.DateField()
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10, default=Decimal(1))
    amount = models.BigIntegerField()
    source_functional = models.BigIntegerField()
    bank_account = models.CharField(max_length=20, help_text="Ledger account code")
    reference = models.CharField(max_length=60, blank=True)
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "series", "number"], name="commerce_refund_number_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_refund_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="commerce_refund_rate_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="commerce_refund_one_source",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "party"], name="commerce_refund_party")]

    def __str__(self) -> str:
        return self.number


class DocumentCounter(TenantOwned):
    """The last number given per series and year; locked FOR UPDATE while numbering."""

    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "series", "year"], name="commerce_counter_unique"
            )
        ]


class DocumentSeries(TenantOwned):
    """The prefix a kind of document is numbered under, when the tenant chose its own
    (otherwise `services.documents.SERIES`). A draft carries the prefix; the number is
    given when it is issued (`locks.next_number`), per prefix and year."""

    kind = models.CharField(max_length=20, choices=DocKind.choices)
    prefix = models.CharField(max_length=10)

    class Meta:
        verbose_name_plural = "document series"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind"], name="commerce_series_kind_unique"),
            models.UniqueConstraint(
                fields=["tenant", "prefix"], name="commerce_series_prefix_unique"
            ),
            models.CheckConstraint(condition=~Q(prefix=""), name="commerce_series_prefix_present"),
        ]

    def __str__(self) -> str:
        return self.prefix
