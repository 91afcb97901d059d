"""Workforce: agents' states over time, their shifts, breaks and leave.

Every row belongs to the provider whose people they are (`tenant`): the delivery centre's
staff serve many clients, but their time is the provider's. Instants are stored in UTC;
a shift also keeps the agent's zone and the local day it starts on, so the schedule is
read and copied in the agent's own clock (see `timeline.shift_instants`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from backoffice.core.scoping import TenantOwned


class AgentState(models.TextChoices):
    AVAILABLE = "available", "Available"
    ON_BREAK = "on_break", "On break"
    TRAINING = "training", "Training"
    MEETING = "meeting", "Meeting"
    OFFLINE = "offline", "Offline"
    # Set by the product, never chosen: holding an item in progress, idle past the timeout.
    BUSY = "busy", "Busy (working an item)"
    AWAY = "away", "Away (idle)"


# What an agent may choose with one key, in the order of the keys 1 to 5.
AGENT_CHOSEN = (
    AgentState.AVAILABLE,
    AgentState.ON_BREAK,
    AgentState.TRAINING,
    AgentState.MEETING,
    AgentState.OFFLINE,
)


class Activity(models.TextChoices):
    """What a stretch inside a shift is scheduled for (the rest of a shift is work)."""

    BREAK = "break", "Break"
    TRAINING = "training", "Training"
    MEETING = "meeting", "Meeting"


class LeaveKind(models.TextChoices):
    ANNUAL = "annual", "Annual leave"
    SICK = "sick", "Sick leave"
    OTHER = "other", "Other leave"


class AgentProfile(TenantOwned):
    """One person on the provider's roster: their team, their zone and their country
    (whose public holidays they keep)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.CharField(max_length=100, help_text="Team or delivery centre")
    timezone = models.CharField(max_length=64, help_text="IANA zone of the agent's desk")
    country = models.CharField(max_length=2, help_text="ISO country code for public holidays")
    subdivision = models.CharField(max_length=10, blank=True, help_text="e.g. ENG, NSW")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team", "user__display_name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="workforce_profile_user"),
        ]
        indexes = [models.Index(fields=["tenant", "team"], name="workforce_profile_team")]

    def __str__(self) -> str:
        return f"{self.user} ({self.team})"


class StateInterval(TenantOwned):
    """One stretch of one agent in one state; `ended_at` is empty while it is current."""

    class Source(models.TextChoices):
        AGENT = "agent", "The agent"
        LEAD = "lead", "A team lead"
        PRODUCT = "product", "The product"

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=AgentState.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.AGENT)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "agent"],
                condition=Q(ended_at__isnull=True),
                name="workforce_state_one_open",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="workforce_state_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(state__in=AgentState.values), name="workforce_state_known"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "agent", "started_at"], name="workforce_state_agent"),
            models.Index(fields=["tenant", "started_at"], name="workforce_state_start"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} from {self.started_at:%Y-%m-%d %H:%M}"


class ShiftTemplate(TenantOwned):
    """A named shift pattern in local wall-clock time: start, end (earlier than the start
    means the next day), and breaks as `[{"start": "HH:MM", "minutes": 30}]`."""

    name = models.CharField(max_length=100)
    start = models.TimeField()
    end = models.TimeField()
    breaks = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="workforce_template_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"


class Shift(TenantOwned):
    """One agent's shift: its instants in UTC, and the zone and local day it was planned in.

    On PostgreSQL an exclusion constraint keeps one agent's shifts from overlapping and a
    check keeps each at most 24 hours (migration 0001); the services say both in words."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    timezone = models.CharField(max_length=64)
    local_day = models.DateField(help_text="The agent's local date the shift starts on")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    template = models.ForeignKey(
        ShiftTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="workforce_shift_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "agent", "starts_at"], name="workforce_shift_agent"),
            models.Index(fields=["tenant", "starts_at"], name="workforce_shift_start"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.local_day}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class ShiftActivity(TenantOwned):
    """A scheduled break, training or meeting inside a shift."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=Activity.choices, default=Activity.BREAK)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="workforce_activity_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%H:%M}"


class Leave(TenantOwned):
    """Days an agent is away on leave, both ends included, in the agent's own calendar."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    kind = models.CharField(max_length=10, choices=LeaveKind.choices, default=LeaveKind.ANNUAL)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["first_day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="workforce_leave_days"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "agent", "first_day"], name="workforce_leave_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.first_day}–{self.last_day}"


class BatchDeadline(TenantOwned):
    """A deadline on a batch of a client's work ("these 10,000 claims within 48 business
    hours"): an intake batch, or a campaign — the engagement's items received from
    `starts_at` on. Kept by the provider whose people must make it (`tenant`); the batch and
    the engagement are the client's rows, read under the lead's row-level security.

    Progress, projected completion and the people needed are computed when read
    (`planning.selectors.deadline_status`); `at_risk_since` is when the sweep (or the create)
    first saw the projection pass the deadline, and raised the alert."""

    name = models.CharField(max_length=200)
    engagement = models.ForeignKey(
        "work.Engagement", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    batch = models.ForeignKey(
        "work.IntakeBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    handle_minutes = models.DecimalField(
        max_digits=7, decimal_places=2, help_text="Work content of one item, in minutes"
    )
    shrinkage_percent = models.PositiveSmallIntegerField(default=30)
    occupancy_percent = models.PositiveSmallIntegerField(default=85)
    at_risk_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="workforce_deadline_name"),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("starts_at")), name="workforce_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(shrinkage_percent__lt=100), name="workforce_deadline_shrinkage"
            ),
            models.CheckConstraint(
                condition=Q(occupancy_percent__gte=1, occupancy_percent__lte=100),
                name="workforce_deadline_occupancy",
            ),
            models.CheckConstraint(
                condition=Q(handle_minutes__gt=0), name="workforce_deadline_handle_time"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "due_at"], name="workforce_deadline_due")]

    def __str__(self) -> str:
        return self.name
