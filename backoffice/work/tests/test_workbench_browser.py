"""A real browser: an agent takes an invoice, sees its scan in the viewer, keys the lines in
the grid with the keyboard alone and submits with the keyboard; the result reads as labelled
fields. Screenshots go to artifacts/browser/."""

from __future__ import annotations

import random

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.web.tests.test_browser import (
    ARTIFACTS,
    pytestmark,  # noqa: F401  (chromium present)
)
from backoffice.work import services
from backoffice.work.demo_documents import invoice_pdf
from backoffice.work.models import State, WorkItem


def _axe_blocking(page) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA findings of serious or critical impact."""
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
    )
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _invoice_with_its_scan(provider, client_a, agent) -> WorkItem:
    """An invoice-capture item of client A with a two-page PDF scan attached."""
    service_type = services.create_service_type(
        provider=provider,
        actor=None,
        code="invoice-capture",
        template="invoice-capture",
        qa_sample_percent=0,
    )
    calendar = services.create_calendar(tenant=client_a, actor=None, name="cal")
    engagement = services.create_engagement(
        tenant=client_a, actor=None, service_type=service_type, calendar=calendar, code="inv"
    )
    item, _ = services.submit_item(
        engagement=engagement, actor=None, external_ref="INV-7", data={"pages": 2}
    )
    pdf = invoice_pdf(item, "Bosch", 2, random.Random(3))
    services.add_attachment(
        item=item, actor=agent, upload=SimpleUploadedFile("INV-7.pdf", pdf, "application/pdf")
    )
    return item


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/t/**")


def _key_the_invoice(page) -> None:
    """The header and two lines, by keyboard only, with one wrong quantity corrected and a
    third line added, moved and removed."""
    # the first field has the focus: key the header, Enter moving from field to field
    page.keyboard.type("R-2026-0007")
    page.keyboard.press("Enter")
    page.keyboard.type("11122026")  # the date input's order in this locale: month, day, year
    page.keyboard.press("Enter")
    page.keyboard.type("Bosch")
    page.keyboard.press("Enter")
    page.keyboard.type("E")  # the currency list: EUR
    page.keyboard.press("Enter")
    page.keyboard.type("65,20")
    page.keyboard.press("Tab")
    # the grid: Tab across a line, Ctrl+Enter for a new one
    page.keyboard.type("Drill bits")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("18,9")
    page.keyboard.press("Control+Enter")
    page.keyboard.type("Gloves")
    page.keyboard.press("Tab")
    page.keyboard.type("-2")
    page.keyboard.press("Tab")
    page.keyboard.type("4.25")
    # a wrong quantity is named beside its cell as the agent leaves it
    page.keyboard.press("Shift+Tab")
    assert page.text_content('[name="lines-1-quantity"] + .cell-error') == "Enter 0 or more."
    page.keyboard.press("Control+a")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    assert page.text_content('[name="lines-1-quantity"] + .cell-error') == ""
    # the totals follow: 3 + 2 = 5; 18.90 + 4.25 = 23.15
    assert page.text_content('[data-total="quantity"]') == "5"
    assert page.text_content('[data-total="unit_price"]') == "23.15 EUR"
    # a third line by Enter on the last line, then moved up with Alt+Up and removed again
    page.keyboard.press("Enter")
    assert page.locator("[data-grid] tbody tr").count() == 3
    page.keyboard.type("Cable ties")
    page.keyboard.press("Alt+ArrowUp")
    assert page.input_value('[name="lines-1-description"]') == "Cable ties"
    page.keyboard.press("Control+Delete")
    assert page.locator("[data-grid] tbody tr").count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_agent_keys_an_invoice_with_the_keyboard(
    live_server, browser_page, provider, client_a, agent, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item = _invoice_with_its_scan(provider, client_a, agent)
    page = browser_page
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    _sign_in(page, live_server.url, agent.username)
    # given the next-item page, the agent takes the item with n
    page.goto(f"{live_server.url}/t/{provider.slug}/work/next/")
    page.keyboard.press("n")
    page.wait_for_url(f"**/work/items/{item.pk}/")
    # then the scan's first page is in the viewer, with a thumbnail per page
    page.wait_for_function(
        "() => { const i = document.querySelector('.viewer-page'); "
        "return i && i.complete && i.naturalWidth > 100; }"
    )
    assert page.locator(".thumbs button").count() == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('.thumbs img')].every(i => i.naturalWidth > 0)"
    )
    page.screenshot(path=str(ARTIFACTS / "workbench-claimed.png"))
    assert _axe_blocking(page) == []
    _key_the_invoice(page)
    page.keyboard.press("Escape")
    page.keyboard.press("+")
    assert page.text_content("#viewer-zoom") == "125%"
    page.screenshot(path=str(ARTIFACTS / "workbench-keyed.png"))
    # when the agent submits with the keyboard
    page.keyboard.press("Control+s")
    page.wait_for_url("**/work/next/")
    # then the item is done with the lines as keyed
    item = WorkItem.objects.for_tenant(client_a).get(pk=item.pk)
    assert item.state == State.DONE
    assert item.output == {
        "invoice_number": "R-2026-0007",
        "invoice_date": "2026-11-12",
        "supplier": "Bosch",
        "currency": "EUR",
        "total": 65.2,
        "lines": [
            {"description": "Drill bits", "quantity": 3, "unit_price": 18.9},
            {"description": "Gloves", "quantity": 2, "unit_price": 4.25},
        ],
    }
    # and its page shows the result as labelled fields, the lines as a table
    page.goto(f"{live_server.url}/t/{provider.slug}/work/items/{item.pk}/")
    assert _axe_blocking(page) == []
    result = page.locator("#result")
    assert "Invoice number" in result.inner_text() and "65.20 EUR" in result.inner_text()
    assert "23.15 EUR" in result.locator("tfoot").inner_text()
    page.screenshot(path=str(ARTIFACTS / "workbench-result.png"), full_page=True)
    # and the keys are documented on the page, one key away
    page.keyboard.press("?")
    assert page.is_visible("#shortcuts")
    page.screenshot(path=str(ARTIFACTS / "workbench-keys.png"))
    assert problems == []
