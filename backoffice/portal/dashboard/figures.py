"""The client dashboard's figures: SLA attainment, backlog and its age, throughput, QA
accuracy, per engagement and in total, for the engagements the viewer may see.

Every read is bounded: done items over the last `WINDOW_DAYS` local days through the
`work_item_done` index (tenant, completed_at, engagement, sla_due_at; partial on done, so an
index-only range scan), open items through `work_item_state_due` (open states only), QA
reviews over the last `QA_WEEKS` weeks through `work_qa_eng_time`. Nothing scans history.
Four grouped queries per view, whatever the number of items; for a large client the
days before today are kept for an hour (`_closed_days`), so a view then scans only today's
completions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors
from backoffice.work.models import OPEN_STATES, Engagement, QaReview, State, WorkItem

WINDOW_DAYS = 30
CHART_DAYS = 14
QA_WEEKS = 8
AGE_BUCKETS: tuple[tuple[str, str, timedelta | None], ...] = (
    ("lt1h", "under 1 hour", timedelta(hours=1)),
    ("lt4h", "1–4 hours", timedelta(hours=4)),
    ("lt1d", "4–24 hours", timedelta(days=1)),
    ("lt3d", "1–3 days", timedelta(days=3)),
    ("gt3d", "over 3 days", None),
)
AGE_KEYS = {key for key, _label, _age in AGE_BUCKETS}


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class EngagementRow:
    engagement: Engagement
    open: int = 0
    at_risk: int = 0
    breached: int = 0
    waiting: int = 0
    done: int = 0
    met: int = 0
    qa_reviewed: int = 0
    qa_correct: int = 0

    @property
    def sla_percent(self) -> float | None:
        return percent(self.met, self.done)

    @property
    def below_target(self) -> bool:
        value = self.sla_percent
        return value is not None and value < self.engagement.sla_target_percent


@dataclass
class Figures:
    """What the dashboard shows, computed once per view (or API call)."""

    as_of: datetime
    zone: str
    window_start: date
    engagements: list[EngagementRow]
    days: list[date] = field(default_factory=list)
    on_time_by_day: list[int] = field(default_factory=list)
    late_by_day: list[int] = field(default_factory=list)
    age_counts: dict[str, int] = field(default_factory=dict)
    oldest_open: datetime | None = None
    weeks: list[date] = field(default_factory=list)
    qa_by_week: list[float | None] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.engagements)

    # The totals the page shows (templates cannot pass arguments).
    total_done = property(lambda self: self.total("done"))
    total_met = property(lambda self: self.total("met"))
    total_late = property(lambda self: self.total("done") - self.total("met"))
    total_open = property(lambda self: self.total("open"))
    total_at_risk = property(lambda self: self.total("at_risk"))
    total_breached = property(lambda self: self.total("breached"))
    total_waiting = property(lambda self: self.total("waiting"))

    @property
    def sla_percent(self) -> float | None:
        return percent(self.total("met"), self.total("done"))

    @property
    def sla_target(self) -> int | None:
        """The target when every engagement shown has the same one."""
        targets = {r.engagement.sla_target_percent for r in self.engagements}
        return targets.pop() if len(targets) == 1 else None

    @property
    def qa_percent(self) -> float | None:
        return percent(self.total("qa_correct"), self.total("qa_reviewed"))

    @property
    def done_per_day(self) -> float:
        return round(self.total("done") / WINDOW_DAYS, 1)


def viewer_zone(access: TenantAccess) -> ZoneInfo:
    try:
        return ZoneInfo(access.user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_date(value: date | datetime, zone: ZoneInfo) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def scope(access: TenantAccess) -> tuple[list[int], list[Engagement]]:
    """The tenants and the engagements the viewer may see (a client admin's grants apply)."""
    return selectors.work_tenant_ids(access), list(selectors.engagements(access))


def compute(access: TenantAccess, *, now: datetime | None = None) -> Figures:
    """Every figure of the dashboard for this viewer, as of `now`."""
    now = now or timezone.now()
    zone = viewer_zone(access)
    today = now.astimezone(zone).date()
    start = today - timedelta(days=WINDOW_DAYS - 1)
    tenants, engagements = scope(access)
    rows = {e.pk: EngagementRow(e) for e in engagements}
    figures = Figures(now, str(zone), start, list(rows.values()))
    if not rows:
        return figures
    ids = list(rows)
    _done(figures, rows, tenants, ids, datetime.combine(start, time.min, zone), zone, today)
    _open(figures, rows, tenants, ids, now)
    _qa(figures, rows, tenants, ids, today, zone)
    return figures


def _done(
    figures: Figures,
    rows: dict[int, EngagementRow],
    tenants: list[int],
    ids: list[int],
    lo: datetime,
    zone: ZoneInfo,
    today: date,
) -> None:
    """Done items per engagement and local day over the window, each with how many were
    done by their due time (paused time already moved the due time): the days before today
    from `_closed_days`, today live. Index-only range scans of `work_item_done`."""
    midnight = datetime.combine(today, time.min, zone)
    done = WorkItem.objects.for_tenants(tenants).filter(state=State.DONE, engagement_id__in=ids)
    per_day = _closed_days(done, tenants, ids, lo, midnight, zone)
    today_rows = (
        done.filter(completed_at__gte=midnight)
        .values("engagement_id")
        .annotate(done=Count("engagement_id"), met=Count("engagement_id", filter=ON_TIME))
    )
    per_day += [(r["engagement_id"], today, r["done"], r["met"]) for r in today_rows]
    figures.days = [today - timedelta(days=CHART_DAYS - 1 - i) for i in range(CHART_DAYS)]
    index = {d: i for i, d in enumerate(figures.days)}
    figures.on_time_by_day = [0] * CHART_DAYS
    figures.late_by_day = [0] * CHART_DAYS
    for engagement_id, day, n, met in per_day:
        row = rows[engagement_id]
        row.done += n
        row.met += met
        i = index.get(day)
        if i is not None:
            figures.on_time_by_day[i] += met
            figures.late_by_day[i] += n - met


ON_TIME = Q(completed_at__lte=F("sla_due_at"))
# Days before today change only when work is reopened: a client with this many items done
# in the window keeps those days' counts for an hour (the process's cache), so a view scans
# only today's completions; smaller ones are counted live on every view.
CACHE_FROM_ITEMS = 20_000
CLOSED_DAYS_SECONDS = 3600


def _closed_days(
    done: Any, tenants: list[int], ids: list[int], lo: datetime, hi: datetime, zone: ZoneInfo
) -> list[tuple[int, date, int, int]]:
    """(engagement id, local day, done, on time) for the window's days before today."""
    key = "portal:done-days:" + ":".join(
        [",".join(map(str, sorted(tenants))), ",".join(map(str, sorted(ids))), str(zone),
         lo.isoformat(), hi.isoformat()]
    )  # fmt: skip
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    grouped = (
        done.filter(completed_at__gte=lo, completed_at__lt=hi)
        .annotate(day=TruncDate("completed_at", tzinfo=zone))
        .values("engagement_id", "day")
        .annotate(done=Count("engagement_id"), met=Count("engagement_id", filter=ON_TIME))
    )
    out = [(r["engagement_id"], _local_date(r["day"], zone), r["done"], r["met"]) for r in grouped]
    if sum(n for _e, _d, n, _m in out) >= CACHE_FROM_ITEMS:
        cache.set(key, out, CLOSED_DAYS_SECONDS)
    return out


def _age_filters(now: datetime) -> dict[str, Q]:
    out: dict[str, Q] = {}
    newer: datetime | None = None
    for key, _label, age in AGE_BUCKETS:
        older = now - age if age is not None else None
        cond = Q()
        if older is not None:
            cond &= Q(received_at__gt=older)
        if newer is not None:
            cond &= Q(received_at__lte=newer)
        out[key] = cond
        newer = older
    return out


def _open(
    figures: Figures,
    rows: dict[int, EngagementRow],
    tenants: list[int],
    ids: list[int],
    now: datetime,
) -> None:
    """Open items per engagement: at risk, breached, waiting on the client, by age."""
    ages = _age_filters(now)
    grouped = (
        WorkItem.objects.for_tenants(tenants)
        .filter(state__in=OPEN_STATES, engagement_id__in=ids)
        .values("engagement_id")
        .annotate(
            open=Count("id"),
            at_risk=Count("id", filter=Q(at_risk=True, breached=False)),
            breached=Count("id", filter=Q(breached=True)),
            waiting=Count("id", filter=Q(state=State.WAITING_ON_CLIENT)),
            oldest=Min("received_at"),
            **{f"age_{k}": Count("id", filter=cond) for k, cond in ages.items()},
        )
    )
    figures.age_counts = dict.fromkeys(ages, 0)
    for r in grouped:
        row = rows[r["engagement_id"]]
        row.open, row.at_risk, row.breached, row.waiting = (
            r["open"],
            r["at_risk"],
            r["breached"],
            r["waiting"],
        )
        for k in ages:
            figures.age_counts[k] += r[f"age_{k}"]
        if r["oldest"] and (figures.oldest_open is None or r["oldest"] < figures.oldest_open):
            figures.oldest_open = r["oldest"]


def _qa(
    figures: Figures,
    rows: dict[int, EngagementRow],
    tenants: list[int],
    ids: list[int],
    today: date,
    zone: ZoneInfo,
) -> None:
    """QA accuracy (correct ÷ reviewed fields) per engagement over the window, and per
    local week (Monday first) over the last `QA_WEEKS` weeks."""
    monday = today - timedelta(days=today.weekday())
    figures.weeks = [monday - timedelta(weeks=QA_WEEKS - 1 - i) for i in range(QA_WEEKS)]
    lo = datetime.combine(min(figures.weeks[0], figures.window_start), time.min, zone)
    window_lo = datetime.combine(figures.window_start, time.min, zone)
    grouped = (
        QaReview.objects.for_tenants(tenants)
        .filter(engagement_id__in=ids, reviewed_at__gte=lo)
        .annotate(week=TruncWeek("reviewed_at", tzinfo=zone))
        .values("engagement_id", "week")
        .annotate(
            reviewed=Sum("fields_reviewed"),
            correct=Sum("fields_correct"),
            w_reviewed=Sum("fields_reviewed", filter=Q(reviewed_at__gte=window_lo)),
            w_correct=Sum("fields_correct", filter=Q(reviewed_at__gte=window_lo)),
        )
    )
    index = {d: i for i, d in enumerate(figures.weeks)}
    sums = [[0, 0] for _ in figures.weeks]
    for r in grouped:
        row = rows[r["engagement_id"]]
        row.qa_reviewed += r["w_reviewed"] or 0
        row.qa_correct += r["w_correct"] or 0
        i = index.get(_local_date(r["week"], zone))
        if i is not None:
            sums[i][0] += r["correct"] or 0
            sums[i][1] += r["reviewed"] or 0
    figures.qa_by_week = [percent(c, n) for c, n in sums]


# --- the items behind a figure ------------------------------------------------------------

FIGURE_LABELS = {
    "open": "Open items",
    "at_risk": "Open items at risk of missing their due time",
    "breached": "Open items past their due time",
    "waiting": "Items waiting for your answer",
    "done": f"Items done in the last {WINDOW_DAYS} days",
    "on_time": f"Items done on time in the last {WINDOW_DAYS} days",
    "late": f"Items done late in the last {WINDOW_DAYS} days",
}


def items_behind(
    access: TenantAccess,
    *,
    figure: str,
    engagement_id: int | None = None,
    day: date | None = None,
    age: str = "",
    now: datetime | None = None,
) -> Any:
    """The items a figure counts, through the same selector as the item list (so a client
    admin's grants apply): newest first. Unknown figures give every visible item."""
    now = now or timezone.now()
    zone = viewer_zone(access)
    qs = selectors.items(access)
    if engagement_id is not None:
        qs = qs.filter(engagement_id=engagement_id)
    if figure in ("open", "at_risk", "breached", "waiting"):
        qs = qs.filter(state__in=OPEN_STATES)
        if age in AGE_KEYS:
            qs = qs.filter(_age_filters(now)[age])
    extra = {
        "at_risk": Q(at_risk=True, breached=False),
        "breached": Q(breached=True),
        "waiting": Q(state=State.WAITING_ON_CLIENT),
        "on_time": Q(completed_at__lte=F("sla_due_at")),
        "late": Q(completed_at__gt=F("sla_due_at")),
    }
    if figure in ("done", "on_time", "late"):
        if day is not None:
            lo = datetime.combine(day, time.min, zone)
            qs = qs.filter(completed_at__gte=lo, completed_at__lt=lo + timedelta(days=1))
        else:
            start = now.astimezone(zone).date() - timedelta(days=WINDOW_DAYS - 1)
            qs = qs.filter(completed_at__gte=datetime.combine(start, time.min, zone))
        qs = qs.filter(state=State.DONE).order_by("-completed_at", "-id")
    if figure in extra:
        qs = qs.filter(extra[figure])
    return qs
