"""The demo's delivery data: Acme's switched-off endpoint with its log, and exports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.delivery.models import DeliveryAttempt, ResultsExport, WebhookEndpoint
from backoffice.site.demo import seed_demo
from backoffice.tenancy.models import User

pytestmark = pytest.mark.django_db


def test_acme_has_a_logged_endpoint_and_exports(settings):
    settings.DELIVERY_ALLOW_PRIVATE_TARGETS = False  # the demo does not rely on the setting
    ctx = seed_demo()
    assert ctx is not None
    acme = next(c for c in ctx.clients if c.slug == "acme-insurance")
    (endpoint,) = WebhookEndpoint.objects.for_tenant(acme)
    assert not endpoint.is_active
    tries = list(DeliveryAttempt.objects.for_tenant(acme))
    assert tries and all(not t.succeeded and "Could not reach" in t.error for t in tries)
    assert ResultsExport.objects.for_tenant(acme).count() >= 2
    web = Client()
    web.force_login(User.objects.get(username="acme-admin"))
    page = web.get(reverse("delivery:index", kwargs={"tenant": "acme-insurance"}))
    assert page.status_code == 200 and endpoint.url in page.content.decode()
    log = web.get(
        reverse(
            "delivery:endpoint", kwargs={"tenant": "acme-insurance", "endpoint_id": endpoint.pk}
        )
    )
    assert "Could not reach the receiver" in log.content.decode()
