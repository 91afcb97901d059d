"""The demo's planning data: six weeks of arrivals on Acme's first engagement (weekday
pattern with noise, quiet weekends, none on the client's holidays) so the forecast and the
staffing page have history, and a batch of 400 claims with a deadline at risk: 16
business hours left and too slow a pace, so the lead's workforce page raises the alert."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from backoffice.tenancy.demo import DemoContext
from backoffice.vault import keys
from backoffice.vault.fields import seal_document, sensitive_fields
from backoffice.work.models import Engagement, IntakeBatch, State, WorkItem
from backoffice.workforce.planning import selectors, services

WEEKDAY_ARRIVALS = (40, 44, 42, 48, 36, 4, 2)


def seed(ctx: DemoContext) -> None:
    lead = ctx.users.get("lead")
    acme = next((c for c in ctx.clients if c.slug == "acme-insurance"), None)
    if lead is None or acme is None:
        return
    engagement = (
        Engagement.objects.for_tenant(acme).select_related("calendar").order_by("pk").first()
    )
    if engagement is None:
        return
    rng = random.Random(1818)
    claim = _claims(engagement, rng)
    zone = ZoneInfo(engagement.calendar.timezone)
    today = timezone.now().astimezone(zone).date()
    closed = selectors.closed_days(engagement, today - timedelta(days=43), today)
    rows = []
    for n in range(1, 43):
        day = today - timedelta(days=n)
        if day in closed:
            continue
        count = max(0, round(rng.gauss(WEEKDAY_ARRIVALS[day.weekday()], 4)))
        for k in range(count):
            at = datetime.combine(day, time(8), zone) + timedelta(minutes=rng.randint(0, 600))
            rows.append(_item(engagement, f"HIST-{day:%Y%m%d}-{k}", at, State.DONE, claim()))
    WorkItem.objects.bulk_create(rows, batch_size=1000)
    now = timezone.now()
    batch = IntakeBatch.objects.create(
        tenant=acme, engagement=engagement, source="december-backlog.csv",
        mode=IntakeBatch.Mode.VALID_ROWS, rows_total=400, rows_created=400, created_by=lead,
    )  # fmt: skip
    start = now - timedelta(days=2)
    backlog = []
    for k in range(400):  # 60 done over the last 20 hours, 340 still queued
        done = k < 60
        done_at = now - timedelta(minutes=20 * k) if done else None
        state = State.DONE if done else State.QUEUED
        backlog.append(_item(engagement, f"DEC-{k}", start, state, claim(), done_at, batch))
    WorkItem.objects.bulk_create(backlog, batch_size=1000)
    services.set_deadline(
        tenant=ctx.provider,
        actor=lead,
        engagement=engagement,
        spec=services.DeadlineIn(
            name="December claims backlog",
            business_hours=16,
            batch=batch,
            starts_at=start,
            handle_minutes=6,
        ),
    )


def _item(
    e: Engagement,
    ref: str,
    at: datetime,
    state: str,
    data: dict[str, Any],
    done_at: datetime | None = None,
    batch: IntakeBatch | None = None,
) -> WorkItem:
    if state == State.DONE and done_at is None:
        done_at = at + timedelta(hours=2)
    return WorkItem(
        tenant_id=e.tenant_id, engagement=e, batch=batch, external_ref=ref,
        data=data, state=state, received_at=at,
        sla_due_at=at + timedelta(days=2), completed_at=done_at,
    )  # fmt: skip


def _claims(e: Engagement, rng: random.Random) -> Callable[[], dict[str, Any]]:
    """Claims like the rest of the demo's, their confidential fields sealed with the
    client's key (the items are written in bulk, past the intake that seals them)."""
    fields = sensitive_fields(e.input_schema)
    ring = keys.keyring(e.tenant_id) if fields else None

    def claim() -> dict[str, Any]:
        data: dict[str, Any] = {
            "policy_number": f"AP-{rng.randint(200000, 299999)}",
            "claimant": rng.choice(["J. Rivera", "M. Chen", "A. Okafor", "S. Novak"]),
            "bank_account": f"DE{rng.randint(10, 99)}37040044053{rng.randint(0, 9999999):07d}",
            "loss_date": f"2026-11-{rng.randint(1, 28):02d}",
            "claimed_amount": rng.choice([450, 1200, 3800, 12500]),
            "line_of_business": rng.choice(["auto", "home", "health"]),
        }
        return data if ring is None else seal_document(ring, fields, "data", data)[0]

    return claim
