"""Keep the roll-ups up to date from the work log: a system job across all clients.

`roll_up()` adds the work items' events and the QA reviews past each source's watermark
(the last id added) into `ItemHour` and `AgentHour`, a chunk of ids per transaction, and
moves the watermark in the same transaction. The watermark row is locked first, so two
runs (the periodic task and the CLI) take turns instead of adding a chunk twice; a run
that stops half-way is finished by the next. `rebuild=True` empties the roll-ups and
starts from id 0.

The figures use the work reports' definitions (`work/metrics.py`):
* arrived: an item's first event (from `new`), counted in the hour it was received;
* done / on time: the event into `done`, in the hour of the item's completion, on time when
  completed at or before its due time (paused time already moved the due time);
* cancelled: the event into `cancelled`, in the hour of the item's completion;
* a stretch held: from an event that puts an item in progress to the next that takes it out,
  belonging to the first event's holder (its actor when none was recorded), counted in the
  hour it ends; handed on when it ended in review or done;
* QA: each review's fields reviewed and correct, in the hour reviewed, for the agent reviewed.

Events are read in id order. An event committed after a later id was added would be
skipped, so the periodic run leaves the newest `settle_seconds` of events for next time
(a transaction longer than that can still be missed: `--rebuild` recounts everything).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from backoffice.core.rls import set_rls_bypass
from backoffice.reports.models import AgentHour, ItemHour, Watermark
from backoffice.work.models import QaReview, State, WorkItemEvent

EVENTS = "work_item_events"
REVIEWS = "qa_reviews"
CHUNK = 50_000
_WHY = "reports roll-up: a system job across all clients"
_HANDED_ON = (State.IN_REVIEW, State.DONE)
_IN_BATCH = 5000

ItemKey = tuple[int, int, datetime]  # tenant, engagement, hour
AgentKey = tuple[int, int, int, datetime]  # tenant, engagement, agent, hour
ITEM_FIELDS = ("arrived", "completed", "completed_on_time", "cancelled")
AGENT_FIELDS = ("stretches", "held_seconds", "handed_on", "qa_reviews", "qa_fields", "qa_correct")


@dataclass
class RollupResult:
    events: int = 0
    reviews: int = 0
    chunks: int = 0
    watermarks: dict[str, int] = field(default_factory=dict)


@dataclass
class _Sums:
    items: dict[ItemKey, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0] * len(ITEM_FIELDS))
    )
    agents: dict[AgentKey, list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0.0] * len(AGENT_FIELDS))
    )


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def roll_up(
    *,
    rebuild: bool = False,
    settle_seconds: int = 0,
    chunk: int = CHUNK,
    now: datetime | None = None,
    progress: Any = None,
) -> RollupResult:
    """Add everything new since the watermarks (or everything, after emptying, on
    `rebuild`). `progress(source, last_id, upto)` is called after each chunk."""
    now = now or timezone.now()
    result = RollupResult()
    if rebuild:
        _empty()
    cutoff = now - timedelta(seconds=settle_seconds)
    for source, step in ((EVENTS, _add_events), (REVIEWS, _add_reviews)):
        upto = _settled_upto(source, cutoff)
        while True:
            with transaction.atomic():
                set_rls_bypass()
                mark = _lock(source)
                if mark.last_id >= upto:
                    result.watermarks[source] = mark.last_id
                    break
                hi = min(upto, mark.last_id + chunk)
                added = step(mark.last_id, hi)
                mark.last_id = hi
                mark.save(update_fields=["last_id", "updated_at"])
            result.chunks += 1
            if source == EVENTS:
                result.events += added
            else:
                result.reviews += added
            if progress is not None:
                progress(source, hi, upto)
    return result


def _empty() -> None:
    with transaction.atomic():
        set_rls_bypass()
        for source in (EVENTS, REVIEWS):
            _lock(source)
        ItemHour.objects.unscoped(_WHY).delete()
        AgentHour.objects.unscoped(_WHY).delete()
        Watermark.objects.filter(source__in=[EVENTS, REVIEWS]).update(last_id=0)


def _lock(source: str) -> Watermark:
    Watermark.objects.get_or_create(source=source)
    return Watermark.objects.select_for_update().get(source=source)


def _settled_upto(source: str, cutoff: datetime) -> int:
    """The highest id to add now: below the first row newer than `cutoff`."""
    with transaction.atomic():
        set_rls_bypass()
        last = Watermark.objects.filter(source=source).values_list("last_id", flat=True).first()
        if source == EVENTS:
            qs: Any = WorkItemEvent.objects.unscoped(_WHY)
            column = "at"
        else:
            qs = QaReview.objects.unscoped(_WHY)
            column = "reviewed_at"
        qs = qs.filter(id__gt=last or 0)
        newest = qs.aggregate(top=Max("id"))["top"]
        if newest is None:
            return last or 0
        unsettled = qs.filter(**{f"{column}__gt": cutoff}).aggregate(first=Min("id"))["first"]
        return int(newest if unsettled is None else unsettled - 1)


# --- work item events ----------------------------------------------------------------------


def _add_events(lo: int, hi: int) -> int:
    """Add events with lo < id <= hi; the number of events read."""
    events = WorkItemEvent.objects.unscoped(_WHY).filter(id__gt=lo, id__lte=hi)
    sums = _Sums()
    arrivals = (
        events.filter(from_state=State.NEW)
        .annotate(h=TruncHour("item__received_at", tzinfo=UTC))
        .values("tenant_id", "item__engagement_id", "h")
        .annotate(n=Count("id"))
    )
    for r in arrivals:
        sums.items[(r["tenant_id"], r["item__engagement_id"], r["h"])][0] += r["n"]
    closed = (
        events.filter(to_state__in=[State.DONE, State.CANCELLED])
        .annotate(h=TruncHour("item__completed_at", tzinfo=UTC))
        .values("tenant_id", "item__engagement_id", "h")
        .annotate(
            done=Count("id", filter=Q(to_state=State.DONE)),
            on_time=Count(
                "id",
                filter=Q(to_state=State.DONE, item__completed_at__lte=F("item__sla_due_at")),
            ),
            cancelled=Count("id", filter=Q(to_state=State.CANCELLED)),
        )
    )
    for r in closed:
        if r["h"] is None:
            continue
        row = sums.items[(r["tenant_id"], r["item__engagement_id"], r["h"])]
        row[1] += r["done"]
        row[2] += r["on_time"]
        row[3] += r["cancelled"]
    _add_stretches(events, hi, sums)
    _write(sums)
    return int(events.count())


def _add_stretches(events: Any, hi: int, sums: _Sums) -> None:
    """Each event taking an item out of progress ends a stretch that began at the item's
    latest earlier event into progress (the same walk as `metrics._held_intervals`). The
    starts are read per tenant for the chunk's items (the `(tenant, item, at)` index)."""
    ends = list(
        events.filter(from_state=State.IN_PROGRESS).values_list(
            "tenant_id", "item_id", "item__engagement_id", "at", "id", "to_state"
        )
    )
    starts = _starts({(t, i) for t, i, *_ in ends}, hi)
    for tenant_id, item_id, eng_id, at, event_id, to_state in ends:
        found = starts.get(item_id)
        if not found:
            continue
        k = bisect_left(found, (at, event_id)) - 1
        if k < 0:
            continue
        since, _, who = found[k]
        if who is None:
            continue
        row = sums.agents[(tenant_id, eng_id, who, hour_of(at))]
        row[0] += 1
        row[1] += (at - since).total_seconds()
        row[2] += 1 if to_state in _HANDED_ON else 0


def _starts(
    items: set[tuple[int, int]], hi: int
) -> dict[int, list[tuple[datetime, int, int | None]]]:
    """Per item, its events into progress up to id `hi`: (at, id, holder or actor), in order."""
    by_tenant: dict[int, list[int]] = defaultdict(list)
    for tenant_id, item_id in items:
        by_tenant[tenant_id].append(item_id)
    out: dict[int, list[tuple[datetime, int, int | None]]] = defaultdict(list)
    for tenant_id, ids in by_tenant.items():
        for k in range(0, len(ids), _IN_BATCH):
            rows = (
                WorkItemEvent.objects.for_tenant(tenant_id)
                .filter(item_id__in=ids[k : k + _IN_BATCH], to_state=State.IN_PROGRESS)
                .filter(id__lte=hi)
                .annotate(who=Coalesce("holder_id", "actor_id"))
                .values_list("item_id", "at", "id", "who")
            )
            for item_id, at, event_id, who in rows.iterator(5000):
                out[item_id].append((at, event_id, who))
    for found in out.values():
        found.sort(key=lambda r: (r[0], r[1]))
    return out


# --- QA reviews -----------------------------------------------------------------------------


def _add_reviews(lo: int, hi: int) -> int:
    reviews = QaReview.objects.unscoped(_WHY).filter(id__gt=lo, id__lte=hi)
    sums = _Sums()
    grouped = (
        reviews.annotate(h=TruncHour("reviewed_at", tzinfo=UTC))
        .values("tenant_id", "engagement_id", "agent_id", "h")
        .annotate(n=Count("id"), f=Sum("fields_reviewed"), c=Sum("fields_correct"))
    )
    count = 0
    for r in grouped:
        row = sums.agents[(r["tenant_id"], r["engagement_id"], r["agent_id"], r["h"])]
        row[3] += r["n"]
        row[4] += r["f"]
        row[5] += r["c"]
        count += r["n"]
    _write(sums)
    return count


# --- adding into the tables -----------------------------------------------------------------


def _write(sums: _Sums) -> None:
    """Add the sums into the tables, adding to a bucket that exists (INSERT … ON CONFLICT DO
    UPDATE; the keys are unique within a chunk, as that statement needs)."""
    ops = connection.ops
    _upsert(
        ItemHour._meta.db_table,
        ("tenant_id", "engagement_id", "hour"),
        ITEM_FIELDS,
        [
            (t, e, ops.adapt_datetimefield_value(h), *v)
            for (t, e, h), v in sums.items.items()
            if any(v)
        ],
        ("bigint", "bigint", "timestamptz", "integer", "integer", "integer", "integer"),
    )
    _upsert(
        AgentHour._meta.db_table,
        ("tenant_id", "engagement_id", "agent_id", "hour"),
        AGENT_FIELDS,
        [
            (t, e, a, ops.adapt_datetimefield_value(h), int(v[0]), v[1], *map(int, v[2:]))
            for (t, e, a, h), v in sums.agents.items()
            if any(v)
        ],
        ("bigint", "bigint", "bigint", "timestamptz", "integer", "float8", *["integer"] * 4),
    )


def _upsert(
    table: str,
    keys: tuple[str, ...],
    fields: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    pg_types: tuple[str, ...],
) -> None:
    """On PostgreSQL one statement over arrays (`unnest`), whatever the number of rows; on
    SQLite the same statement row by row (`executemany`)."""
    if not rows:
        return
    columns = ", ".join((*keys, *fields))
    adds = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in fields)
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{t}[]" for t in pg_types)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) {conflict}",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        marks = ", ".join(["%s"] * len(pg_types))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks}) {conflict}", rows)
