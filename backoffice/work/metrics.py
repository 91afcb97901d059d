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

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractHour, TruncDate, TruncWeek
from django.utils import timezone

from backoffice.core.errors import DomainError
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import double_key, selectors
from backoffice.work.access import Rule
from backoffice.work.models import (
    OPEN_STATES,
    DoubleKey,
    QaFieldVerdict,
    QaReview,
    State,
    WorkItem,
    WorkItemEvent,
)

# Who reads which report, for the pages and the API alike. Accuracy is the QA reviewer's
# own measure as much as the lead's; handle time is about people's pace, for who routes work.
ACCURACY_READERS = Rule(
    (Perm.REVIEW_WORK, Perm.ROUTE_WORK), "Only QA reviewers and team leads see accuracy."
)
HANDLE_TIME_READERS = Rule((Perm.ROUTE_WORK,), "Only team leads see handle time.")


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

# Below this much time held, a rate per hour is not a measurement. Items finished within
# seconds of being claimed (a script, a bulk answer, the demo's seeding) held for 0.04 s
# gave "377,269 items per hour": the division was right, the extrapolation meaningless.
RATE_MIN_SECONDS = 10 * 60


def items_per_hour(items: int, seconds: float) -> float | None:
    """`items` handed on per hour over `seconds` held; None under `RATE_MIN_SECONDS` held."""
    if seconds < RATE_MIN_SECONDS:
        return None
    return round(items * 3600 / seconds, 2)


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
        return items_per_hour(len(self.completed), self.total_seconds)

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
    rows: dict[tuple[int, int], HandleRow] = {}
    for held in _held_intervals(access, period, engagement_id=engagement_id):
        row = rows.setdefault(
            (held.engagement_id, held.who), _handle_row(engagements, held.engagement_id)
        )
        row.per_item[held.item_id] = row.per_item.get(held.item_id, 0) + held.seconds
        if held.handed_on:
            row.completed.add(held.item_id)
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


@dataclass(frozen=True)
class Held:
    """One stretch of an item in progress with one agent, ending at `end`."""

    item_id: int
    engagement_id: int
    who: int
    end: datetime
    seconds: float
    handed_on: bool


def _held_intervals(
    access: TenantAccess,
    period: Period,
    *,
    engagement_id: int | None = None,
    agent_id: int | None = None,
) -> Iterator[Held]:
    """The in-progress intervals ending in the period, walked from the items' events in
    order (one query, streamed). `agent_id` narrows the walk to the items where that person
    made or held after an interval's last event (their own dashboard: their completions,
    skips and questions; an interval a lead or the idle sweep ended is left out there).
    Intervals are attributed by holder either way."""
    lo, hi = period.bounds()
    events = WorkItemEvent.objects.for_tenants(selectors.work_tenant_ids(access))
    ends = _filter_period(events.filter(from_state=State.IN_PROGRESS), "at", period)
    if engagement_id is not None:
        ends = ends.filter(item__engagement_id=engagement_id)
    if agent_id is not None:
        ends = ends.filter(Q(actor_id=agent_id) | Q(holder_id=agent_id))
    relevant = events.filter(item_id__in=ends.values("item_id")).filter(
        Q(from_state=State.IN_PROGRESS) | Q(to_state=State.IN_PROGRESS)
    )
    if hi is not None:
        relevant = relevant.filter(at__lt=hi)
    walk = relevant.order_by("item_id", "at", "id").values_list(
        "item_id", "item__engagement_id", "at", "from_state", "to_state", "holder_id", "actor_id"
    )
    held: tuple[int, datetime, int | None] | None = None  # item, since, holder
    for item_id, eng_id, at, from_state, to_state, holder_id, actor_id in walk.iterator(5000):
        if held is not None and held[0] != item_id:
            held = None
        if from_state == State.IN_PROGRESS and held is not None:
            _, since, who = held
            if who is not None and (lo is None or at >= lo):
                seconds = (at - since).total_seconds()
                yield Held(item_id, eng_id, who, at, seconds, to_state in _COMPLETING)
            held = None
        if to_state == State.IN_PROGRESS:
            held = (item_id, at, holder_id or actor_id)


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


# --- dashboard figures ---------------------------------------------------------------------------
# Each is one or two aggregate queries over the tenants the caller sees (the handle-time trend
# walks one agent's own intervals); dates and hours are the viewer's.


def local_today(access: TenantAccess, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(_zone(access)).date()


def _zone(access: TenantAccess) -> ZoneInfo:
    return ZoneInfo(access.user.timezone or "UTC")


def _local_date(value: date | datetime, zone: ZoneInfo) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def week_starts(today: date, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks, oldest first, this week's last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _handed_on(access: TenantAccess, period: Period) -> Any:
    """Events where an agent handed an item on (to review or done) in the period."""
    qs = WorkItemEvent.objects.for_tenants(selectors.work_tenant_ids(access)).filter(
        from_state=State.IN_PROGRESS, to_state__in=list(_COMPLETING)
    )
    return _filter_period(qs, "at", period)


def handed_on_count(access: TenantAccess, *, day: date, agent_id: int | None = None) -> int:
    qs = _handed_on(access, Period(day, day, _zone(access).key))
    return (qs.filter(actor_id=agent_id) if agent_id is not None else qs).count()


def handed_on_by_hour(access: TenantAccess, *, day: date) -> list[int]:
    """Items handed on in each local hour (0-23) of `day`."""
    zone = _zone(access)
    rows = (
        _handed_on(access, Period(day, day, zone.key))
        .annotate(hour=ExtractHour("at", tzinfo=zone))
        .values("hour")
        .annotate(n=Count("id"))
    )
    counts = [0] * 24
    for r in rows:
        counts[r["hour"]] += r["n"]
    return counts


def handed_on_by_agent(access: TenantAccess, *, period: Period) -> list[tuple[str, int]]:
    """Items each agent handed on in the period, most first."""
    rows = (
        _handed_on(access, period)
        .filter(actor__isnull=False)
        .values("actor__username")
        .annotate(n=Count("id"))
        .order_by("-n", "actor__username")
    )
    return [(r["actor__username"], r["n"]) for r in rows]


@dataclass(frozen=True)
class DayHandle:
    day: date
    items: int
    median_minutes: float | None
    items_per_hour: float | None


def handle_time_by_day(access: TenantAccess, *, agent_id: int, period: Period) -> list[DayHandle]:
    """One agent's handle time per local day of the period: items held, median minutes an
    item was held, items handed on per hour held (None below `RATE_MIN_SECONDS`)."""
    zone = ZoneInfo(period.tz)
    per_day: dict[date, dict[int, float]] = {}
    handed: dict[date, set[int]] = {}
    for held in _held_intervals(access, period, agent_id=agent_id):
        if held.who != agent_id:
            continue
        day = held.end.astimezone(zone).date()
        items = per_day.setdefault(day, {})
        items[held.item_id] = items.get(held.item_id, 0) + held.seconds
        if held.handed_on:
            handed.setdefault(day, set()).add(held.item_id)
    out = []
    for day in _days(period):
        items = per_day.get(day, {})
        median = _minutes(statistics.median(items.values())) if items else None
        rate = items_per_hour(len(handed.get(day, ())), sum(items.values())) if items else None
        out.append(DayHandle(day, len(items), median, rate))
    return out


def _days(period: Period) -> list[date]:
    if period.start is None or period.end is None:
        raise ValueError("a day-by-day figure needs a period with both ends")
    return [period.start + timedelta(days=i) for i in range((period.end - period.start).days + 1)]


AGE_BUCKETS = (
    ("under 1 h", timedelta(hours=1)),
    ("1–4 h", timedelta(hours=4)),
    ("4–24 h", timedelta(days=1)),
    ("1–3 days", timedelta(days=3)),
    ("over 3 days", None),
)


def waiting_by_queue_and_age(
    access: TenantAccess, *, now: datetime | None = None
) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """Claimable items (queued or rework) per routing queue by time since received: the
    queue names and, per age bucket, a count per queue. One query; an item in several
    queues counts in each, as each queue's agents see it."""
    now = now or timezone.now()
    queues = list(selectors.queues(access))
    if not queues:
        return [], []
    aggregates: dict[str, Any] = {}
    for qi, queue in enumerate(queues):
        newer: datetime | None = now
        for bi, (_label, age) in enumerate(AGE_BUCKETS):
            older = now - age if age is not None else None
            cond = Q(**queue.filters())
            if older is not None:
                cond &= Q(received_at__gt=older)
            if newer is not None and bi > 0:
                cond &= Q(received_at__lte=newer)
            aggregates[f"q{qi}_b{bi}"] = Count("id", filter=cond)
            newer = older
    counts = (
        WorkItem.objects.for_tenants(selectors.work_tenant_ids(access))
        .filter(state__in=[State.QUEUED, State.REWORK])
        .aggregate(**aggregates)
    )
    names = [q.name for q in queues]
    return names, [
        (label, [counts[f"q{qi}_b{bi}"] for qi in range(len(queues))])
        for bi, (label, _age) in enumerate(AGE_BUCKETS)
    ]


@dataclass(frozen=True)
class Attainment:
    """Done items of one engagement per week, and how many met their due time."""

    engagement: str
    target: int
    done: list[int]
    met: list[int]

    @property
    def percents(self) -> list[float | None]:
        return [_percent(m, d) for m, d in zip(self.met, self.done, strict=True)]


def sla_attainment_by_week(
    access: TenantAccess, *, weeks: int = 8, now: datetime | None = None
) -> tuple[list[date], list[Attainment]]:
    """Per engagement and local week (Monday first), the items done and those done by their
    due time (paused time already moves the due time). One grouped query."""
    zone = _zone(access)
    starts = week_starts(local_today(access, now), weeks)
    lo = datetime.combine(starts[0], time.min, zone)
    rows = (
        WorkItem.objects.for_tenants(selectors.work_tenant_ids(access))
        .filter(state=State.DONE, completed_at__gte=lo)
        .annotate(week=TruncWeek("completed_at", tzinfo=zone))
        .values("engagement_id", "week")
        .annotate(done=Count("id"), met=Count("id", filter=Q(completed_at__lte=F("sla_due_at"))))
    )
    index = {d: i for i, d in enumerate(starts)}
    found: dict[int, tuple[list[int], list[int]]] = {}
    for r in rows:
        i = index.get(_local_date(r["week"], zone))
        if i is None:
            continue
        done, met = found.setdefault(r["engagement_id"], ([0] * weeks, [0] * weeks))
        done[i] += r["done"]
        met[i] += r["met"]
    out = [
        Attainment(f"{e.tenant.name} · {e.name}", e.sla_target_percent, *found[e.pk])
        for e in selectors.engagements(access)
        if e.pk in found
    ]
    return starts, out


def open_backlog_by_day(
    access: TenantAccess, *, days: int = 14, now: datetime | None = None
) -> tuple[list[date], list[int], list[int], list[int]]:
    """Per local day: items received, items closed (done or cancelled) and the items open at
    the day's end, worked back from the open count now. Three grouped counts."""
    now = now or timezone.now()
    zone = _zone(access)
    today = local_today(access, now)
    day_list = [today - timedelta(days=days - 1 - i) for i in range(days)]
    lo = datetime.combine(day_list[0], time.min, zone)
    items = WorkItem.objects.for_tenants(selectors.work_tenant_ids(access))
    open_now = items.filter(state__in=OPEN_STATES).count()

    def per_day(column: str, qs: Any) -> dict[date, int]:
        grouped = (
            qs.filter(**{f"{column}__gte": lo})
            .annotate(day=TruncDate(column, tzinfo=zone))
            .values("day")
            .annotate(n=Count("id"))
        )
        return {_local_date(r["day"], zone): r["n"] for r in grouped}

    received = per_day("received_at", items)
    closed = per_day("completed_at", items.filter(state__in=[State.DONE, State.CANCELLED]))
    in_count = [received.get(d, 0) for d in day_list]
    out_count = [closed.get(d, 0) for d in day_list]
    open_at_end, level = [0] * days, open_now
    for i in range(days - 1, -1, -1):
        open_at_end[i] = level
        level -= in_count[i] - out_count[i]
    return day_list, in_count, out_count, open_at_end


def qa_accuracy_by_week(
    access: TenantAccess,
    *,
    weeks: int = 8,
    agent_id: int | None = None,
    now: datetime | None = None,
) -> tuple[list[date], list[float | None]]:
    """QA accuracy (correct ÷ reviewed fields) per local week, of everyone or one agent."""
    zone = _zone(access)
    starts = week_starts(local_today(access, now), weeks)
    qs = QaReview.objects.for_tenants(selectors.work_tenant_ids(access)).filter(
        reviewed_at__gte=datetime.combine(starts[0], time.min, zone)
    )
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    rows = (
        qs.annotate(week=TruncWeek("reviewed_at", tzinfo=zone))
        .values("week")
        .annotate(reviewed=Sum("fields_reviewed"), correct=Sum("fields_correct"))
    )
    sums = {_local_date(r["week"], zone): (r["correct"], r["reviewed"]) for r in rows}
    return starts, [_percent(*sums[d]) if d in sums else None for d in starts]


def qa_accuracy_over(access: TenantAccess, *, period: Period, agent_id: int) -> AccuracyRow:
    """One agent's QA accuracy over the period (the fields reviewed and correct)."""
    qs = _filter_period(
        QaReview.objects.for_tenants(selectors.work_tenant_ids(access)).filter(agent_id=agent_id),
        "reviewed_at",
        period,
    )
    agg = qs.aggregate(
        n=Count("id"), reviewed=Sum("fields_reviewed"), correct=Sum("fields_correct")
    )
    row = AccuracyRow(None, "", "", "")
    row.reviews, row.fields_reviewed = agg["n"], agg["reviewed"] or 0
    row.fields_correct = agg["correct"] or 0
    return row


def most_corrected_fields(
    access: TenantAccess, *, period: Period, limit: int = 8
) -> list[tuple[str, int, int]]:
    """The fields QA corrected most often in the period: (field, corrected, reviewed)."""
    qs = _filter_period(
        QaFieldVerdict.objects.for_tenants(selectors.work_tenant_ids(access)),
        "review__reviewed_at",
        period,
    )
    rows = (
        qs.values("field")
        .annotate(
            corrected=Count("id", filter=Q(verdict=QaFieldVerdict.Verdict.CORRECTED)),
            reviewed=Count("id"),
        )
        .filter(corrected__gt=0)
        .order_by("-corrected", "field")[:limit]
    )
    return [(r["field"], r["corrected"], r["reviewed"]) for r in rows]


def reviews_waiting(access: TenantAccess) -> dict[str, int]:
    """The QA queue's size: items in review, and double keys waiting for adjudication."""
    tenants = selectors.work_tenant_ids(access)
    return {
        "in_review": WorkItem.objects.for_tenants(tenants).filter(state=State.IN_REVIEW).count(),
        "adjudication": DoubleKey.objects.for_tenants(tenants)
        .filter(status=DoubleKey.Status.MISMATCH)
        .count(),
    }


def items_by_state(access: TenantAccess) -> dict[str, int]:
    """Every item the caller sees, counted per state."""
    rows = (
        WorkItem.objects.for_tenants(selectors.work_tenant_ids(access))
        .values("state")
        .annotate(n=Count("id"))
    )
    return {r["state"]: r["n"] for r in rows}


def recent_deliveries(access: TenantAccess, *, limit: int = 8) -> list[WorkItem]:
    """The items done most recently."""
    return list(
        selectors.items(access, state=State.DONE)
        .select_related("engagement__tenant")
        .order_by("-completed_at", "-id")[:limit]
    )
