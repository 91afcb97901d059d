"""In a real browser: the demo provider's finance person invoices a client from the pages.

Fatima signs in, opens the provider's commerce section, drafts an invoice to Acme for
10 hours of agent time (the price and tax come from the product), corrects it to 12 hours
on the draft's edit page and issues it: 12 x 38.00 = 456.00 + 8 % = 492.48, numbered
INV-2026-00005 (the demo issued 00004). Screenshots of each page go to artifacts/browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backoffice.commerce import demo as commerce_demo
from backoffice.ledger import demo as ledger_demo
from backoffice.tenancy import demo as tenancy_demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_finance_invoices_a_client_in_the_providers_own_books(live_server, browser_page):
    # given: the demo's provider books
    ctx = tenancy_demo.seed_tenants()
    ledger_demo.seed(ctx)
    commerce_demo.seed(ctx)
    page, slug = browser_page, ctx.provider.slug
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "finance")
    page.fill("#id_password", tenancy_demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/t/{slug}/")
    # when: the set-up pages are looked at on the way
    page.goto(f"{live_server.url}/t/{slug}/commerce/")
    page.click("text=Tax rates")
    assert "SALES8" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "commerce-setup-taxes.png"), full_page=True)
    page.click("main >> text=Posting accounts")
    page.screenshot(path=str(ARTIFACTS / "commerce-setup-posting.png"), full_page=True)
    page.click("main >> text=Document series")
    assert "INV-" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "commerce-setup-series.png"), full_page=True)
    # and an invoice is drafted with the product's price and tax
    page.goto(f"{live_server.url}/t/{slug}/commerce/documents/new/?kind=invoice")
    page.select_option("#d-party", label="Acme Insurance Co. (USD)")
    page.fill("#d-date", "2026-11-30")
    first = page.locator("tr.line").first
    first.locator("select[name=product]").select_option(
        label="SVC-HOUR Back-office agent time (per hour)"
    )
    first.locator("input[name=quantity]").fill("10")
    assert first.locator("input[name=unit_price]").input_value() == "38.00"
    assert page.inner_text("#t-gross") == "410.40"
    page.screenshot(path=str(ARTIFACTS / "commerce-invoice-new.png"), full_page=True)
    page.click("text=Save draft")
    page.wait_for_selector("#edit-draft")
    # and corrected on the draft's edit page
    page.click("#edit-draft")
    page.locator("tr.line").first.locator("input[name=quantity]").fill("12")
    page.fill("#d-ref", "November hours")
    page.screenshot(path=str(ARTIFACTS / "commerce-invoice-edit.png"), full_page=True)
    page.click("text=Save draft")
    page.wait_for_selector("#edit-draft")
    # and issued
    page.click("text=Issue and post")
    page.wait_for_selector("text=INV-2026-00005")
    # then
    main = page.inner_text("main")
    assert "492.48" in main and "November hours" in main
    assert page.locator("#edit-draft").count() == 0
    page.screenshot(path=str(ARTIFACTS / "commerce-invoice-issued.png"), full_page=True)
