"""The demo's insurance claims are sealed: claimant, policy number and bank account."""

from __future__ import annotations

import json

import pytest

from backoffice.site.demo import seed_demo
from backoffice.vault import keys
from backoffice.vault.crypto import is_envelope
from backoffice.vault.fields import open_document, sensitive_fields
from backoffice.vault.models import DataKey
from backoffice.work.models import Engagement, WorkItem

pytestmark = pytest.mark.django_db


def test_the_demo_claims_are_sealed_and_open_with_the_tenant_key():
    ctx = seed_demo()
    assert ctx is not None
    acme = next(c for c in ctx.clients if c.slug == "acme-insurance")
    engagements = list(
        Engagement.objects.for_tenant(acme).filter(service_type__code="claim-intake")
    )
    assert engagements
    claims = engagements[0]
    marked = {f.name: f.kind for f in sensitive_fields(claims.input_schema)}
    assert marked == {"policy_number": "pii", "claimant": "pii", "bank_account": "payment"}
    items = list(WorkItem.objects.for_tenant(acme).filter(engagement__in=engagements))
    assert items
    for item in items:
        assert all(is_envelope(item.data[name]) for name in marked if name in item.data)
        assert is_envelope(item.data["claimant"])
    assert DataKey.objects.for_tenant(acme).count() == 1
    stored = WorkItem.objects.for_tenant(acme).filter(engagement__in=engagements)
    raw = json.dumps(list(stored.values_list("data", flat=True)))
    assert "AC-1000" not in raw and "J. Rivera" not in raw and "DE10" not in raw
    keys.forget()
    opened = open_document(
        keys.keyring(acme.pk), sensitive_fields(claims.input_schema), "data", items[0].data
    )
    assert opened["policy_number"][:3] in ("AC-", "AP-")
    assert opened["claimant"] in ("J. Rivera", "M. Chen", "A. Okafor", "S. Novak")
