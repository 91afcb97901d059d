"""Team leads' figures over a period: accuracy (QA reviews and double keys) and handle time,
per agent and engagement.

Reads only, always through `selectors.work_tenant_ids` (the clients the caller may see).
A period is a range of local dates in the viewer's time zone, both ends included.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from backoffice.core.errors import DomainError
from backoffice.tenancy.models import User
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import double_key, selectors
from backoffice.work.models import DoubleKey, QaReview, State, WorkItemEvent


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


# --- accuracy: QA reviews and settled double keys ---------------------------------------------


def _percent(correct: int, checked: int) -> float | None:
    return round(100 * correct / checked, 1) if checked else None


@dataclass
class AccuracyRow:
    """Checked fields of one agent on one engagement (or a total over either, when blank).

    Two sources: QA reviews (`reviews`, `fields_reviewed`, `fields_correct`) and settled
    double keys the agent keyed (`double_keys`, `double_key_fields`, `double_key_correct`);
    the combined figure sums both.
    """

    engagement_id: int | None
    engagement: str
    client: str
    agent: str
    reviews: int = 0
    fields_reviewed: int = 0
    fields_correct: int = 0
    double_keys: int = 0
    double_key_fields: int = 0
    double_key_correct: int = 0

    @property
    def accuracy(self) -> float | None:
        """QA accuracy: percent of reviewed fields that were correct; None without reviews."""
        return _percent(self.fields_correct, self.fields_reviewed)

    @property
    def double_key_accuracy(self) -> float | None:
        return _percent(self.double_key_correct, self.double_key_fields)

    @property
    def combined_fields(self) -> int:
        return self.fields_reviewed + self.double_key_fields

    @property
    def combined_correct(self) -> int:
        return self.fields_correct + self.double_key_correct

    @property
    def combined_accuracy(self) -> float | None:
        return _percent(self.combined_correct, self.combined_fields)

    def add(self, other: AccuracyRow) -> None:
        self.reviews += other.reviews
        self.fields_reviewed += other.fields_reviewed
        self.fields_correct += other.fields_correct
        self.double_keys += other.double_keys
        self.double_key_fields += other.double_key_fields
        self.double_key_correct += other.double_key_correct

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
            "double_keys": self.double_keys,
            "double_key_fields": self.double_key_fields,
            "double_key_correct": self.double_key_correct,
            "double_key_accuracy_percent": self.double_key_accuracy,
            "combined_fields": self.combined_fields,
            "combined_correct": self.combined_correct,
            "combined_accuracy_percent": self.combined_accuracy,
        }


@dataclass
class AccuracyReport:
    rows: list[AccuracyRow] = field(default_factory=list)  # per engagement and agent
    by_agent: list[AccuracyRow] = field(default_factory=list)
    by_engagement: list[AccuracyRow] = field(default_factory=list)
    total: AccuracyRow = field(default_factory=lambda: AccuracyRow(None, "", "", ""))


# New columns go at the end: downloads read by position keep working.
ACCURACY_HEADER = [
    "client",
    "engagement",
    "agent",
    "reviews",
    "fields_reviewed",
    "fields_correct",
    "accuracy_percent",
    "double_keys",
    "double_key_fields",
    "double_key_correct",
    "double_key_accuracy_percent",
    "combined_fields",
    "combined_correct",
    "combined_accuracy_percent",
]


def accuracy_report(
    access: TenantAccess,
    *,
    period: Period,
    engagement_id: int | None = None,
    agent: str | None = None,
) -> AccuracyReport:
    """Field accuracy in the period from QA reviews and settled double keys, and combined."""
    engagements = {e.pk: e for e in selectors.engagements(access)}
    counts: dict[tuple[int, int], AccuracyRow] = {}

    def row(eng_id: int, agent_id: int) -> AccuracyRow:
        return counts.setdefault((eng_id, agent_id), AccuracyRow(eng_id, "", "", ""))

    for g in _qa_reviews(access, period, engagement_id, agent):
        r = row(g["engagement_id"], g["agent_id"])
        r.reviews, r.fields_reviewed, r.fields_correct = g["reviews"], g["reviewed"], g["correct"]
    for eng_id, agent_id, checked, correct in _double_key_checks(
        access, period, engagement_id, agent
    ):
        r = row(eng_id, agent_id)
        r.double_keys += 1
        r.double_key_fields += checked
        r.double_key_correct += correct
    names = dict(User.objects.filter(pk__in={a for _, a in counts}).values_list("pk", "username"))
    report = AccuracyReport()
    by_agent: dict[str, AccuracyRow] = {}
    by_engagement: dict[int, AccuracyRow] = {}
    for (eng_id, agent_id), r in counts.items():
        e = engagements.get(eng_id)
        r.agent = names.get(agent_id, "?")
        if e is None or (agent and r.agent != agent):
            continue
        r.engagement, r.client = e.name, e.tenant.name
        report.rows.append(r)
        by_agent.setdefault(r.agent, AccuracyRow(None, "", "", r.agent)).add(r)
        by_engagement.setdefault(e.pk, AccuracyRow(e.pk, e.name, e.tenant.name, "")).add(r)
        report.total.add(r)
    report.rows.sort(key=lambda r: (r.client, r.engagement, r.agent))
    report.by_agent = sorted(by_agent.values(), key=lambda r: r.agent)
    report.by_engagement = sorted(by_engagement.values(), key=lambda r: (r.client, r.engagement))
    return report


def _qa_reviews(
    access: TenantAccess, period: Period, engagement_id: int | None, agent: str | None
) -> list[dict[str, Any]]:
    """QA reviews made in the period, summed per engagement and agent."""
    qs = QaReview.objects.for_tenants(selectors.work_tenant_ids(access))
    qs = _filter_period(qs, "reviewed_at", period)
    if engagement_id is not None:
        qs = qs.filter(engagement_id=engagement_id)
    if agent:
        qs = qs.filter(agent__username=agent)
    return list(
        qs.values("engagement_id", "agent_id").annotate(
            reviews=Count("id"), reviewed=Sum("fields_reviewed"), correct=Sum("fields_correct")
        )
    )


def _double_key_checks(
    access: TenantAccess, period: Period, engagement_id: int | None, agent: str | None
) -> Iterator[tuple[int, int, int, int]]:
    """(engagement, keyer, fields checked, correct) per keyer of each double key settled in
    the period: matched at the second key, adjudicated at the adjudication.

    Scored from the stored keys and settled result (`double_key.keyer_scores`) in Python,
    as comparing JSON values the same way on SQLite and PostgreSQL is not practical in SQL.
    """
    Status = DoubleKey.Status
    qs = (
        DoubleKey.objects.for_tenants(selectors.work_tenant_ids(access))
        .filter(status__in=[Status.MATCHED, Status.ADJUDICATED])
        .annotate(settled_at=Coalesce("adjudicated_at", "second_at"))
    )
    qs = _filter_period(qs, "settled_at", period)
    if engagement_id is not None:
        qs = qs.filter(item__engagement_id=engagement_id)
    if agent:
        qs = qs.filter(Q(first_agent__username=agent) | Q(second_agent__username=agent))
    rows = qs.values_list(
        "item__engagement_id",
        "first_agent_id",
        "second_agent_id",
        "first_output",
        "second_output",
        "final_output",
    )
    for eng_id, first_id, second_id, first, second, final in rows.iterator(2000):
        checked, first_ok, second_ok = double_key.keyer_scores(first, second or {}, final or {})
        yield eng_id, first_id, checked, first_ok
        yield eng_id, second_id, checked, second_ok


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
                _blank(r.accuracy),
                r.double_keys,
                r.double_key_fields,
                r.double_key_correct,
                _blank(r.double_key_accuracy),
                r.combined_fields,
                r.combined_correct,
                _blank(r.combined_accuracy),
            ]
        )
    return out


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


# --- handle time -------------------------------------------------------------------------------

# An interval ending in one of these states is the agent handing the work on.
_COMPLETING = frozenset({State.IN_REVIEW, State.DONE})


@dataclass
class HandleRow:
    """Time one agent held items in progress on one engagement (or over all, when blank).

    `per_item` maps item id to seconds in progress (all of this agent's intervals on it);
    `completed` holds the items the agent handed on (to review or done).
    """

    engagement_id: int | None
    engagement: str
    client: str
    agent: str
    per_item: dict[int, float] = field(default_factory=dict)
    completed: set[int] = field(default_factory=set)

    @property
    def items(self) -> int:
        return len(self.per_item)

    @property
    def total_seconds(self) -> float:
        return sum(self.per_item.values())

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.per_item.values()) if self.per_item else None

    @property
    def p90_seconds(self) -> float | None:
        """Nearest rank: the smallest item time at or above 90 % of the items."""
        if not self.per_item:
            return None
        ordered = sorted(self.per_item.values())
        return ordered[math.ceil(0.9 * len(ordered)) - 1]

    @property
    def items_per_hour(self) -> float | None:
        """Items handed on per hour held in progress (skipped items' time counts too)."""
        total = self.total_seconds
        return round(len(self.completed) * 3600 / total, 2) if total else None

    @property
    def minutes(self) -> dict[str, float | None]:
        """Total, median and p90 in minutes (two decimals), for pages and exports."""
        return {
            "total": _minutes(self.total_seconds),
            "median": _minutes(self.median_seconds),
            "p90": _minutes(self.p90_seconds),
        }

    def add(self, other: HandleRow) -> None:
        for item_id, seconds in other.per_item.items():
            self.per_item[item_id] = self.per_item.get(item_id, 0) + seconds
        self.completed |= other.completed

    def as_dict(self) -> dict[str, Any]:
        return {
            "engagement_id": self.engagement_id,
            "engagement": self.engagement,
            "client": self.client,
            "agent": self.agent,
            "items": self.items,
            "completed": len(self.completed),
            "total_seconds": round(self.total_seconds, 1),
            "median_seconds": _round(self.median_seconds),
            "p90_seconds": _round(self.p90_seconds),
            "items_per_hour": self.items_per_hour,
        }


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class HandleReport:
    rows: list[HandleRow] = field(default_factory=list)  # per engagement and agent
    by_agent: list[HandleRow] = field(default_factory=list)


HANDLE_HEADER = [
    "client",
    "engagement",
    "agent",
    "items",
    "completed",
    "total_minutes",
    "median_minutes",
    "p90_minutes",
    "items_per_hour",
]


def handle_time_report(
    access: TenantAccess,
    *,
    period: Period,
    engagement_id: int | None = None,
    agent: str | None = None,
) -> HandleReport:
    """Time in progress per agent and item, from the items' events.

    An interval runs from an event that puts the item in progress (claim, assignment,
    the client's answer, a reassignment) to the next event that takes it out (completion,
    skip, question, idle release, cancellation, reassignment to someone else) and belongs
    to the event's holder (its actor when no holder was recorded: the claim statement on
    PostgreSQL, events before migration 0005). It counts in the period its end falls in;
    items still in progress count once they leave.
    """
    engagements = {e.pk: e for e in selectors.engagements(access)}
    lo, hi = period.bounds()
    events = WorkItemEvent.objects.for_tenants(selectors.work_tenant_ids(access))
    ends = events.filter(from_state=State.IN_PROGRESS)
    if lo is not None:
        ends = ends.filter(at__gte=lo)
    if hi is not None:
        ends = ends.filter(at__lt=hi)
    if engagement_id is not None:
        ends = ends.filter(item__engagement_id=engagement_id)
    rows: dict[tuple[int, int], HandleRow] = {}
    relevant = events.filter(item_id__in=ends.values("item_id")).filter(
        Q(from_state=State.IN_PROGRESS) | Q(to_state=State.IN_PROGRESS)
    )
    if hi is not None:
        relevant = relevant.filter(at__lt=hi)
    walk = relevant.order_by("item_id", "at", "id").values_list(
        "item_id",
        "item__engagement_id",
        "at",
        "from_state",
        "to_state",
        "holder_id",
        "actor_id",
    )
    held: tuple[int, datetime, int | None] | None = None  # item, since, holder
    for item_id, eng_id, at, from_state, to_state, holder_id, actor_id in walk.iterator(5000):
        if held is not None and held[0] != item_id:
            held = None
        if from_state == State.IN_PROGRESS and held is not None:
            _, since, who = held
            if who is not None and (lo is None or at >= lo):
                row = rows.setdefault((eng_id, who), _handle_row(engagements, eng_id))
                row.per_item[item_id] = row.per_item.get(item_id, 0) + (at - since).total_seconds()
                if to_state in _COMPLETING:
                    row.completed.add(item_id)
            held = None
        if to_state == State.IN_PROGRESS:
            held = (item_id, at, holder_id or actor_id)
    names = dict(User.objects.filter(pk__in={who for _, who in rows}).values_list("pk", "username"))
    report = HandleReport()
    by_agent: dict[str, HandleRow] = {}
    for (eng_id, who), row in rows.items():
        if eng_id not in engagements:
            continue
        row.agent = names.get(who, "?")
        if agent and row.agent != agent:
            continue
        report.rows.append(row)
        by_agent.setdefault(row.agent, HandleRow(None, "", "", row.agent)).add(row)
    report.rows.sort(key=lambda r: (r.client, r.engagement, r.agent))
    report.by_agent = sorted(by_agent.values(), key=lambda r: r.agent)
    return report


def _handle_row(engagements: dict[int, Any], engagement_id: int) -> HandleRow:
    e = engagements.get(engagement_id)
    if e is None:
        return HandleRow(engagement_id, "", "", "")
    return HandleRow(e.pk, e.name, e.tenant.name, "")


def handle_time_table(report: HandleReport) -> list[list[Any]]:
    """The export rows: one per engagement and agent, then one per agent over all."""
    out: list[list[Any]] = []
    for r in [*report.rows, *report.by_agent]:
        m = r.minutes
        out.append(
            [
                r.client or "(all)",
                r.engagement or "(all)",
                r.agent,
                r.items,
                len(r.completed),
                m["total"],
                "" if m["median"] is None else m["median"],
                "" if m["p90"] is None else m["p90"],
                "" if r.items_per_hour is None else r.items_per_hour,
            ]
        )
    return out
