"""Billing test data: books, a client's engagement, and finished work written straight into
the work log (item + its events + QA reviews) at chosen times, as intake and agents would
have left it. Contracts are made through the real services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from backoffice.billing import services
from backoffice.billing.models import Contract, ContractVersion
from backoffice.commerce import services as commerce
from backoffice.ledger.services import apply_chart_template, create_account
from backoffice.tenancy.models import Organization, User
from backoffice.work import services as work
from backoffice.work.models import Engagement, QaReview, State, WorkItem, WorkItemEvent
from backoffice.work.tests.factories import make_service_type

BERLIN = ZoneInfo("Europe/Berlin")
D = Decimal


def books(org: Organization, *, tax: bool = True) -> Organization:
    apply_chart_template(tenant=org, template="general")
    if tax:
        commerce.create_tax_rate(tenant=org, actor=None, code="VAT10", name="VAT 10%", rate="10")
    return org


def provider_books(provider: Organization) -> Organization:
    """The provider's chart with a revenue account per service and the retainer liability."""
    books(provider)
    for code, name, kind in [
        ("4210", "Capture revenue", "income"),
        ("4220", "Rush surcharges", "income"),
        ("4230", "Agent time revenue", "income"),
        ("2350", "Client retainers (prepaid)", "liability"),
    ]:
        create_account(tenant=provider, actor=None, code=code, name=name, type=kind)
    return provider


def service_product(provider: Organization, sku: str, revenue_account: str) -> int:
    p = commerce.create_product(
        tenant=provider, actor=None, sku=sku, name=sku, kind="service",
        revenue_account=revenue_account,
    )  # fmt: skip
    return p.pk


def engagement(client: Organization, provider: Organization, code: str = "capture") -> Engagement:
    st = make_service_type(provider, code=f"st-{code}")
    cal = work.create_calendar(
        tenant=client, actor=None, name=f"{code} hours", timezone_name="Europe/Berlin",
        holiday_country="",
    )  # fmt: skip
    return work.create_engagement(
        tenant=client, actor=None, service_type=st, calendar=cal, code=code, name=code.title()
    )


def contract(
    provider: Organization,
    client: Organization,
    engagements: Sequence[Engagement],
    code: str = "c1",
    **kw: Any,
) -> Contract:
    values: dict[str, Any] = {"currency": client.currency, "payment_terms_days": 14}
    values.update(kw)
    return services.create_contract(
        tenant=provider,
        actor=None,
        client_id=client.pk,
        code=code,
        name=f"{client.name} {code}",
        engagement_ids=[e.pk for e in engagements],
        **values,
    )


def version(c: Contract, start: str, **kw: Any) -> ContractVersion:
    from datetime import date

    end = kw.pop("end", None)
    return services.add_version(
        tenant=c.tenant,
        actor=None,
        contract_id=c.pk,
        effective_from=date.fromisoformat(start),
        effective_to=date.fromisoformat(end) if end else None,
        **kw,
    )


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def done_item(
    eng: Engagement,
    ref: str,
    done_at: datetime,
    *,
    agent: User | None = None,
    priority: int = 5,
    minutes: int = 6,
    late: bool = False,
    state: str = State.DONE,
    output: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> WorkItem:
    """A finished item: queued an hour before, in progress `minutes`, then done (or
    cancelled); due an hour after it was done, or a minute before when `late`."""
    received = done_at - timedelta(hours=1)
    item = WorkItem.objects.create(
        tenant_id=eng.tenant_id,
        engagement=eng,
        external_ref=ref,
        data=data or {"name": ref, "amount": 1},
        output=output if output is not None else {"result": "ok"},
        state=state,
        priority=priority,
        received_at=received,
        sla_due_at=done_at - timedelta(minutes=1) if late else done_at + timedelta(hours=1),
        completed_at=done_at,
    )
    start = done_at - timedelta(minutes=minutes)
    _events(item, agent, [(received, "new", "queued"), (start, "queued", "in_progress"),
                          (done_at, "in_progress", state)])  # fmt: skip
    return item


def reworked_item(
    eng: Engagement, ref: str, done_at: datetime, *, agent: User, reviewer: User
) -> WorkItem:
    """Keyed in 6 minutes, sent back by QA (9 of 10 fields right), keyed again for 30
    minutes, done: only the first 6 minutes are billable."""
    t0 = done_at - timedelta(minutes=42)
    item = done_item(eng, ref, done_at, agent=agent, minutes=30)
    WorkItemEvent.objects.for_tenant(eng.tenant_id).filter(item=item).exclude(
        from_state="new"
    ).delete()
    _events(item, agent, [
        (t0, "queued", "in_progress"), (t0 + timedelta(minutes=6), "in_progress", "in_review"),
        (t0 + timedelta(minutes=10), "in_review", "rework"),
        (t0 + timedelta(minutes=12), "rework", "in_progress"), (done_at, "in_progress", "done"),
    ])  # fmt: skip
    qa_review(item, agent, reviewer, t0 + timedelta(minutes=10), 10, 9, "rework")
    return item


def qa_review(
    item: WorkItem, agent: User, reviewer: User, at: datetime, reviewed: int, correct: int,
    decision: str = "accepted",
) -> QaReview:  # fmt: skip
    return QaReview.objects.create(
        tenant_id=item.tenant_id, item=item, engagement_id=item.engagement_id, agent=agent,
        reviewer=reviewer, decision=decision, fields_reviewed=reviewed, fields_correct=correct,
        reviewed_at=at,
    )  # fmt: skip


def _events(item: WorkItem, agent: User | None, steps: list[tuple[datetime, str, str]]) -> None:
    WorkItemEvent.objects.bulk_create(
        [
            WorkItemEvent(
                tenant_id=item.tenant_id,
                item=item,
                actor=agent,
                at=at,
                from_state=a,
                to_state=b,
                holder=agent if b == "in_progress" else None,
            )
            for at, a, b in steps
        ]
    )
