"""Metering: the work log's completed items, billed once, summed in the database.

`bill_items` claims every completed item of a contract's engagements that no invoice has
billed yet and whose completion falls before the period's end, in ONE statement
(INSERT ... SELECT ... WHERE NOT EXISTS): an item completed late for an earlier month is
billed by the next run, never lost; the unique item of `BilledItem` makes a second
billing impossible. Each row takes the version in force on the item's completion day (in
the contract's zone) and its measures from the item and its events:

* fields keyed: the output's fields; characters keyed: the length of its text and number
  values (a yes/no counts none);
* pages, lines, audio minutes: the item's `pages`, `lines`, `audio_minutes` data (numbers);
* handle time: time in progress up to the first rework (work redone after the provider's
  own QA sent it back is not billable). Every in-progress interval of a completed item is
  closed, so it is the sum of the times leaving "in progress" less the times entering it.

`usage` sums the billed rows per version, engagement, priority and business hours with
GROUP BY; nothing here loops over items in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Sum

from backoffice.billing.models import BilledItem, BillingInvoice, Contract, ContractVersion
from backoffice.work.calendar import calendar_for
from backoffice.work.models import State
from backoffice.work.sla import spec_of

UTC = ZoneInfo("UTC")


def local_midnight(tz: str, day: date) -> datetime:
    """The instant a local day starts in zone `tz`, in UTC."""
    return datetime.combine(day, time.min, ZoneInfo(tz)).astimezone(UTC)


def month_end(period: date) -> date:
    nxt = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def period_window(contract: Contract, period: date) -> tuple[datetime, datetime]:
    """[start, end) of a billing month in the contract's (client's calendar) zone."""
    return (
        local_midnight(contract.timezone, period),
        local_midnight(contract.timezone, month_end(period) + timedelta(days=1)),
    )


def version_window(contract: Contract, v: ContractVersion) -> tuple[datetime, datetime | None]:
    end = None if v.effective_to is None else v.effective_to + timedelta(days=1)
    return (
        local_midnight(contract.timezone, v.effective_from),
        None if end is None else local_midnight(contract.timezone, end),
    )


def _p(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


_PG = {
    "fields": "CASE WHEN jsonb_typeof(w.output) = 'object' "
    "THEN (SELECT count(*) FROM jsonb_object_keys(w.output)) ELSE 0 END",
    "chars": "CASE WHEN jsonb_typeof(w.output) = 'object' THEN (SELECT coalesce(sum("
    "CASE jsonb_typeof(v.value) WHEN 'string' THEN length(v.value #>> '{}') "
    "WHEN 'number' THEN length(v.value::text) ELSE 0 END), 0) "
    "FROM jsonb_each(w.output) v) ELSE 0 END",
    "number": "CASE WHEN jsonb_typeof(w.data -> '{key}') = 'number' "
    "THEN round((w.data ->> '{key}')::numeric, 3) ELSE 0 END",
    "epoch": "extract(epoch FROM {col})",
    "never": "'infinity'::timestamptz",
    "fence": "OFFSET 0",
}
_SQLITE = {
    "fields": "CASE WHEN json_type(w.output) = 'object' "
    "THEN (SELECT count(*) FROM json_each(w.output)) ELSE 0 END",
    "chars": "CASE WHEN json_type(w.output) = 'object' THEN (SELECT coalesce(sum("
    "CASE j.type WHEN 'text' THEN length(j.value) WHEN 'integer' THEN length(j.atom) "
    "WHEN 'real' THEN length(j.atom) ELSE 0 END), 0) FROM json_each(w.output) j) ELSE 0 END",
    "number": "CASE WHEN json_type(w.data, '$.{key}') IN ('integer', 'real') "
    "THEN round(json_extract(w.data, '$.{key}'), 3) ELSE 0 END",
    "epoch": "((julianday({col}) - 2440587.5) * 86400.0)",
    "never": "'9999-12-31 00:00:00'",
    "fence": "LIMIT -1 OFFSET 0",
}


def _sql() -> dict[str, str]:
    return _PG if connection.vendor == "postgresql" else _SQLITE


def _handle_join(scope: Scope) -> tuple[str, list[Any]]:
    """Seconds in progress before the first rework, per item of the client, in one grouped
    pass over its events (joined to the candidates; empty when no charge needs it)."""
    if "handle_hours" not in scope.metrics:
        return "", []
    s = _sql()
    at = s["epoch"].format(col="e.at")
    first, params_first = _first_item(scope)
    sql = f"""
        LEFT JOIN (
            SELECT e.item_id AS item_id, round(coalesce(
                sum(CASE WHEN e.from_state = 'in_progress' THEN {at} ELSE 0 END)
                - sum(CASE WHEN e.to_state = 'in_progress' THEN {at} ELSE 0 END), 0), 3) AS secs
            FROM work_workitemevent e
            LEFT JOIN (
                SELECT r.item_id AS item_id, min(r.at) AS cut FROM work_workitemevent r
                WHERE r.tenant_id = %s AND r.to_state = 'rework' AND r.at < %s
                  AND r.item_id >= {first}
                GROUP BY r.item_id
            ) rw ON rw.item_id = e.item_id
            WHERE e.tenant_id = %s AND e.at < %s AND e.item_id >= {first}
              AND (e.from_state = 'in_progress' OR e.to_state = 'in_progress')
              AND (rw.cut IS NULL OR e.at < rw.cut)
            GROUP BY e.item_id
        ) h ON h.item_id = w.id
    """
    until, client = _p(scope.until), scope.contract.client_id
    return sql, [client, until, *params_first, client, until, *params_first]


def _first_item(scope: Scope) -> tuple[str, list[Any]]:
    """A lower bound of the candidates' ids, so that the events are read from the index
    from there on rather than over the client's whole history (0: no bound)."""
    if scope.since is None:
        return "0", []
    states = _states(scope)
    # The fence (OFFSET 0) keeps the filter apart from min(id): without it PostgreSQL walks
    # the primary key from the lowest id of every tenant until it meets a match.
    return (
        "(SELECT coalesce(min(c.id), 0) FROM (SELECT c.id FROM work_workitem c "
        f"WHERE c.tenant_id = %s AND c.state IN ({', '.join('%s' for _ in states)}) "
        f"AND c.completed_at >= %s {_sql()['fence']}) c)",
        [scope.contract.client_id, *states, _p(scope.since)],
    )


def _states(scope: Scope) -> list[str]:
    return [State.DONE, *([State.CANCELLED] if scope.contract.bill_cancelled_items else [])]


@dataclass(frozen=True)
class Window:
    version_id: int
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Scope:
    """Which items a contract bills: its engagements' finished items completed before
    `until` under one of its versions, not billed yet."""

    contract: Contract
    engagement_ids: Sequence[int]
    versions: Sequence[ContractVersion]
    until: datetime
    metrics: frozenset[str]  # what the charges count; the other measures are left at 0
    # Only items completed from then on (the estimate's bound; a run reads all history).
    since: datetime | None = None
    # No item completed since `since` can have been billed yet (no run has reached it):
    # the billed-once check is left out.
    none_billed: bool = False


def _where(scope: Scope, join: str = "") -> tuple[str, list[Any], list[str], list[Any]]:
    """The candidates' WHERE clause, and the CASE arms that pick each one's version."""
    case, where, params_case, params_where = [], [], [], []
    for v in scope.versions:
        w = Window(v.pk, *version_window(scope.contract, v))
        cond = "w.completed_at >= %s" + ("" if w.end is None else " AND w.completed_at < %s")
        vals = [_p(w.start)] + ([] if w.end is None else [_p(w.end)])
        case.append(f"WHEN {cond} THEN %s")
        params_case += [*vals, w.version_id]
        where.append(f"({cond})")
        params_where += vals
    states = _states(scope)
    since = "" if scope.since is None else " AND w.completed_at >= %s"
    unbilled = (
        ""
        if scope.none_billed and scope.since is not None
        else " AND NOT EXISTS (SELECT 1 FROM billing_billeditem b"
        " WHERE b.tenant_id = %s AND b.item_id = w.id)"
    )
    sql = f"""
        FROM work_workitem w {join}
        WHERE w.tenant_id = %s
          AND w.engagement_id IN ({", ".join("%s" for _ in scope.engagement_ids)})
          AND w.state IN ({", ".join("%s" for _ in states)})
          AND w.completed_at IS NOT NULL AND w.completed_at < %s{since}
          AND ({" OR ".join(where)}){unbilled}
    """
    params = [
        scope.contract.client_id,
        *scope.engagement_ids,
        *states,
        _p(scope.until),
        *([] if scope.since is None else [_p(scope.since)]),
        *params_where,
        *([] if unbilled == "" else [scope.contract.tenant_id]),
    ]
    return sql, params, case, params_case


def _working_intervals(
    scope: Scope, where: str, params: list[Any]
) -> list[tuple[datetime, datetime]] | None:
    """The client's business hours over the days the candidates span (None: no calendar)."""
    contract = scope.contract
    if contract.calendar is None:
        return None
    if scope.since is not None:  # the estimate: its bounds are known, no query needed
        lo, hi = scope.since, scope.until
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(w.completed_at), max(w.completed_at) {where}", params)
            lo, hi = cursor.fetchone()
        if lo is None:
            return []
        lo, hi = _aware(lo), _aware(hi)
    zone = ZoneInfo(contract.timezone)
    cal = calendar_for(spec_of(contract.calendar))
    day, last = lo.astimezone(zone).date(), hi.astimezone(zone).date()
    out: list[tuple[datetime, datetime]] = []
    while day <= last:
        out += cal.intervals(day)
        day += timedelta(days=1)
    return out


def _aware(value: Any) -> datetime:
    """A datetime read by raw SQL: SQLite gives text in UTC, PostgreSQL an aware value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _select(scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the candidates' columns, in `billing_billeditem`'s insert order after the
    tenant and the invoice."""
    bare, bare_params, _, _ = _where(scope)
    hours = _working_intervals(scope, bare, bare_params)
    join, params_join = _handle_join(scope)
    where, params, case, params_case = _where(scope, join)
    params = [*params_join, *params]
    s = _sql()
    wanted = scope.metrics

    def measure(name: str, expr: str) -> str:
        return expr if name in wanted else "0"

    if hours is None:
        after, params_after = "%s", [False]
    elif not hours:
        after, params_after = "%s", [True]
    else:
        inside = " OR ".join("(w.completed_at >= %s AND w.completed_at < %s)" for _ in hours)
        after = f"CASE WHEN {inside} THEN %s ELSE %s END"
        params_after = [*(_p(x) for pair in hours for x in pair), False, True]
    sql = f"""
        SELECT w.tenant_id AS client_id, w.id AS item_id, w.engagement_id AS engagement_id,
            CASE {" ".join(case)} END AS version_id, w.completed_at AS completed_at,
            w.state AS state, w.priority AS priority, {after} AS after_hours,
            {measure("fields", s["fields"])} AS fields_keyed,
            {measure("characters", s["chars"])} AS characters_keyed,
            {measure("pages", s["number"].format(key="pages"))} AS pages,
            {measure("lines", s["number"].format(key="lines"))} AS lines,
            {measure("audio_minutes", s["number"].format(key="audio_minutes"))} AS audio_minutes,
            {"coalesce(h.secs, 0)" if join else "0"} AS handle_seconds
        {where}
    """
    return sql, [*params_case, *params_after, *params]


COLUMNS = (
    "client_id, item_id, engagement_id, version_id, completed_at, state, priority, "
    "after_hours, fields_keyed, characters_keyed, pages, lines, audio_minutes, handle_seconds"
)


def bill_items(*, invoice: BillingInvoice, scope: Scope) -> int:
    """Bill on `invoice` every candidate of `scope`; the number of items billed. One
    statement (and one to find the days for the business hours)."""
    if not scope.engagement_ids or not scope.versions:
        return 0
    sql, params = _select(scope)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO billing_billeditem (tenant_id, invoice_id, {COLUMNS}) "
            f"SELECT %s, %s, s.* FROM ({sql}) s",
            [invoice.tenant_id, invoice.pk, *params],
        )
        return cursor.rowcount


def preview(scope: Scope) -> list[UsageGroup]:
    """What `bill_items` would bill, summed like `usage` (nothing written): the month to
    date estimate."""
    if not scope.engagement_ids or not scope.versions:
        return []
    sql, params = _select(scope)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.version_id, s.engagement_id, s.priority, s.after_hours, count(*), "
            "sum(s.fields_keyed), sum(s.characters_keyed), sum(s.pages), sum(s.lines), "
            "sum(s.audio_minutes), sum(s.handle_seconds) "
            f"FROM ({sql}) s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            params,
        )
        rows = cursor.fetchall()
    return [_group(r) for r in rows]


@dataclass(frozen=True)
class UsageGroup:
    """Billed items of one invoice with the same version, engagement, priority and hours."""

    version_id: int
    engagement_id: int
    priority: int
    after_hours: bool
    items: int
    fields: int
    characters: int
    pages: Decimal
    lines: Decimal
    audio_minutes: Decimal
    handle_seconds: Decimal

    def units(self, metric: str) -> Decimal:
        if metric == "handle_hours":
            return self.handle_seconds / 3600
        if metric == "after_hours_items":
            return Decimal(self.items if self.after_hours else 0)
        values: dict[str, int | Decimal] = {
            "items": self.items,
            "fields": self.fields,
            "characters": self.characters,
            "pages": self.pages,
            "lines": self.lines,
            "audio_minutes": self.audio_minutes,
        }
        return Decimal(values[metric])


def usage(invoice: BillingInvoice) -> list[UsageGroup]:
    """The invoice's billed items summed in the database, one row per group."""
    rows = (
        BilledItem.objects.for_tenant(invoice.tenant_id)
        .filter(invoice=invoice)
        .values("version_id", "engagement_id", "priority", "after_hours")
        .annotate(
            n=Count("id"),
            f=Sum("fields_keyed"),
            c=Sum("characters_keyed"),
            p=Sum("pages"),
            ln=Sum("lines"),
            a=Sum("audio_minutes"),
            h=Sum("handle_seconds"),
        )
        .order_by("version_id", "engagement_id", "priority", "after_hours")
    )
    keys = ("version_id", "engagement_id", "priority", "after_hours", "n", "f", "c", "p", "ln")
    return [_group(tuple(r[k] for k in (*keys, "a", "h"))) for r in rows]


def _group(r: Sequence[Any]) -> UsageGroup:
    def dec(x: Any) -> Decimal:
        return Decimal(str(x or 0))

    return UsageGroup(
        int(r[0]), int(r[1]), int(r[2]), bool(r[3]), int(r[4]), int(r[5] or 0), int(r[6] or 0),
        dec(r[7]), dec(r[8]), dec(r[9]), dec(r[10]),
    )  # fmt: skip
