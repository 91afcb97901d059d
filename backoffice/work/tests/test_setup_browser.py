"""A real browser builds a service type in the field-schema builder (a line-item group
included), sees the agent's form in the preview and saves it: the UI alone, no API."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page, expect

from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.web.tests.test_browser import pytestmark  # noqa: F401  (chromium present)
from backoffice.work.models import ServiceType

# var/ is ignored by git; BACKOFFICE_SCREENSHOTS may point elsewhere (a CI artifact dir).
SCREENSHOTS = Path(
    os.environ.get("BACKOFFICE_SCREENSHOTS")
    or Path(__file__).resolve().parents[3] / "var" / "screenshots"
)


def _blocking_axe_violations(page: Page) -> list[str]:
    """WCAG 2.1 A/AA violations of serious or critical impact, by rule id."""
    page.evaluate(AXE_SCRIPT)
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags
    )
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _shots() -> Path:
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    except OSError:
        return Path(tempfile.mkdtemp(prefix="setup-shots-"))


@pytest.mark.django_db(transaction=True)
def test_admin_builds_a_service_type_with_line_items_previews_and_saves_it(
    live_server, browser_page, provider_admin, provider
):
    page = browser_page
    shots = _shots()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", provider_admin.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/t/**")
    # given the new-service-type page, reached from the set-up index
    page.goto(f"{live_server.url}/t/{provider.slug}/setup/")
    page.click("text=Service types")
    page.click("text=New service type")
    page.fill("#id_code", "supplier-invoices")
    page.fill("#id_name", "Supplier invoices")
    builder = page.locator(".schema-builder[data-target=id_output_schema]")
    fields = builder.locator(".sb-list > .sb-field")
    # when the admin adds a required text field and an amount
    builder.get_by_role("button", name="Add a field").click()
    fields.nth(0).locator("input[data-key=label]").fill("Invoice number")
    fields.nth(0).locator("input[data-key=required]").check()
    builder.get_by_role("button", name="Add a field").click()
    fields.nth(1).locator("input[data-key=label]").fill("Total")
    fields.nth(1).locator("select[data-key=type]").select_option("amount")
    # and a line-item group with two columns
    builder.get_by_role("button", name="Add a line-item group").click()
    group = fields.nth(2)
    group.locator("input[data-key=label]").first.fill("Lines")
    columns = group.locator(".sb-columns .sb-field")
    columns.nth(0).locator("input[data-key=label]").fill("Description")
    columns.nth(0).locator("input[data-key=required]").check()
    group.get_by_role("button", name="Add a column").click()
    columns.nth(1).locator("input[data-key=label]").fill("Quantity")
    columns.nth(1).locator("select[data-key=type]").select_option("number")
    # and moves the total below the lines
    fields.nth(1).get_by_role("button", name="Move down: Total").click()
    # then the preview shows the agent's form as agents will see it
    preview = page.locator("#preview-output")
    expect(preview.locator("label")).to_have_text(["Invoice number *", "Lines", "Total"])
    assert preview.locator("label[for=f-invoice_number]").inner_text() == "Invoice number *"
    assert preview.locator("#f-lines").count() == 1
    labels = preview.locator("label").all_inner_texts()
    assert [t.rstrip(" *") for t in labels] == ["Invoice number", "Lines", "Total"]
    page.screenshot(path=str(shots / "setup-service-type-builder.png"), full_page=True)
    assert _blocking_axe_violations(page) == []
    # when the admin saves
    page.click("#save-service-type")
    page.wait_for_url("**/setup/service-types/")
    page.screenshot(path=str(shots / "setup-service-types.png"), full_page=True)
    # then the service type holds the schema the builder made
    st = ServiceType.objects.for_tenant(provider).get(code="supplier-invoices")
    schema = st.output_schema
    # (the order is written out: PostgreSQL's JSONB keeps no key order)
    assert schema["x-order"] == ["invoice_number", "lines", "total"]
    assert set(schema["properties"]) == {"invoice_number", "lines", "total"}
    assert schema["required"] == ["invoice_number"]
    assert schema["properties"]["total"] == {
        "title": "Total",
        "type": "number",
        "format": "amount",
        "minimum": 0,
    }
    line = schema["properties"]["lines"]["items"]
    assert line["properties"] == {
        "description": {"title": "Description", "type": "string"},
        "quantity": {"title": "Quantity", "type": "number"},
    }
    assert line["required"] == ["description"]
    assert line["x-order"] == ["description", "quantity"]
    assert page.locator("#service-types").inner_text().count("Supplier invoices") == 1
