"""The demo's project requests: one waiting for a quote, one quoted and waiting for Acme,
one accepted that became a running engagement with its contract."""

import pytest
from django.test import Client

from backoffice.billing.models import Contract
from backoffice.portal.projects.models import ProjectRequest, StandardRate
from backoffice.site.demo import seed_demo
from backoffice.tenancy.models import User
from backoffice.work.models import Engagement
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_request_at_every_step():
    ctx = seed_demo()
    assert ctx is not None
    provider = ctx.provider
    assert StandardRate.objects.for_tenant(provider).count() == 6
    by_status = {r.status: r for r in ProjectRequest.objects.for_tenant(provider)}
    assert set(by_status) == {"submitted", "quoted", "accepted"}
    accepted = by_status["accepted"]
    eng = Engagement.objects.for_tenant(accepted.client_id).get(pk=accepted.engagement_id)
    assert eng.is_active and eng.sla_minutes == 16 * 60
    contract = Contract.objects.for_tenant(provider).get(pk=accepted.contract_id)
    assert contract.client_id == accepted.client_id
    assert submit(eng, "DEMO-1", audio_minutes=4).engagement_id == eng.pk
    # Acme's admin sees the three on the Projects page; the ops manager the two sent
    web = Client()
    web.force_login(User.objects.get(username="acme-admin"))
    page = web.get("/t/acme-insurance/portal/projects/")
    for r in by_status.values():
        assert r.title in page.text
    web.force_login(User.objects.get(username="ops"))
    queue = web.get("/t/northwind/portal/requests/", {"status": ""})
    assert "Mailroom scanning and sorting" in queue.text
    assert "Spring campaign order entry" in queue.text
