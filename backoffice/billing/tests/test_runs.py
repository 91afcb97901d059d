"""Billing runs: exactly once, whatever the order of runs and late work; re-runs write
nothing; statements add up; the month-to-date estimate agrees with the run."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.audit.models import AuditEvent
from backoffice.billing import metering, pricing, selectors, services
from backoffice.billing.models import BilledItem, BillingInvoice, BillingRun, UsageLine
from backoffice.billing.tests import factories as f
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work.models import WorkItem

pytestmark = pytest.mark.django_db
MONTHS = [date(2026, m, 1) for m in (3, 4, 5)]


def _counts(provider) -> tuple[int, int, int, int]:
    return (
        BillingInvoice.objects.for_tenant(provider).count(),
        UsageLine.objects.for_tenant(provider).count(),
        BilledItem.objects.for_tenant(provider).count(),
        AuditEvent.objects.for_tenant(provider).count(),
    )


def test_running_a_month_again_writes_nothing(plain, eng_a):
    # given a March with 12 items, billed once
    for n in range(12):
        f.done_item(eng_a, f"m{n}", f.berlin("2026-03-10T10:00") + timedelta(minutes=n))
    provider = plain.tenant
    services.run_billing(tenant=provider, actor=None, period=MONTHS[0])
    before = _counts(provider)
    runs = BillingRun.objects.for_tenant(provider).count()
    # when the month is run again
    again = services.run_billing(tenant=provider, actor=None, period=MONTHS[0])
    # then nothing at all is written
    assert _counts(provider) == before
    assert BillingRun.objects.for_tenant(provider).count() == runs
    assert again.status == "done"
    # 10 x 100 + 2 x 50 = 1,100
    inv = BillingInvoice.objects.for_tenant(provider).get()
    assert (inv.charges_total, BilledItem.objects.for_tenant(provider).count()) == (1_100, 12)


def test_late_work_goes_to_the_next_run_and_is_priced_at_its_own_date(plain, eng_a):
    provider = plain.tenant
    f.done_item(eng_a, "a", f.berlin("2026-03-31T23:30"))
    services.run_billing(tenant=provider, actor=None, period=MONTHS[0])
    # an item finished on 31 March reaches the log after March was billed
    f.done_item(eng_a, "late", f.berlin("2026-03-31T23:45"))
    f.done_item(eng_a, "april", f.berlin("2026-04-02T10:00"))
    services.run_billing(tenant=provider, actor=None, period=MONTHS[1])
    april = BillingInvoice.objects.for_tenant(provider).get(period=MONTHS[1])
    billed = BilledItem.objects.for_tenant(provider).filter(invoice=april)
    assert sorted(billed.values_list("item__external_ref", flat=True)) == ["april", "late"]
    # and a month boundary is the client's midnight: 23:45 in Berlin is 22:45 UTC, March
    assert billed.get(item__external_ref="late").completed_at.month == 3


def test_month_boundaries_are_in_the_clients_zone(plain, eng_a):
    provider = plain.tenant
    # 1 April 00:30 in Berlin is still 31 March in UTC: it belongs to April.
    f.done_item(eng_a, "edge", f.berlin("2026-04-01T00:30"))
    services.run_billing(tenant=provider, actor=None, period=MONTHS[0])
    assert not BilledItem.objects.for_tenant(provider).exists()
    services.run_billing(tenant=provider, actor=None, period=MONTHS[1])
    assert BilledItem.objects.for_tenant(provider).count() == 1


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["work", "run"]), st.integers(0, 2), st.integers(1, 4)),
        min_size=1,
        max_size=6,
    )
)
def test_every_finished_item_is_billed_exactly_once(plain, eng_a, plan):
    """Any sequence of work arriving (in any month) and runs (of any month), checked against
    a model: a month's first run bills every unbilled item finished before its end; a month
    already invoiced bills nothing (later arrivals wait for the next month's run). No item
    twice, none lost; each invoice's lines add up to its items."""
    provider = plain.tenant
    BillingInvoice.objects.for_tenant(provider).filter(contract=plain).delete()
    BillingRun.objects.for_tenant(provider).delete()
    WorkItem.objects.for_tenant(eng_a.tenant_id).filter(engagement=eng_a).delete()
    done: dict[str, int] = {}  # item -> month index it was finished in
    expected: set[str] = set()
    invoiced: set[int] = set()
    for action, month, count in plan:
        if action == "work":
            for _ in range(count):
                ref = f"p{len(done)}"
                day = 1 + len(done) % 9
                f.done_item(eng_a, ref, f.berlin(f"2026-{3 + month:02d}-0{day}T11:00"))
                done[ref] = month
        else:
            services.run_billing(tenant=provider, actor=None, period=MONTHS[month])
            if month not in invoiced:
                invoiced.add(month)
                expected |= {r for r, m in done.items() if m <= month}
    billed = BilledItem.objects.for_tenant(provider)
    refs = list(billed.values_list("item__external_ref", flat=True))
    assert len(refs) == len(set(refs)) and set(refs) == expected
    for inv in BillingInvoice.objects.for_tenant(provider):
        lines = list(UsageLine.objects.for_tenant(provider).filter(invoice=inv))
        items = billed.filter(invoice=inv).count()
        assert sum(ln.quantity for ln in lines) == items
        assert inv.charges_total == sum(ln.amount for ln in lines)


def test_usage_lines_add_up_to_the_priced_events(plain, eng_a):
    """Mid-month change: the two versions' lines price the month's items once, on one ladder."""
    provider = plain.tenant
    v1 = plain.versions.get()
    services.end_version(
        tenant=provider, actor=None, version_id=v1.pk, effective_to=date(2026, 5, 15)
    )
    f.version(
        plain, "2026-05-16",
        charges=[services.ChargeIn("items", "Items", "items", "graduated", tiers=[
            services.TierIn(0, 10, 80), services.TierIn(10, None, 40)])],
    )  # fmt: skip
    for n in range(7):
        f.done_item(eng_a, f"a{n}", f.berlin(f"2026-05-{4 + n:02d}T10:00"))
    for n in range(6):
        f.done_item(eng_a, f"b{n}", f.berlin(f"2026-05-{18 + n:02d}T10:00"))
    services.run_billing(tenant=provider, actor=None, period=MONTHS[2])
    inv = BillingInvoice.objects.for_tenant(provider).get()
    amounts = list(
        UsageLine.objects.for_tenant(provider).filter(invoice=inv).values_list("quantity", "amount")
    )
    # v1: 7 x 100 = 700; v2 continues the ladder: 3 x 80 + 3 x 40 = 360
    assert amounts == [(Decimal(7), 700), (Decimal(6), 360)]
    spec = pricing.ChargeSpec("graduated", tiers=(pricing.Tier(Decimal(0), Decimal(10), 100),
                              pricing.Tier(Decimal(10), None, 50)))  # fmt: skip
    assert pricing.price_segment(spec, offset=Decimal(0), units=Decimal(7)).amount == 700


def test_month_to_date_estimate_is_what_the_run_then_bills(plain, eng_a, provider):
    finance = UserFactory.create(username="fin")
    make_member(provider, finance, Role.FINANCE)
    access = TenantAccess(finance, provider, Role.FINANCE)
    for n in range(14):
        f.done_item(eng_a, f"e{n}", f.berlin("2026-05-05T10:00") + timedelta(minutes=n))
    now = datetime(2026, 5, 20, 12, 0, tzinfo=metering.UTC)
    estimate = selectors.month_to_date(access, plain.pk, now=now)
    assert not BilledItem.objects.for_tenant(provider).exists()  # nothing written
    # 10 x 100 + 4 x 50 = 1,200
    assert (estimate.period, estimate.total) == (MONTHS[2], 1_200)
    services.run_billing(tenant=provider, actor=None, period=MONTHS[2])
    assert BillingInvoice.objects.for_tenant(provider).get().total == estimate.total


def test_the_estimate_counts_last_months_work_until_its_run_is_done(plain, eng_a, provider):
    """The estimate reads this month's items and, while last month is unbilled, last
    month's: what the next run would put on an invoice. Once last month's run is done, only
    what that run could not have billed is read."""
    finance = UserFactory.create(username="fin")
    make_member(provider, finance, Role.FINANCE)
    access = TenantAccess(finance, provider, Role.FINANCE)
    for n in range(3):
        f.done_item(eng_a, f"mar{n}", f.berlin("2026-03-20T10:00") + timedelta(minutes=n))
    for n in range(2):
        f.done_item(eng_a, f"apr{n}", f.berlin("2026-04-02T10:00") + timedelta(minutes=n))
    now = datetime(2026, 4, 20, 12, 0, tzinfo=metering.UTC)
    # March not run yet: 3 + 2 items at 100 each = 500
    assert selectors.month_to_date(access, plain.pk, now=now).total == 500
    services.run_billing(tenant=provider, actor=None, period=MONTHS[0])
    # March billed (3 items): April's 2 items at 100 = 200
    assert selectors.month_to_date(access, plain.pk, now=now).total == 200
