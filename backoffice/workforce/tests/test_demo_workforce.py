"""The demo's workforce: two centres in two zones, a month of shifts and states, leave,
and the pages that show them to the lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.tenancy.demo import seed_tenants
from backoffice.workforce import demo
from backoffice.workforce.models import AgentProfile, Leave, Shift, StateInterval

pytestmark = pytest.mark.django_db


def test_the_demo_plans_a_month_for_london_and_manila():
    ctx = seed_tenants()
    demo.seed(ctx)
    provider = ctx.provider
    roster = AgentProfile.objects.for_tenant(provider)
    assert {p.timezone for p in roster} == {"Europe/London", "Asia/Manila"}
    assert roster.count() == 4
    shifts = Shift.objects.for_tenant(provider)
    # about four weeks back and ten days ahead, weekdays, less holidays and leave
    assert 4 * 20 < shifts.count() < 4 * 30
    manila = shifts.filter(timezone="Asia/Manila").first()
    assert manila is not None and manila.minutes == 9 * 60
    assert Leave.objects.for_tenant(provider).count() == 1
    # a state history for the past shifts, one open interval per agent at most
    states = StateInterval.objects.for_tenant(provider)
    assert states.count() > 4 * 15 * 4
    assert states.filter(ended_at__isnull=True).count() <= 4
    # the lead's pages show it
    web = Client()
    web.force_login(ctx.users["lead"])
    past = timezone.now().date() - timedelta(days=7)
    r = web.get(f"/t/{provider.slug}/workforce/schedule/?week={past.isoformat()}")
    assert r.status_code == 200 and "Manila night" not in r.content.decode()
    assert "Aiko Agent" in r.content.decode()
    r = web.get(f"/t/{provider.slug}/workforce/adherence/?day={past.isoformat()}")
    assert r.status_code == 200
    r = web.get(f"/t/{provider.slug}/workforce/")
    assert r.status_code == 200 and "Agents now" in r.content.decode()
    # running it again adds nothing
    demo.seed(ctx)
    assert Shift.objects.for_tenant(provider).count() == shifts.count()
