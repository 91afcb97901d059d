"""Project requests and their quotes, and the provider's standard rates per service.

A request is the client's ("we would like a new project", or a change to a running
engagement); its quotes are the provider's answer. Both rows belong to the provider
(`tenant`) and name the client (`client`), like billing's contracts: the provider's staff
see them through the tenant, the client's users through `client` (row-level security
admits either; only writes with the provider's tenant visible pass, see migration 0001).

Money is integer minor units of the quote's currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from backoffice.billing.models import ChargeModel, Metric
from backoffice.core.scoping import TenantOwned


class StandardRate(TenantOwned):
    """The provider's list price of one charge of a service type: what a quote starts from."""

    service_type = models.ForeignKey("work.ServiceType", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    model = models.CharField(max_length=10, choices=ChargeModel.choices, default="per_unit")
    unit_rate = models.BigIntegerField(default=0)
    per_units = models.PositiveIntegerField(default=1)
    free_units = models.DecimalField(default=0, max_digits=18, decimal_places=3)
    package_size = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=3)
    tiers = models.JSONField(
        default=list, help_text='[{"from_units": "0", "up_to": "1000", "unit_rate": 50}, ...]'
    )
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["service_type_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "service_type", "code"], name="portal_rate_code"
            ),
            models.CheckConstraint(
                condition=Q(unit_rate__gte=0) & Q(per_units__gte=1) & Q(free_units__gte=0),
                name="portal_rate_prices",
            ),
        ]

    def __str__(self) -> str:
        return self.name


REQUEST_STATUSES = ["draft", "submitted", "quoted", "accepted", "declined", "withdrawn"]


class ProjectRequest(TenantOwned):
    """A client's request for a new project, or for a change to a running engagement."""

    class Kind(models.TextChoices):
        NEW = "new", "New project"
        CHANGE = "change", "Change to a running engagement"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for a quote"
        QUOTED = "quoted", "Quote sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Quote declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default="new")
    title = models.CharField(max_length=200)
    service_type = models.ForeignKey(
        "work.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: something not in the catalogue",
    )
    engagement = models.ForeignKey(
        "work.Engagement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The engagement a change request changes; the one an accepted request made",
    )
    contract = models.ForeignKey(
        "billing.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField()
    expected_volume = models.PositiveIntegerField(null=True, blank=True)
    volume_unit = models.CharField(max_length=50, blank=True, help_text="e.g. invoices a month")
    deadline = models.DateField(null=True, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default="draft")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "submitted", "quoted", "accepted", "declined", "withdrawn"]
                ),
                name="portal_request_status",
            ),
            models.CheckConstraint(
                condition=Q(kind="new") | Q(engagement__isnull=False),
                name="portal_request_change_names_engagement",
            ),
            models.CheckConstraint(
                condition=~Q(tenant=F("client")), name="portal_request_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="portal_request_status_idx"),
            models.Index(fields=["tenant", "client"], name="portal_request_client_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def language_list(self) -> list[str]:
        return [x.strip() for x in self.languages.split(",") if x.strip()]


class Quote(TenantOwned):
    """The provider's price and terms for a request: draft → sent → accepted or declined
    (or withdrawn when a newer quote is sent). Sent quotes are frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Waiting for the client"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Replaced by a newer quote"

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    request = models.ForeignKey(ProjectRequest, on_delete=models.CASCADE, related_name="quotes")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default="draft")
    service_type = models.ForeignKey(
        "work.ServiceType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3)
    valid_until = models.DateField(help_text="The last day it may be accepted (client's zone)")
    setup_fee = models.BigIntegerField(default=0)
    minimum_commitment = models.BigIntegerField(default=0, help_text="Per month")
    recurring_fee = models.BigIntegerField(default=0, help_text="Per month")
    sla_minutes = models.PositiveIntegerField(help_text="Turnaround per item")
    sla_basis = models.CharField(max_length=10, default="business")
    sla_target_percent = models.PositiveSmallIntegerField(default=95)
    timezone = models.CharField(max_length=64, default="UTC")
    work_days = models.CharField(max_length=40, default="mon,tue,wed,thu,fri")
    day_start = models.TimeField(default="09:00")
    day_end = models.TimeField(default="17:00")
    holiday_country = models.CharField(max_length=2, blank=True)
    notes = models.TextField(blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "request", "number"], name="portal_quote_number"
            ),
            models.UniqueConstraint(
                fields=["tenant", "request"],
                condition=Q(status="accepted"),
                name="portal_quote_one_accepted",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "sent", "accepted", "declined", "withdrawn"]),
                name="portal_quote_status",
            ),
            models.CheckConstraint(
                condition=Q(setup_fee__gte=0)
                & Q(minimum_commitment__gte=0)
                & Q(recurring_fee__gte=0),
                name="portal_quote_fees",
            ),
            models.CheckConstraint(
                condition=Q(sla_minutes__gt=0)
                & Q(sla_target_percent__gte=1)
                & Q(sla_target_percent__lte=100),
                name="portal_quote_sla",
            ),
            models.CheckConstraint(
                condition=Q(day_end__gt=F("day_start")), name="portal_quote_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Quote {self.number}"

    @property
    def sla_hours(self) -> str:
        hours = self.sla_minutes / 60
        return f"{hours:g}"


class QuoteLine(TenantOwned):
    """One priced charge of a quote; it becomes a charge of the contract's rate card."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    model = models.CharField(max_length=10, choices=ChargeModel.choices, default="per_unit")
    unit_rate = models.BigIntegerField(default=0)
    per_units = models.PositiveIntegerField(default=1)
    free_units = models.DecimalField(default=0, max_digits=18, decimal_places=3)
    package_size = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=3)
    tiers = models.JSONField(default=list)

    class Meta:
        ordering = ["quote_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "quote", "code"], name="portal_line_code"),
            models.UniqueConstraint(
                fields=["tenant", "quote", "position"], name="portal_line_position"
            ),
            models.CheckConstraint(
                condition=Q(unit_rate__gte=0) & Q(per_units__gte=1) & Q(free_units__gte=0),
                name="portal_line_prices",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def sample_path(instance: RequestSample, filename: str) -> str:
    return f"portal/{instance.tenant_id}/requests/{instance.request_id}/{filename}"


class RequestSample(TenantOwned):
    """A sample file the client attached to a request (checked as work attachments are)."""

    client = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    request = models.ForeignKey(ProjectRequest, on_delete=models.CASCADE, related_name="samples")
    file = models.FileField(upload_to=sample_path, max_length=500)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request_id", "id"]
        indexes = [models.Index(fields=["tenant", "request"], name="portal_sample_request")]

    def __str__(self) -> str:
        return self.name
