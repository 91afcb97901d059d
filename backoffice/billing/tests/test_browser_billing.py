"""In a real browser, finance bills a month and issues its invoice: the run page drives the
run and its progress bar follows it (htmx), then approve and issue from the review page."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from backoffice.billing.models import BillingInvoice
from backoffice.billing.tests import factories as f
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import TEST_PASSWORD, UserFactory, make_member

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_finance_runs_october_and_issues_the_invoice(live_server, browser_page, plain, eng_a):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    provider = plain.tenant
    finance = UserFactory.create(username="fiona")
    make_member(provider, finance, Role.FINANCE)
    # given client A's October: 12 items, 10 at 1.00 and 2 at 0.50 = 11.00
    for n in range(12):
        f.done_item(eng_a, f"OCT-{n}", f.berlin("2026-10-06T10:00") + timedelta(minutes=n))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "fiona")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/t/{provider.slug}/")
    # when finance starts October's run from the billing page
    page.goto(f"{live_server.url}/t/{provider.slug}/billing/")
    page.fill("#r-period", "2026-10")
    page.click("#run-form button[type=submit]")
    page.wait_for_url("**/billing/runs/*/")
    # then the run page bills the month and its progress bar ends full
    page.wait_for_selector("#run-status:has-text('Done')", timeout=60_000)
    assert page.get_attribute("#run-bar", "value") == "100"
    assert "1 of 1 contract billed" in page.text_content("#run-progress")
    page.screenshot(path=str(ARTIFACTS / "billing-run.png"), full_page=True)
    # when finance opens the draft, approves it and issues it
    page.click("#run-progress a:has-text('October 2026')")
    page.wait_for_selector("#statement")
    assert "12 items completed" in page.text_content("#statement")
    page.click("#approve")
    page.wait_for_selector("#invoice-status:has-text('Approved')")
    page.click("#issue")
    page.wait_for_selector("#invoice-status:has-text('Issued')")
    page.screenshot(path=str(ARTIFACTS / "billing-invoice-issued.png"), full_page=True)
    # then the invoice is issued and posted for 11.00
    inv = BillingInvoice.objects.for_tenant(provider).get()
    assert (inv.status, inv.total) == ("issued", 1_100)
    assert inv.document is not None and inv.document.status == "issued"
