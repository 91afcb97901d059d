"""A billing run under the application's own database role, which row-level security binds
(the other tests connect as a superuser, which RLS lets through)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from backoffice.billing import services
from backoffice.billing.models import BilledItem, BillingInvoice
from backoffice.billing.tests import factories as f

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security"),
    pytest.mark.django_db(transaction=True),
]
ROLE = "backoffice_app_billing_test"


def test_a_run_bills_its_month_under_the_app_role(plain, eng_a):
    for n in range(12):
        f.done_item(eng_a, f"r{n}", f.berlin("2026-03-10T10:00") + timedelta(minutes=n))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        )
    call_command("grant_app_role", ROLE)
    provider = plain.tenant
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    try:
        run = services.run_billing(tenant=provider, actor=None, period=date(2026, 3, 1))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert (run.status, run.contracts_done, run.invoices_created) == ("done", 1, 1)
    invoice = BillingInvoice.objects.for_tenant(provider).get()
    # 10 x 1.00 + 2 x 0.50 = 11.00, as the superuser's run bills it
    assert invoice.charges_total == 1_100
    assert BilledItem.objects.for_tenant(provider).count() == 12
