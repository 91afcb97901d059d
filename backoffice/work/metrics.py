"""Team leads' figures: QA accuracy, per agent and engagement, over a period.

Reads only, always through `selectors.work_tenant_ids` (the clients the caller may see).
A period is a range of local dates in the viewer's time zone, both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum

from backoffice.core.errors import DomainError
from backoffice.tenancy.models import User
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors
from backoffice.work.models import QaReview


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None
    tz: str = "UTC"

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """[from, to) in aware datetimes: local midnight of start, midnight after end."""
        zone = ZoneInfo(self.tz)
        lo = datetime.combine(self.start, time.min, zone) if self.start else None
        hi = datetime.combine(self.end + timedelta(days=1), time.min, zone) if self.end else None
        return lo, hi


def period_for(access: TenantAccess, start: date | None, end: date | None) -> Period:
    if start and end and start > end:
        raise DomainError(
            "The period ends before it starts.", fields={"end": ["on or after the start"]}
        )
    return Period(start, end, access.user.timezone or "UTC")


def _filter_period(qs: Any, column: str, period: Period) -> Any:
    lo, hi = period.bounds()
    if lo is not None:
        qs = qs.filter(**{f"{column}__gte": lo})
    if hi is not None:
        qs = qs.filter(**{f"{column}__lt": hi})
    return qs


# --- QA accuracy -----------------------------------------------------------------------------


@dataclass
class AccuracyRow:
    """Reviews of one agent on one engagement (or a total over either, when blank)."""

    engagement_id: int | None
    engagement: str
    client: str
    agent: str
    reviews: int = 0
    fields_reviewed: int = 0
    fields_correct: int = 0

    @property
    def accuracy(self) -> float | None:
        """Percent of reviewed fields that were correct, one decimal; None without reviews."""
        if not self.fields_reviewed:
            return None
        return round(100 * self.fields_correct / self.fields_reviewed, 1)

    def add(self, other: AccuracyRow) -> None:
        self.reviews += other.reviews
        self.fields_reviewed += other.fields_reviewed
        self.fields_correct += other.fields_correct

    def as_dict(self) -> dict[str, Any]:
        return {
            "engagement_id": self.engagement_id,
            "engagement": self.engagement,
            "client": self.client,
            "agent": self.agent,
            "reviews": self.reviews,
            "fields_reviewed": self.fields_reviewed,
            "fields_correct": self.fields_correct,
            "accuracy_percent": self.accuracy,
        }


@dataclass
class AccuracyReport:
    rows: list[AccuracyRow] = field(default_factory=list)  # per engagement and agent
    by_agent: list[AccuracyRow] = field(default_factory=list)
    by_engagement: list[AccuracyRow] = field(default_factory=list)
    total: AccuracyRow = field(default_factory=lambda: AccuracyRow(None, "", "", ""))


ACCURACY_HEADER = [
    "client",
    "engagement",
    "agent",
    "reviews",
    "fields_reviewed",
    "fields_correct",
    "accuracy_percent",
]


def accuracy_report(
    access: TenantAccess,
    *,
    period: Period,
    engagement_id: int | None = None,
    agent: str | None = None,
) -> AccuracyReport:
    """Field accuracy from QA reviews in the period: correct fields / reviewed fields."""
    engagements = {e.pk: e for e in selectors.engagements(access)}
    qs = QaReview.objects.for_tenants(selectors.work_tenant_ids(access))
    qs = _filter_period(qs, "reviewed_at", period)
    if engagement_id is not None:
        qs = qs.filter(engagement_id=engagement_id)
    if agent:
        qs = qs.filter(agent__username=agent)
    grouped = list(
        qs.values("engagement_id", "agent_id").annotate(
            reviews=Count("id"), reviewed=Sum("fields_reviewed"), correct=Sum("fields_correct")
        )
    )
    names = dict(
        User.objects.filter(pk__in={g["agent_id"] for g in grouped}).values_list("pk", "username")
    )
    report = AccuracyReport()
    by_agent: dict[str, AccuracyRow] = {}
    by_engagement: dict[int, AccuracyRow] = {}
    for g in grouped:
        e = engagements.get(g["engagement_id"])
        if e is None:
            continue
        row = AccuracyRow(
            e.pk,
            e.name,
            e.tenant.name,
            names.get(g["agent_id"], "?"),
            g["reviews"],
            g["reviewed"] or 0,
            g["correct"] or 0,
        )
        report.rows.append(row)
        by_agent.setdefault(row.agent, AccuracyRow(None, "", "", row.agent)).add(row)
        by_engagement.setdefault(e.pk, AccuracyRow(e.pk, e.name, e.tenant.name, "")).add(row)
        report.total.add(row)
    report.rows.sort(key=lambda r: (r.client, r.engagement, r.agent))
    report.by_agent = sorted(by_agent.values(), key=lambda r: r.agent)
    report.by_engagement = sorted(by_engagement.values(), key=lambda r: (r.client, r.engagement))
    return report


def accuracy_table(report: AccuracyReport) -> list[list[Any]]:
    """The export rows: one per engagement and agent, then the totals."""
    out: list[list[Any]] = []
    for r in [*report.rows, *report.by_engagement, *report.by_agent, report.total]:
        out.append(
            [
                r.client or "(all)",
                r.engagement or "(all)",
                r.agent or "(all)",
                r.reviews,
                r.fields_reviewed,
                r.fields_correct,
                "" if r.accuracy is None else r.accuracy,
            ]
        )
    return out
