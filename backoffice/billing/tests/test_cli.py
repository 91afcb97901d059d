"""`backoffice billing run --period 2026-03`: bills the month once, says what it did."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from backoffice.billing.models import BilledItem, BillingInvoice
from backoffice.billing.tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_command_bills_a_month_once(plain, eng_a, client_a):
    for n in range(3):
        f.done_item(eng_a, f"c{n}", f.berlin(f"2026-03-0{2 + n}T10:00"))
    out = io.StringIO()
    call_command("billing", "run", "--period", "2026-03", "--client", client_a.slug, stdout=out)
    call_command("billing", "run", "--period", "2026-03", stdout=out)
    assert BillingInvoice.objects.for_tenant(plain.tenant).count() == 1
    assert BilledItem.objects.for_tenant(plain.tenant).count() == 3
    with pytest.raises(CommandError, match="a month, like 2026-11"):
        call_command("billing", "run", "--period", "March")
    with pytest.raises(CommandError, match="No client"):
        call_command("billing", "run", "--period", "2026-03", "--client", "nobody")
