"""In a real browser: a client user requests a project, the provider's operations manager
quotes it, the client admin accepts, and the new engagement exists and accepts work."""

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from backoffice.portal.projects.models import ProjectRequest, Quote
from backoffice.portal.tests import factories_projects as f
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import TEST_PASSWORD, UserFactory, make_member
from backoffice.work.models import Engagement, WorkItem

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/t/**")


def _client_requests(page, base, client, st):
    page.goto(f"{base}/t/{client.slug}/portal/projects/")
    page.click("#request-project")
    page.select_option("#q-service", str(st.pk))
    page.fill("#q-title", "Supplier invoices 2027")
    page.fill("#q-description", "About 4,000 supplier invoices a month, keyed into our ERP.")
    page.fill("#q-volume", "4000")
    page.fill("#q-unit", "invoices a month")
    page.fill("#q-deadline", (date.today() + timedelta(days=30)).isoformat())
    page.fill("#q-languages", "German, English")
    page.click("#send-request")
    page.wait_for_selector("#request-status:has-text('Waiting for a quote')")


def _provider_quotes(page, base, provider):
    page.goto(f"{base}/t/{provider.slug}/portal/requests/")
    page.click("#requests a:has-text('Supplier invoices 2027')")
    page.click("#prepare-quote")
    page.wait_for_selector("#quote-form")
    page.fill("#e-setup", "250.00")
    page.fill("#e-sla", "12")
    page.click("#save-send-quote")
    page.wait_for_selector("#request-status:has-text('Quote sent')")


@pytest.mark.django_db(transaction=True)
def test_request_quote_accept_and_submit_work(live_server, browser_page, provider, client_a):
    page, base = browser_page, live_server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    f.books(provider)
    ops = f.ops_manager(provider, client_a)
    st = f.capture_service(provider, ops)
    for name, role in (("carl", Role.CLIENT_USER), ("ada", Role.CLIENT_ADMIN)):
        make_member(client_a, UserFactory.create(username=name), role)
    # a client user requests a project
    _sign_in(page, base, "carl")
    _client_requests(page, base, client_a, st)
    # the operations manager quotes it from the standard rates
    _sign_in(page, base, "olga")
    _provider_quotes(page, base, provider)
    page.screenshot(path=str(ARTIFACTS / "portal-quote-sent.png"), full_page=True)
    # the client admin sees the quote, the money formatted, and accepts it
    _sign_in(page, base, "ada")
    req = ProjectRequest.objects.for_tenant(provider).get()
    page.goto(f"{base}/t/{client_a.slug}/portal/requests/{req.pk}/")
    assert "€250.00" in page.text_content("#quote-1")
    assert "12 business hours per item" in page.text_content("#quote-1")
    page.click("#accept-quote")
    page.wait_for_selector("#request-status:has-text('Accepted')")
    page.screenshot(path=str(ARTIFACTS / "portal-quote-accepted.png"), full_page=True)
    # the engagement exists with the quoted service level, and takes work from its page
    eng = Engagement.objects.for_tenant(client_a).get()
    assert (eng.sla_minutes, eng.name) == (720, "Supplier invoices 2027")
    assert Quote.objects.for_tenant(provider).get().status == "accepted"
    page.click("#request-engagement a")
    page.wait_for_url(f"**/work/engagements/{eng.pk}/submit/")
    page.fill("#f-external_ref", "INV-1")
    page.fill("#f-name", "Invoice 1")
    page.fill("#f-amount", "10")
    page.click("form:has(#f-external_ref) button[type=submit]")
    page.wait_for_url("**/work/items/*/")
    page.screenshot(path=str(ARTIFACTS / "portal-first-item.png"), full_page=True)
    item = WorkItem.objects.for_tenant(client_a).get()
    assert (item.engagement_id, item.external_ref, item.state) == (eng.pk, "INV-1", "queued")
