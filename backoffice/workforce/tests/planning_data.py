"""Planning test data: an engagement on a UTC 09:00-17:00 weekday calendar, items in bulk."""

from __future__ import annotations

from datetime import datetime, timedelta

from backoffice.tenancy.models import Organization
from backoffice.work import services as work_services
from backoffice.work.models import Engagement, IntakeBatch, State, WorkItem
from backoffice.work.tests.factories import make_service_type


def engagement(
    client: Organization, provider: Organization, code: str = "claims", **kw
) -> Engagement:
    cal = work_services.create_calendar(
        tenant=client, actor=None, name=f"{code} hours", timezone_name="UTC", holiday_country=""
    )
    st = make_service_type(provider, code=f"st-{code}")
    return work_services.create_engagement(
        tenant=client, actor=None, service_type=st, calendar=cal, code=code,
        name=kw.pop("name", code.title()), **kw,
    )  # fmt: skip


def batch(e: Engagement, source: str = "december.csv") -> IntakeBatch:
    return IntakeBatch.objects.create(
        tenant_id=e.tenant_id, engagement=e, source=source, mode="valid_rows"
    )


def items(
    e: Engagement,
    received: list[datetime],
    *,
    prefix: str = "i",
    batch: IntakeBatch | None = None,
    state: str = State.QUEUED,
    completed_at: datetime | None = None,
    skill: str = "",
    language: str = "",
) -> list[WorkItem]:
    rows = [
        WorkItem(
            tenant_id=e.tenant_id, engagement=e, batch=batch, external_ref=f"{prefix}{n}",
            data={}, state=state, received_at=at, sla_due_at=at + timedelta(days=2),
            completed_at=completed_at, skill=skill, language=language,
        )
        for n, at in enumerate(received)
    ]  # fmt: skip
    return WorkItem.objects.bulk_create(rows)
