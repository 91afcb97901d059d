"""The demo's planning data: history enough to forecast, and a batch deadline at risk that
the lead sees on the workforce page."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.tenancy.demo import seed_tenants
from backoffice.work import demo as work_demo
from backoffice.workforce import demo
from backoffice.workforce.models import BatchDeadline

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_forecastable_engagement_and_a_deadline_at_risk():
    ctx = seed_tenants()
    work_demo.seed(ctx)
    demo.seed(ctx)
    d = BatchDeadline.objects.for_tenant(ctx.provider).get()
    assert d.name == "December claims backlog" and d.at_risk_since is not None
    web = Client()
    web.force_login(ctx.users["lead"])
    page = web.get(f"/t/{ctx.provider.slug}/workforce/").content.decode()
    assert 'id="deadline-alert"' in page and "December claims backlog (340 items left" in page
    staffing = web.get(
        f"/t/{ctx.provider.slug}/workforce/staffing/?engagement={d.engagement_id}"
    ).content.decode()
    assert 'id="gap-chart"' in staffing
    assert "needs at least three weeks" not in staffing  # six weeks of history
    assert "MAE (model)" in staffing
