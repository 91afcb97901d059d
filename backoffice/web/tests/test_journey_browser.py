"""One journey per role through the UI alone (issue 14), in a real browser, in order:

1. the provider admin opens a new client, adds its people, builds a service type in the
   schema builder, a business calendar and an engagement;
2. the client's user signs in with the one-time password and sends a document;
3. an agent takes it, sees the scan in the viewer, keys the header and a line in the grid
   and submits with the keyboard;
4. the QA reviewer reviews it and accepts it;
5. finance invoices a customer in the provider's own books.

The world is the demo provider's (its staff and books: `tenancy`, `ledger` and `commerce`
demo seeds); everything the journey needs beyond that is made on the pages. No API call.
Each page gets a screenshot in $BACKOFFICE_ARTIFACTS (default artifacts/journey/, ignored
by git) and an axe-core check: no serious or critical WCAG 2.0/2.1 A/AA violation.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from backoffice.web.tests.a11y import PATIENCE_MS, axe_violations
from backoffice.web.tests.test_browser import pytestmark  # noqa: F401  (chromium present)

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("BACKOFFICE_ARTIFACTS") or ROOT / "artifacts" / "journey")
PASSWORD = "demo-pass-2026"
CLIENT, SLUG = "Umbrella Legal", "umbrella-legal"


class Journey:
    """The browser, the server and what each step leaves for the next."""

    def __init__(self, page: Page, base: str, provider: str) -> None:
        self.page, self.base, self.provider = page, base, provider
        self.shots: list[str] = []
        self.blocking: dict[str, list[str]] = {}
        self.client_password = ""
        self.item_url = ""

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def check(self, name: str) -> None:
        """Screenshot the page as it stands and run axe-core on it."""
        path = ARTIFACTS / f"{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path.name)
        found = axe_violations(self.page)
        if found:
            self.blocking[name] = [f"{v['id']} ({v['impact']})" for v in found]

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.page.context.clear_cookies()
        self.go("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/t/**")


def _open_the_client(j: Journey) -> None:
    """Admin: a new client, its user (one-time password) and the staff who serve it."""
    page = j.page
    j.sign_in("admin")
    j.go(f"/t/{j.provider}/clients/")
    j.check("admin-clients")
    page.fill("#c-name", CLIENT)
    page.fill("#c-slug", SLUG)
    page.get_by_role("button", name="Open client").click()
    page.wait_for_url("**/clients/*/")
    expect(page.locator("main h1")).to_have_text(CLIENT)
    for username, role in (
        ("umbrella-user", "Client user"),
        ("agent1", "Agent"),
        ("qa", "QA reviewer"),
    ):
        page.fill("#m-username", username)
        page.select_option("#m-role", label=role)
        page.click("#member-form button[type=submit]")
        page.wait_for_load_state()
        if username == "umbrella-user":
            j.client_password = page.locator("#new-password code").inner_text().strip()
    assert j.client_password
    j.check("admin-client-people")


def _build_the_service_type(j: Journey) -> None:
    """Admin: the agent's form in the schema builder — a number, a total and line items."""
    page = j.page
    j.go(f"/t/{j.provider}/setup/service-types/new/")
    page.fill("#id_code", "legal-invoices")
    page.fill("#id_name", "Legal invoices")
    page.select_option("#id_workflow", "capture_review_done")
    page.fill("#id_qa_sample_percent", "100")
    builder = page.locator(".schema-builder[data-target=id_output_schema]")
    fields = builder.locator(".sb-list > .sb-field")
    builder.get_by_role("button", name="Add a field").click()
    fields.nth(0).locator("input[data-key=label]").fill("Invoice number")
    fields.nth(0).locator("input[data-key=required]").check()
    builder.get_by_role("button", name="Add a field").click()
    fields.nth(1).locator("input[data-key=label]").fill("Total")
    fields.nth(1).locator("select[data-key=type]").select_option("amount")
    builder.get_by_role("button", name="Add a line-item group").click()
    group = fields.nth(2)
    group.locator("input[data-key=label]").first.fill("Lines")
    columns = group.locator(".sb-columns .sb-field")
    columns.nth(0).locator("input[data-key=label]").fill("Description")
    columns.nth(0).locator("input[data-key=required]").check()
    group.get_by_role("button", name="Add a column").click()
    columns.nth(1).locator("input[data-key=label]").fill("Quantity")
    columns.nth(1).locator("select[data-key=type]").select_option("number")
    expect(page.locator("#preview-output label")).to_have_count(3)
    j.check("admin-service-type-builder")
    page.click("#save-service-type")
    page.wait_for_url("**/setup/service-types/")
    j.check("admin-service-types")


def _calendar_and_engagement(j: Journey) -> None:
    """Admin: the client's business calendar, then the engagement using it."""
    page = j.page
    j.go(f"/t/{j.provider}/setup/calendars/new/")
    page.select_option("#id_client", label=CLIENT)
    page.fill("#id_name", "Umbrella office hours")
    j.check("admin-calendar-new")
    page.click("#save-calendar")
    page.wait_for_url("**/setup/calendars/")
    j.check("admin-calendars")
    j.go(f"/t/{j.provider}/setup/engagements/new/")
    page.select_option("#id_client", label=CLIENT)
    page.select_option("#id_service_type", label="Legal invoices")
    page.fill("#id_code", "invoices")
    page.select_option("#id_calendar", label=f"{CLIENT} — Umbrella office hours")
    page.fill("#id_sla_hours", "8")
    j.check("admin-engagement-new")
    page.click("#save-engagement")
    page.wait_for_url("**/setup/engagements/")
    j.check("admin-engagements")


def _client_sends_a_document(j: Journey, scan: Path) -> None:
    """Client user: sign in with the one-time password, send one item, attach its scan."""
    page = j.page
    j.sign_in("umbrella-user", j.client_password)
    j.go(f"/t/{SLUG}/work/")
    j.check("client-work")
    page.get_by_role("link", name="Send work").first.click()
    page.wait_for_url("**/submit/")
    page.fill("#f-external_ref", "UMB-1")
    j.check("client-send-work")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url("**/work/items/*/")
    j.item_url = page.url
    page.set_input_files("input[name=file]", str(scan))
    page.get_by_role("button", name="Attach", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("UMB-1.pdf")
    j.check("client-item-with-scan")


def _agent_keys_it(j: Journey) -> None:
    """Agent: take the item with n, the scan in the viewer, key with the keyboard alone."""
    page = j.page
    j.sign_in("agent1")
    j.go(f"/t/{j.provider}/work/next/")
    j.check("agent-next")
    page.keyboard.press("n")
    page.wait_for_url("**/work/items/*/")
    page.wait_for_function(
        "() => { const i = document.querySelector('.viewer-page'); "
        "return i && i.complete && i.naturalWidth > 100; }",
        timeout=PATIENCE_MS,
    )
    page.keyboard.type("R-2026-0001")
    page.keyboard.press("Enter")
    page.keyboard.type("42.50")
    page.keyboard.press("Tab")
    page.keyboard.type("Contract review")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    j.check("agent-keyed")
    page.keyboard.press("Control+s")
    page.wait_for_url("**/work/next/")


def _qa_accepts_it(j: Journey) -> None:
    """QA reviewer: the sampled item from the QA queue, every field correct, accepted."""
    page = j.page
    j.sign_in("qa")
    j.go(f"/t/{j.provider}/work/qa/")
    j.check("qa-queue")
    page.get_by_role("link", name="UMB-1").click()
    page.wait_for_selector("#qa-form")
    for radio in page.locator("#qa-form input[type=radio][value=correct]").all():
        radio.check()
    j.check("qa-review")
    page.get_by_role("button", name="Accept (apply corrections)").click()
    page.wait_for_url("**/work/qa/")
    j.check("qa-after")


def _finance_invoices(j: Journey) -> None:
    """Finance: an invoice to a customer in the provider's own books, issued and posted."""
    page = j.page
    j.sign_in("finance")
    j.go(f"/t/{j.provider}/commerce/documents/new/?kind=invoice")
    page.select_option("#d-party", label="Acme Insurance Co. (USD)")
    page.fill("#d-date", "2026-11-30")
    first = page.locator("tr.line").first
    first.locator("select[name=product]").select_option(
        label="SVC-HOUR Back-office agent time (per hour)"
    )
    first.locator("input[name=quantity]").fill("3")
    expect(page.locator("#t-gross")).to_have_text("123.12")  # 3 x 38.00 + 8 %
    j.check("finance-invoice-new")
    page.click("text=Save draft")
    page.wait_for_selector("#edit-draft")
    j.check("finance-invoice-draft")
    page.click("text=Issue and post")
    page.wait_for_selector("text=INV-2026-00005")
    j.check("finance-invoice-issued")


def _scan(tmp_path: Path) -> Path:
    """The client's document: a one-page supplier invoice (PDF)."""
    from backoffice.work.demo_documents import invoice_pdf

    item = SimpleNamespace(
        pk=1, external_ref="UMB-1", engagement=SimpleNamespace(tenant=SimpleNamespace(name=CLIENT))
    )
    path = tmp_path / "UMB-1.pdf"
    path.write_bytes(invoice_pdf(item, "Baker", 1, random.Random(1)))  # type: ignore[arg-type]
    return path


def _seed_the_demo_provider() -> str:
    from backoffice.commerce import demo as commerce_demo
    from backoffice.ledger import demo as ledger_demo
    from backoffice.tenancy import demo as tenancy_demo

    ctx = tenancy_demo.seed_tenants()
    ledger_demo.seed(ctx)
    commerce_demo.seed(ctx)
    return ctx.provider.slug


@pytest.mark.django_db(transaction=True)
def test_one_journey_per_role_through_the_ui(live_server, browser_page, settings, tmp_path):
    from backoffice.work.models import State, WorkItem

    settings.MEDIA_ROOT = tmp_path / "media"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser_page.set_default_timeout(PATIENCE_MS)
    j = Journey(browser_page, live_server.url, _seed_the_demo_provider())
    errors: list[str] = []
    browser_page.on("pageerror", lambda e: errors.append(str(e)))
    _open_the_client(j)
    _build_the_service_type(j)
    _calendar_and_engagement(j)
    _client_sends_a_document(j, _scan(tmp_path))
    _agent_keys_it(j)
    item = WorkItem.objects.unscoped("test").get(external_ref="UMB-1")
    assert item.output == {
        "invoice_number": "R-2026-0001",
        "total": 42.5,
        "lines": [{"description": "Contract review", "quantity": 2}],
    }
    _qa_accepts_it(j)
    item.refresh_from_db()
    assert item.state == State.DONE
    _finance_invoices(j)
    assert j.blocking == {}, j.blocking
    assert errors == []
    assert len(j.shots) == 19
