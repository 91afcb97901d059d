"""What the dashboard shows each person: a section per part they play, chosen by their role
in the tenant they act in and checked against the permission each section reads with.

| role | sections |
| --- | --- |
| agent | my day: items handed on today, in hand, claimable; my QA accuracy; my handle time |
| team lead | the floor now: waiting per queue and age, SLA at risk, items handed on per hour |
| operations manager | SLA met per engagement per week, backlog, items per agent; the lead's |
| QA reviewer | the QA queue, accuracy per week, the fields corrected most |
| finance | receivables aging, revenue per month, cash received per month |
| client admin / user | SLA met, open, waiting, done per day (the client dashboard's figures) |
| provider admin, auditor | operations and finance |

Every figure is an aggregate query scoped like the pages: work through the clients the
person sees (`work.selectors.work_tenant_ids`; a client sees only its own), commerce through
the tenant acted in. The charts are `core.charts` SVG (decision 0009).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import dateformat
from django.utils.safestring import SafeString

from backoffice.audit import descriptions as audit_descriptions
from backoffice.audit import selectors as audit_selectors
from backoffice.commerce import reports as commerce_reports
from backoffice.commerce.models import DocKind, DocStatus, Document, Payment, PaymentDirection
from backoffice.core import charts
from backoffice.core.dates import local_text
from backoffice.core.errors import field_label
from backoffice.ledger import money
from backoffice.portal.dashboard import figures as client_figures
from backoffice.portal.dashboard import views as client_views
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import TenantAccess, access_members
from backoffice.work import metrics
from backoffice.work import selectors as work_selectors
from backoffice.work.models import CLAIMABLE_STATES, State
from backoffice.work.views import reports as work_reports


@dataclass(frozen=True)
class Stat:
    label: str
    value: str
    href: str = ""
    tone: str = ""  # "", "ok", "warn" or "bad"


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[tuple[str, str]]]  # (text, link or "") per cell
    empty: str = "Nothing yet."


@dataclass
class Section:
    key: str
    title: str
    stats: list[Stat] = field(default_factory=list)
    charts: list[SafeString] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def context(access: TenantAccess) -> dict[str, Any]:
    """The dashboard page's context for this person in this tenant."""
    recent: list[Any] = []
    if access.can(Perm.VIEW_AUDIT):
        events = audit_selectors.access_events(access)[:8]
        recent = audit_descriptions.present(events, currency=access.tenant.currency)
    sections = sections_for(access)
    return {
        "work_sections": [s for s in sections if s.key != "finance"],
        "money_sections": [s for s in sections if s.key == "finance"],
        "member_count": access_members(access).count(),
        "recent_events": recent,
    }


def sections_for(access: TenantAccess) -> list[Section]:
    """The role's sections, each only when the person holds the permission it reads with."""
    keys = ROLE_SECTIONS.get(access.role, ())
    return [build(access) for key in keys for perm, build in [SECTIONS[key]] if access.can(perm)]


def _url(access: TenantAccess, name: str, query: str = "", **kwargs: Any) -> str:
    path = reverse(name, kwargs={"tenant": access.tenant.slug, **kwargs})
    return f"{path}?{query}" if query else path


def _count(n: int) -> str:
    return f"{n:,}"


def _last_days(access: TenantAccess, days: int) -> metrics.Period:
    today = metrics.local_today(access)
    return metrics.Period(today - timedelta(days=days - 1), today, access.user.timezone or "UTC")


# --- provider staff ---------------------------------------------------------------------------


def _agent(access: TenantAccess) -> Section:
    """The agent's own day: what they finished, hold and could take; their accuracy and pace."""
    me = access.user
    today = metrics.local_today(access)
    handed = metrics.handed_on_count(access, day=today, agent_id=me.pk)
    in_hand = work_selectors.items(access, state=State.IN_PROGRESS, assignee=me).count()
    claimable = work_selectors.items(access, state__in=list(CLAIMABLE_STATES)).count()
    accuracy = metrics.qa_accuracy_over(access, period=_last_days(access, 30), agent_id=me.pk)
    trend = metrics.handle_time_by_day(access, agent_id=me.pk, period=_last_days(access, 14))
    labels = [work_reports.day_label(d.day) for d in trend]
    return Section(
        key="agent",
        title="Your work",
        stats=[
            Stat("Handed on today", _count(handed)),
            Stat("In your hands", _count(in_hand)),
            Stat("Waiting to be claimed", _count(claimable), _url(access, "work:next")),
        ],
        charts=[
            charts.donut(
                title="Your QA accuracy, last 30 days",
                value=accuracy.accuracy,
                caption=_accuracy_caption(accuracy),
                color=charts.PALETTE[2],
            ),
            charts.line_chart(
                title="Your minutes per item (median), last 14 days",
                labels=labels,
                series=[charts.Series("Median minutes", [d.median_minutes for d in trend])],
                area=True,
            ),
        ],
        links=[("Take the next item", _url(access, "work:next"))],
    )


def _accuracy_caption(row: metrics.AccuracyRow) -> str:
    if not row.fields_reviewed:
        return "No reviews of your work in 30 days."
    return f"{row.fields_correct:,} of {row.fields_reviewed:,} fields correct"


def _lead(access: TenantAccess) -> Section:
    """The floor now: what waits where and for how long, what is at risk, today's pace."""
    rows = work_selectors.backlog(access)
    at_risk = sum(r["at_risk"] for r in rows)
    breached = sum(r["breached"] for r in rows)
    waiting = sum(r["waiting"] for r in rows)
    backlog_url = _url(access, "work:backlog")
    return Section(
        key="lead",
        title="The floor now",
        stats=[
            Stat("Open items", _count(sum(r["open"] for r in rows)), backlog_url),
            Stat(
                "SLA at risk",
                _count(at_risk),
                _url(access, "work:items", "risk=1"),
                "warn" if at_risk else "ok",
            ),
            Stat("SLA breached", _count(breached), backlog_url, "bad" if breached else "ok"),
            Stat("Waiting on the client", _count(waiting)),
        ],
        charts=[
            work_reports.waiting_by_queue_chart(access),
            work_reports.throughput_chart(access, day=metrics.local_today(access)),
            work_reports.open_work_chart(rows),
        ],
        links=[
            ("Backlog and reassigning", backlog_url),
            ("Handle time", _url(access, "work:handle_time")),
            ("Accuracy", _url(access, "work:accuracy")),
        ],
    )


def _operations(access: TenantAccess) -> Section:
    """Trends across engagements: SLA met week by week, the backlog, who handed on what."""
    week = _last_days(access, 7)
    per_agent = metrics.handed_on_by_agent(access, period=week)
    _starts, attainment = metrics.sla_attainment_by_week(access, weeks=1)
    done = sum(a.done[-1] for a in attainment)
    met = sum(a.met[-1] for a in attainment)
    share = round(100 * met / done, 1) if done else None
    return Section(
        key="operations",
        title="Operations",
        stats=[
            Stat("SLA met this week", "—" if share is None else charts.percent(share)),
            Stat("Done this week", _count(done)),
            Stat("Handed on, last 7 days", _count(sum(n for _, n in per_agent))),
        ],
        charts=[
            work_reports.sla_attainment_chart(access),
            work_reports.backlog_trend_chart(access),
            charts.bar_chart(
                title="Items handed on per agent, last 7 days",
                labels=[name for name, _ in per_agent],
                values=[n for _, n in per_agent],
            ),
        ],
    )


def _qa(access: TenantAccess) -> Section:
    """The reviewer's queue, how accurate the work is week by week, where it goes wrong."""
    waiting = metrics.reviews_waiting(access)
    starts, weekly = metrics.qa_accuracy_by_week(access)
    fields = metrics.most_corrected_fields(access, period=_last_days(access, 30))
    return Section(
        key="qa",
        title="Quality",
        stats=[
            Stat("Waiting for review", _count(waiting["in_review"]), _url(access, "work:qa")),
            Stat("Double keys to settle", _count(waiting["adjudication"]), _url(access, "work:qa")),
        ],
        charts=[
            charts.line_chart(
                title="QA accuracy per week (fields correct)",
                labels=[work_reports.day_label(d) for d in starts],
                series=[charts.Series("Accuracy", weekly)],
                fmt=charts.percent,
                lo=0,
                hi=100,
            ),
            charts.bar_chart(
                title="Fields corrected most, last 30 days",
                labels=[field_label(name).capitalize() for name, _, _ in fields],
                values=[n for _, n, _ in fields],
                color=charts.PALETTE[3],
            ),
        ],
        links=[
            ("QA queue", _url(access, "work:qa")),
            ("Accuracy report", _url(access, "work:accuracy")),
        ],
    )


# --- finance ---------------------------------------------------------------------------------

AGING_LABELS = ("Not yet due", "1–30 days late", "31–60 days late", "61–90 days late", "Over 90")


def aging_totals(access: TenantAccess, *, kind: str, today: date) -> dict[str, list[int]]:
    """Open amounts of issued invoices (or bills) per currency and lateness bucket, in minor
    units: one grouped query over the open documents."""
    due = Coalesce("due_date", "date")
    open_amount = F("gross") - F("settled")
    edges = [today - timedelta(days=d) for d in (0, 30, 60, 90)]
    buckets = [
        Q(due_on__gte=edges[0]),
        Q(due_on__lt=edges[0], due_on__gte=edges[1]),
        Q(due_on__lt=edges[1], due_on__gte=edges[2]),
        Q(due_on__lt=edges[2], due_on__gte=edges[3]),
        Q(due_on__lt=edges[3]),
    ]
    rows = (
        Document.objects.for_tenant(access.tenant)
        .filter(kind=kind, status=DocStatus.ISSUED, settled__lt=F("gross"))
        .annotate(due_on=due)
        .values("currency")
        .annotate(**{f"b{i}": Sum(open_amount, filter=q) for i, q in enumerate(buckets)})
        .order_by("currency")
    )
    return {r["currency"]: [int(r[f"b{i}"] or 0) for i in range(len(buckets))] for r in rows}


def _months(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _ in range(count):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def cash_received_by_month(access: TenantAccess, *, months: list[date]) -> list[int]:
    """Payments received per month in the tenant's currency (at each payment's rate)."""
    tenant = access.tenant
    rows = (
        Payment.objects.for_tenant(tenant)
        .filter(direction=PaymentDirection.RECEIVED, date__gte=months[0])
        .annotate(month=TruncMonth("date"))
        .values("month", "currency", "rate")
        .annotate(total=Sum("amount"))
    )
    index = {m: i for i, m in enumerate(months)}
    out = [0] * len(months)
    for r in rows:
        i = index.get(r["month"])
        if i is not None:
            out[i] += money.convert(
                r["total"], rate=r["rate"], currency=r["currency"], to=tenant.currency
            )
    return out


def _monthly(title: str, labels: list[str], name: str, values: list[int], cur: str) -> SafeString:
    if not any(values):
        return charts.empty(title, "Nothing in the last 12 months.")
    return charts.column_chart(
        title=title,
        labels=labels,
        series=[charts.Series(name, values)],
        fmt=lambda v: money.display(int(v), cur),
    )


def _finance(access: TenantAccess) -> Section:
    """What clients owe and how late, what was earned and what came in, month by month."""
    cur = access.tenant.currency
    today = metrics.local_today(access)
    receivable = aging_totals(access, kind=DocKind.INVOICE, today=today)
    payable = aging_totals(access, kind=DocKind.BILL, today=today)
    months = _months(today, 12)
    sales = commerce_reports.by_period(
        access.tenant, side="sales", start=months[0], end=today, group="month"
    )
    by_month = {row.key: row.net for row in sales}
    received = cash_received_by_month(access, months=months)
    net = [by_month.get(f"{m:%Y-%m}", 0) for m in months]
    labels = [dateformat.format(m, "M y") for m in months]

    def amount(c: str) -> charts.Fmt:
        return lambda v: money.display(int(v), c)

    aging_url = _url(access, "commerce:report", kind="receivables")
    stats = [
        Stat(
            f"Open receivables ({c})",
            money.display(sum(b), c),
            aging_url,
            "warn" if any(b[1:]) else "",
        )
        for c, b in receivable.items()
    ] or [Stat("Open receivables", money.display(0, cur), aging_url)]
    stats += [Stat(f"Open payables ({c})", money.display(sum(b), c)) for c, b in payable.items()]
    aging_charts = [
        charts.bar_chart(
            title=f"Receivables by lateness ({c})",
            labels=AGING_LABELS,
            values=b,
            fmt=amount(c),
        )
        for c, b in receivable.items()
    ] or [charts.empty("Receivables by lateness", "No open invoices.")]
    return Section(
        key="finance",
        title="Finance",
        stats=stats,
        charts=[
            *aging_charts,
            _monthly(f"Revenue per month, net ({cur})", labels, "Net sales", net, cur),
            _monthly(f"Cash received per month ({cur})", labels, "Received", received, cur),
        ],
        links=[
            ("Receivables aging", _url(access, "commerce:report", kind="receivables")),
            ("Sales by month", _url(access, "commerce:report", kind="sales")),
        ],
    )


# --- the client ------------------------------------------------------------------------------

STATE_COLORS = {
    State.NEW: charts.PALETTE[5],
    State.QUEUED: charts.PALETTE[0],
    State.IN_PROGRESS: charts.PALETTE[2],
    State.WAITING_ON_CLIENT: charts.PALETTE[1],
    State.IN_REVIEW: charts.PALETTE[4],
    State.REWORK: charts.PALETTE[3],
    State.DONE: "#155c37",
    State.CANCELLED: charts.PALETTE[5],
}


def _client(access: TenantAccess) -> Section:
    """The client's service at a glance (the client dashboard's figures, for the engagements
    this member may see), the latest deliveries, and the way to the full client dashboard."""
    f = client_figures.compute(access)
    delivered = metrics.recent_deliveries(access)
    sla = f.sla_percent
    target = f.sla_target
    return Section(
        key="client",
        title="Your service",
        stats=[
            Stat(
                f"SLA met, last {client_figures.WINDOW_DAYS} days",
                "—" if sla is None else f"{sla} %",
                client_views.items_url(access, "late"),
                "" if sla is None or target is None else ("ok" if sla >= target else "bad"),
            ),
            Stat("Open", _count(f.total_open), client_views.items_url(access, "open")),
            Stat(
                "Waiting for your answer",
                _count(f.total_waiting),
                client_views.items_url(access, "waiting"),
                "warn" if f.total_waiting else "",
            ),
            Stat(
                "Done per day",
                f"{f.done_per_day}",
                client_views.items_url(access, "done"),
            ),
        ],
        charts=client_views.figure_charts(access, f)[:2],
        tables=[
            Table(
                caption="Recently delivered",
                header=["Reference", "Engagement", "Done"],
                rows=[
                    [
                        (i.external_ref, _url(access, "work:item", item_id=i.pk)),
                        (i.engagement.name, ""),
                        (local_text(i.completed_at), ""),
                    ]
                    for i in delivered
                ],
                empty="Nothing delivered yet.",
            )
        ],
        links=[
            ("Open the client dashboard", _url(access, "portal:dashboard")),
            ("All your items", _url(access, "work:items")),
        ],
    )


SECTIONS: dict[str, tuple[str, Callable[[TenantAccess], Section]]] = {
    "agent": (Perm.PROCESS_WORK, _agent),
    "lead": (Perm.ROUTE_WORK, _lead),
    "operations": (Perm.VIEW_WORK, _operations),
    "qa": (Perm.REVIEW_WORK, _qa),
    "finance": (Perm.VIEW_COMMERCE, _finance),
    "client": (Perm.VIEW_WORK, _client),
}

ROLE_SECTIONS: dict[str, tuple[str, ...]] = {
    Role.AGENT: ("agent",),
    Role.TEAM_LEAD: ("lead",),
    Role.OPERATIONS_MANAGER: ("operations", "lead"),
    Role.QA_REVIEWER: ("qa",),
    Role.FINANCE: ("finance",),
    Role.PROVIDER_ADMIN: ("operations", "finance"),
    Role.AUDITOR: ("operations", "finance"),
    Role.CLIENT_ADMIN: ("client",),
    Role.CLIENT_USER: ("client",),
}
