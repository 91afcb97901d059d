"""The operations reports: reads of the roll-ups (and of the open backlog), scoped to who asks.

Only provider staff with `reports.view` read them, acting in the provider's tenant, over
the clients they serve where their role grants the permission (provider-wide roles: every
client). Each report returns one `Report`: named columns and rows of plain values, which
the page draws and tabulates, the CSV/XLSX download writes and the API returns as they are.

Periods are local dates of the viewer's zone, both ends included (as in the work reports);
the roll-ups' UTC hours are grouped into the viewer's days, weeks and months by the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from backoffice.core.errors import DomainError, Forbidden
from backoffice.core.forms import date_or_none
from backoffice.reports.error_codes import ErrorCode
from backoffice.reports.models import AgentHour, ItemHour
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import ROLE_PERMISSIONS, Perm
from backoffice.tenancy.selectors import TenantAccess, accessible_tenants
from backoffice.work.metrics import AGE_BUCKETS, Period, items_per_hour, period_for
from backoffice.work.models import OPEN_STATES, Engagement, State, WorkItem
from backoffice.workforce import selectors as workforce
from backoffice.workforce.models import AgentProfile, Shift
from backoffice.workforce.timeline import Adherence, Piece, adherence, clip, scheduled
from backoffice.workforce.timeline import percent as share_percent

KINDS = ("sla", "backlog", "throughput", "productivity", "quality", "adherence")
TITLES = {
    "sla": "SLA attainment",
    "backlog": "Backlog",
    "throughput": "Throughput",
    "productivity": "Productivity",
    "quality": "QA accuracy",
    "adherence": "Adherence",
}
DEFAULT_DAYS = 30
MAX_DAYS = 400
MAX_ADHERENCE_DAYS = 7
# Over a longer period, throughput is shown per week instead of per day.
WEEKLY_AFTER_DAYS = 92


@dataclass(frozen=True)
class Filters:
    period: Period
    client_id: int | None = None
    engagement_id: int | None = None
    team: str = ""

    @property
    def start(self) -> date:
        assert self.period.start is not None
        return self.period.start

    @property
    def end(self) -> date:
        assert self.period.end is not None
        return self.period.end

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.period.tz)


@dataclass
class Report:
    kind: str
    filters: Filters
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    def table(self) -> list[list[Any]]:
        """The export rows in column order; empty figures as blanks."""
        return [["" if r.get(c) is None else r.get(c) for c in self.columns] for r in self.rows]


# --- who reads what ------------------------------------------------------------------------


def require_reader(access: TenantAccess) -> None:
    access.require(Perm.VIEW_REPORTS)
    if not access.tenant.is_provider:
        raise Forbidden(
            "Operations reports are kept in the provider's account; switch to it.",
            code=ErrorCode.NOT_A_PROVIDER,
        )


def report_tenant_ids(access: TenantAccess) -> list[int]:
    """The clients whose figures the caller reads: those of this provider where their role
    (by membership, or provider-wide) grants `reports.view`."""
    if not access.tenant.is_provider:
        return []
    return [
        org.pk
        for org, role in accessible_tenants(access.user)
        if not org.is_provider
        and org.provider_id == access.tenant.pk
        and Perm.VIEW_REPORTS in ROLE_PERMISSIONS.get(role, frozenset())
    ]


def rls_tenant_ids(access: TenantAccess) -> list[int]:
    """What row-level security shows a reports request: the provider and its clients read."""
    return sorted({access.tenant.pk, *report_tenant_ids(access)})


def clients(access: TenantAccess) -> list[Organization]:
    return list(Organization.objects.filter(pk__in=report_tenant_ids(access)).order_by("name"))


def engagements(access: TenantAccess) -> list[Engagement]:
    return list(
        Engagement.objects.for_tenants(report_tenant_ids(access))
        .select_related("tenant")
        .order_by("tenant__name", "name")
    )


def teams(access: TenantAccess) -> list[str]:
    rows = AgentProfile.objects.for_tenant(access.tenant).filter(is_active=True)
    return sorted(set(rows.values_list("team", flat=True)))


# --- filters -------------------------------------------------------------------------------


def parse_filters(access: TenantAccess, params: Mapping[str, str], *, today: date) -> Filters:
    """The filters as typed (`start`, `end`, `client`, `engagement`, `team`), checked: every
    problem named against its field in words. Without dates: the last 30 days to today."""
    raw = {k: (params.get(k) or "").strip() for k in ("start", "end", "client", "engagement")}
    bad: dict[str, list[str]] = {}
    start, end = date_or_none(raw["start"]), date_or_none(raw["end"])
    for key, parsed in (("start", start), ("end", end)):
        if raw[key] and parsed is None:
            bad[key] = ["Not a date (YYYY-MM-DD)."]
    end = end or (today if not raw["end"] else None)
    if start is None and not raw["start"] and end is not None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if start and end and (end - start).days + 1 > MAX_DAYS:
        bad["end"] = [f"A report covers at most {MAX_DAYS} days; pick a shorter period."]
    client_id = _client_id(access, raw["client"], bad)
    engagement_id = _engagement_id(access, raw["engagement"], client_id, bad)
    team = (params.get("team") or "").strip()
    if team and team not in teams(access):
        bad["team"] = ["No such team."]
    if bad:
        raise DomainError("Some filters are not valid.", fields=bad, code=ErrorCode.BAD_FILTER)
    period = period_for(access, start, end)
    return Filters(period, client_id, engagement_id, team)


def _client_id(access: TenantAccess, slug: str, bad: dict[str, list[str]]) -> int | None:
    if not slug:
        return None
    found = [c.pk for c in clients(access) if c.slug == slug]
    if not found:
        bad["client"] = ["No such client among those you serve."]
        return None
    return found[0]


def _engagement_id(
    access: TenantAccess, value: str, client_id: int | None, bad: dict[str, list[str]]
) -> int | None:
    if not value:
        return None
    known = {e.pk: e for e in engagements(access)}
    pk = int(value) if value.isdigit() and len(value) < 12 else None
    if pk is None or pk not in known:
        bad["engagement"] = ["No such engagement."]
        return None
    if client_id is not None and known[pk].tenant_id != client_id:
        bad["engagement"] = ["That engagement is not the chosen client's."]
        return None
    return pk


def _tenants(access: TenantAccess, f: Filters) -> list[int]:
    ids = report_tenant_ids(access)
    return [t for t in ids if f.client_id in (None, t)]


def _in_period(qs: QuerySet[Any], f: Filters) -> QuerySet[Any]:
    lo, hi = f.period.bounds()
    qs = qs.filter(hour__gte=lo, hour__lt=hi)
    if f.engagement_id is not None:
        qs = qs.filter(engagement_id=f.engagement_id)
    return qs


def _local(value: date | datetime, zone: ZoneInfo) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def percent(part: float, whole: float) -> float | None:
    """The work reports' rule: one decimal, None with nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def _names(access: TenantAccess) -> dict[int, Engagement]:
    return {e.pk: e for e in engagements(access)}


# --- SLA attainment ------------------------------------------------------------------------

SLA_COLUMNS = [
    "client",
    "engagement",
    "month",
    "completed",
    "on_time",
    "late",
    "attainment_percent",
    "target_percent",
    "target_met",
]


def sla_report(access: TenantAccess, f: Filters) -> Report:
    """Items done per client, engagement and local month of the period, and the share done
    by their due time, against the engagement's target."""
    grouped = (
        _in_period(ItemHour.objects.for_tenants(_tenants(access, f)), f)
        .annotate(month=TruncMonth("hour", tzinfo=f.zone))
        .values("engagement_id", "month")
        .annotate(done=Sum("completed"), on_time=Sum("completed_on_time"))
        .filter(done__gt=0)
    )
    names = _names(access)
    report = Report("sla", f, SLA_COLUMNS)
    done_all = on_time_all = 0
    for r in grouped:
        e = names.get(r["engagement_id"])
        if e is None:
            continue
        attained = percent(r["on_time"], r["done"])
        report.rows.append(
            {
                "client": e.tenant.name,
                "engagement": e.name,
                "engagement_id": e.pk,
                "month": _local(r["month"], f.zone).strftime("%Y-%m"),
                "completed": r["done"],
                "on_time": r["on_time"],
                "late": r["done"] - r["on_time"],
                "attainment_percent": attained,
                "target_percent": e.sla_target_percent,
                "target_met": "yes" if (attained or 0) >= e.sla_target_percent else "no",
            }
        )
        done_all += r["done"]
        on_time_all += r["on_time"]
    report.rows.sort(key=lambda r: (r["client"], r["engagement"], r["month"]))
    report.totals = {
        "completed": done_all,
        "on_time": on_time_all,
        "late": done_all - on_time_all,
        "attainment_percent": percent(on_time_all, done_all),
    }
    return report


# --- backlog by age and due time -----------------------------------------------------------

DUE_BUCKETS = (
    ("overdue", None, timedelta(0)),
    ("due within 1 h", timedelta(0), timedelta(hours=1)),
    ("due in 1–4 h", timedelta(hours=1), timedelta(hours=4)),
    ("due in 4–24 h", timedelta(hours=4), timedelta(days=1)),
    ("due later", timedelta(days=1), None),
)
PAUSED = "paused (waiting on client)"
AGE_LABELS = [label for label, _ in AGE_BUCKETS]
DUE_LABELS = [label for label, _, _ in DUE_BUCKETS] + [PAUSED]
BACKLOG_COLUMNS = ["client", "engagement", "open", *AGE_LABELS, *DUE_LABELS]


def backlog_report(access: TenantAccess, f: Filters, *, now: datetime | None = None) -> Report:
    """Open items now per engagement, by time since received and by time to their due time
    (items waiting on the client stand apart: their clock is paused). One grouped count
    over the open items only (the `(tenant, state, sla_due_at)` index), never the history."""
    now = now or timezone.now()
    counts: dict[str, Any] = {"open": Count("id")}
    newer: timedelta | None = None
    for i, (_label, age) in enumerate(AGE_BUCKETS):
        cond = Q()
        if age is not None:
            cond &= Q(received_at__gt=now - age)
        if newer is not None:
            cond &= Q(received_at__lte=now - newer)
        counts[f"a{i}"] = Count("id", filter=cond)
        newer = age
    running = ~Q(state=State.WAITING_ON_CLIENT)
    for i, (_label, lo, hi) in enumerate(DUE_BUCKETS):
        cond = running
        if lo is not None:
            cond &= Q(sla_due_at__gte=now + lo)
        if hi is not None:
            cond &= Q(sla_due_at__lt=now + hi)
        counts[f"d{i}"] = Count("id", filter=cond)
    counts["paused"] = Count("id", filter=Q(state=State.WAITING_ON_CLIENT))
    qs = WorkItem.objects.for_tenants(_tenants(access, f)).filter(state__in=list(OPEN_STATES))
    if f.engagement_id is not None:
        qs = qs.filter(engagement_id=f.engagement_id)
    names = _names(access)
    report = Report("backlog", f, BACKLOG_COLUMNS)
    for r in qs.values("engagement_id").annotate(**counts):
        e = names.get(r["engagement_id"])
        if e is None:
            continue
        row: dict[str, Any] = {"client": e.tenant.name, "engagement": e.name, "open": r["open"]}
        row["engagement_id"] = e.pk
        row.update({label: r[f"a{i}"] for i, label in enumerate(AGE_LABELS)})
        row.update({label: r[f"d{i}"] for i, (label, _, _) in enumerate(DUE_BUCKETS)})
        row[PAUSED] = r["paused"]
        report.rows.append(row)
    report.rows.sort(key=lambda r: (r["client"], r["engagement"]))
    report.totals = {c: sum(r[c] for r in report.rows) for c in BACKLOG_COLUMNS[2:]}
    return report


# --- throughput ----------------------------------------------------------------------------

THROUGHPUT_COLUMNS = ["period", "arrived", "completed", "on_time", "cancelled", "net_change"]


def throughput_report(access: TenantAccess, f: Filters) -> Report:
    """Items arrived, done (and of those on time) and cancelled per local day of the period,
    or per week (Monday first) when the period is longer than 92 days."""
    weekly = (f.end - f.start).days + 1 > WEEKLY_AFTER_DAYS
    trunc = TruncWeek if weekly else TruncDay
    grouped = (
        _in_period(ItemHour.objects.for_tenants(_tenants(access, f)), f)
        .annotate(bucket=trunc("hour", tzinfo=f.zone))
        .values("bucket")
        .annotate(
            arrived=Sum("arrived"),
            done=Sum("completed"),
            on_time=Sum("completed_on_time"),
            cancelled=Sum("cancelled"),
        )
    )
    found = {_local(r["bucket"], f.zone): r for r in grouped}
    first = f.start - timedelta(days=f.start.weekday()) if weekly else f.start
    step = 7 if weekly else 1
    report = Report("throughput", f, THROUGHPUT_COLUMNS)
    day = first
    while day <= f.end:
        r = found.get(day, {})
        arrived, done = r.get("arrived") or 0, r.get("done") or 0
        cancelled = r.get("cancelled") or 0
        report.rows.append(
            {
                "period": day.isoformat(),
                "arrived": arrived,
                "completed": done,
                "on_time": r.get("on_time") or 0,
                "cancelled": cancelled,
                "net_change": arrived - done - cancelled,
            }
        )
        day += timedelta(days=step)
    report.totals = {c: sum(r[c] for r in report.rows) for c in THROUGHPUT_COLUMNS[1:]}
    report.totals["weekly"] = weekly
    return report


# --- productivity and QA accuracy (per agent) ----------------------------------------------


def _agent_hours(access: TenantAccess, f: Filters) -> QuerySet[AgentHour]:
    qs = _in_period(AgentHour.objects.for_tenants(_tenants(access, f)), f)
    if f.team:
        team = AgentProfile.objects.for_tenant(access.tenant).filter(team=f.team)
        qs = qs.filter(agent_id__in=list(team.values_list("user_id", flat=True)))
    return qs


def _agent_names(ids: set[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))


def _teams_of(access: TenantAccess) -> dict[int, str]:
    rows = AgentProfile.objects.for_tenant(access.tenant).values_list("user_id", "team")
    return dict(rows)


PRODUCTIVITY_COLUMNS = [
    "agent",
    "team",
    "handed_on",
    "stretches",
    "hours_held",
    "items_per_hour",
    "minutes_per_stretch",
]


def productivity_report(access: TenantAccess, f: Filters) -> Report:
    """Per agent over the period: items handed on (to review or done), stretches held in
    progress and the hours held, items handed on per hour held (the work reports' rate:
    none under ten minutes held) and the mean minutes of a stretch."""
    grouped = (
        _agent_hours(access, f)
        .values("agent_id")
        .annotate(n=Sum("stretches"), seconds=Sum("held_seconds"), handed=Sum("handed_on"))
        .filter(n__gt=0)
    )
    rows = list(grouped)
    names = _agent_names({r["agent_id"] for r in rows})
    team_of = _teams_of(access)
    report = Report("productivity", f, PRODUCTIVITY_COLUMNS)
    for r in rows:
        report.rows.append(
            {
                "agent": names.get(r["agent_id"], "?"),
                "team": team_of.get(r["agent_id"], ""),
                "handed_on": r["handed"],
                "stretches": r["n"],
                "hours_held": round(r["seconds"] / 3600, 2),
                "held_seconds": round(r["seconds"], 1),
                "items_per_hour": items_per_hour(r["handed"], r["seconds"]),
                "minutes_per_stretch": round(r["seconds"] / 60 / r["n"], 2),
            }
        )
    report.rows.sort(key=lambda r: (-r["handed_on"], r["agent"]))
    seconds = sum(r["seconds"] for r in rows)
    handed = sum(r["handed"] for r in rows)
    report.totals = {
        "handed_on": handed,
        "stretches": sum(r["n"] for r in rows),
        "hours_held": round(seconds / 3600, 2),
        "items_per_hour": items_per_hour(handed, seconds),
    }
    return report


QUALITY_COLUMNS = ["agent", "team", "reviews", "fields_reviewed", "fields_correct", "accuracy"]


def quality_report(access: TenantAccess, f: Filters) -> Report:
    """QA accuracy (fields correct ÷ fields reviewed) per agent over the period, and its
    trend per local week (`totals["weeks"]`: week start, reviewed, correct, accuracy)."""
    qs = _agent_hours(access, f).filter(qa_reviews__gt=0)
    rows = list(
        qs.values("agent_id").annotate(
            n=Sum("qa_reviews"), fields=Sum("qa_fields"), correct=Sum("qa_correct")
        )
    )
    names = _agent_names({r["agent_id"] for r in rows})
    team_of = _teams_of(access)
    report = Report("quality", f, QUALITY_COLUMNS)
    for r in rows:
        report.rows.append(
            {
                "agent": names.get(r["agent_id"], "?"),
                "team": team_of.get(r["agent_id"], ""),
                "reviews": r["n"],
                "fields_reviewed": r["fields"],
                "fields_correct": r["correct"],
                "accuracy": percent(r["correct"], r["fields"]),
            }
        )
    report.rows.sort(key=lambda r: (r["accuracy"] or 0, r["agent"]))
    weeks = (
        qs.annotate(week=TruncWeek("hour", tzinfo=f.zone))
        .values("week")
        .annotate(fields=Sum("qa_fields"), correct=Sum("qa_correct"))
        .order_by("week")
    )
    fields_all = sum(r["fields"] for r in rows)
    correct_all = sum(r["correct"] for r in rows)
    report.totals = {
        "reviews": sum(r["n"] for r in rows),
        "fields_reviewed": fields_all,
        "fields_correct": correct_all,
        "accuracy": percent(correct_all, fields_all),
        "weeks": [
            {
                "week": _local(w["week"], f.zone).isoformat(),
                "fields_reviewed": w["fields"],
                "fields_correct": w["correct"],
                "accuracy": percent(w["correct"], w["fields"]),
            }
            for w in weeks
        ],
    }
    return report


# --- adherence -----------------------------------------------------------------------------

ADHERENCE_COLUMNS = [
    "agent",
    "team",
    "shifts",
    "scheduled_minutes",
    "kept_minutes",
    "adherence_percent",
    "work_scheduled_minutes",
    "worked_minutes",
    "conformance_percent",
]


def adherence_report(access: TenantAccess, f: Filters) -> Report:
    """Schedule adherence and conformance per agent over the shifts starting in the period
    (at most a week), from the workforce app's own figures, summed per agent."""
    days = (f.end - f.start).days + 1
    if days > MAX_ADHERENCE_DAYS:
        raise DomainError(
            f"Adherence covers at most {MAX_ADHERENCE_DAYS} days at a time; pick a shorter period.",
            fields={"end": [f"at most {MAX_ADHERENCE_DAYS} days after the start"]},
            code=ErrorCode.BAD_FILTER,
        )
    sums: dict[int, list[float]] = {}
    for shift, r in _shift_adherence(access, f):
        s = sums.setdefault(shift.agent_id, [0, 0.0, 0.0, 0.0, 0.0])
        s[0] += 1
        s[1] += r.scheduled_seconds
        s[2] += r.kept_seconds
        s[3] += r.work_scheduled_seconds
        s[4] += r.worked_seconds
    names = _agent_names(set(sums))
    team_of = _teams_of(access)
    report = Report("adherence", f, ADHERENCE_COLUMNS)
    for agent_id, (n, sched, kept, work_sched, worked) in sums.items():
        report.rows.append(
            {
                "agent": names.get(agent_id, "?"),
                "team": team_of.get(agent_id, ""),
                "shifts": int(n),
                "scheduled_minutes": round(sched / 60, 1),
                "kept_minutes": round(kept / 60, 1),
                "adherence_percent": share_percent(kept, sched),
                "work_scheduled_minutes": round(work_sched / 60, 1),
                "worked_minutes": round(worked / 60, 1),
                "conformance_percent": share_percent(worked, work_sched),
            }
        )
    report.rows.sort(key=lambda r: (r["adherence_percent"] or 0, r["agent"]))
    total = [sum(s[k] for s in sums.values()) for k in range(5)]
    report.totals = {
        "shifts": int(total[0]),
        "adherence_percent": share_percent(total[2], total[1]),
        "conformance_percent": share_percent(total[4], total[3]),
    }
    return report


def _shift_adherence(access: TenantAccess, f: Filters) -> list[tuple[Shift, Adherence]]:
    """Each shift starting in the period with its adherence, as `workforce.shift_adherence`
    computes it, but from one timeline read for every agent over all the shifts (and the
    hours around them) instead of one read per shift."""
    lo, hi = f.period.bounds()
    assert lo is not None and hi is not None
    ids = [p.user_id for p in workforce.profiles(access, team=f.team)]
    found = [
        s for s in workforce.shifts(access, agent_ids=ids, since=lo, until=hi) if s.starts_at >= lo
    ]
    if not found:
        return []
    margin = workforce.AROUND_SHIFT
    lines, _ = workforce.timelines(
        access,
        agent_ids=sorted({s.agent_id for s in found}),
        since=min(s.starts_at for s in found) - margin,
        until=max(s.ends_at for s in found) + margin,
    )
    out = []
    for s in found:
        acts = [Piece(a.starts_at, a.ends_at, a.kind) for a in s.activities.all()]
        window = (s.starts_at - margin, s.ends_at + margin)
        actual = clip(lines.get(s.agent_id, []), *window)
        out.append((s, adherence(scheduled(s.starts_at, s.ends_at, acts), actual, window=window)))
    return out


BUILDERS = {
    "sla": sla_report,
    "backlog": backlog_report,
    "throughput": throughput_report,
    "productivity": productivity_report,
    "quality": quality_report,
    "adherence": adherence_report,
}


def build(access: TenantAccess, kind: str, f: Filters) -> Report:
    require_reader(access)
    builder: Any = BUILDERS[kind]
    return builder(access, f)  # type: ignore[no-any-return]
