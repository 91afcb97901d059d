"""In a real browser: a client admin adds a webhook endpoint (the secret shown once),
an item is finished, the delivery shows in the endpoint's log, the admin sends it again;
then prepares a results export and downloads it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from backoffice.delivery import signing
from backoffice.delivery.tests.factories import finish
from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.work.tests.factories import submit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _worker() -> None:
    call_command("worker", "--batch", "--interval", "0", "--no-scheduler")


@pytest.mark.django_db(transaction=True)
def test_endpoint_delivery_log_redelivery_and_export_download(
    live_server, browser_page, client_a, user_a, engagement_a, agent, receiver
):
    page, base = browser_page, live_server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/login/")
    page.fill("#id_username", user_a.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/t/**")

    # the client admin adds an endpoint; the secret is shown this once
    page.goto(f"{base}/t/{client_a.slug}/delivery/")
    page.fill("#w-url", receiver.url)
    page.check("#endpoint-form input[name=events][value='item.completed']")
    page.click("#endpoint-form button[type=submit]")
    page.wait_for_selector("#secret")
    secret = page.input_value("#secret")
    assert secret.startswith("whsec_")
    page.click("text=I have stored it: go to the endpoint")
    page.wait_for_selector("#log")
    assert "Nothing sent yet." in page.text_content("main")

    # an agent finishes an item; the worker delivers it; the log shows it delivered
    item = finish(submit(engagement_a, "BRW-1"), agent)
    _worker()
    page.reload()
    row = page.locator("#log + .table-wrap tr", has_text="An item is done")
    assert "Delivered" in row.text_content()
    assert "1 try" in row.text_content()
    page.screenshot(path=str(ARTIFACTS / "delivery-log.png"), full_page=True)

    # the admin sends it again: a second, manual try, the same signed body
    row.locator("button", has_text="Send again").click()
    page.wait_for_load_state()
    _worker()
    page.goto(page.url.split("#")[0])
    row = page.locator("#log + .table-wrap tr", has_text="An item is done")
    assert "2 tries" in row.text_content()
    row.locator("summary").click()
    assert "(sent again by hand)" in row.text_content()
    assert len(receiver.got) == 2 and receiver.got[0].body == receiver.got[1].body
    for got in receiver.got:
        assert signing.verify(got.body, got.headers["Backoffice-Signature"], secret)

    # a results export of the engagement for today, downloaded as CSV
    page.goto(f"{base}/t/{client_a.slug}/delivery/")
    page.select_option("#x-engagement", str(engagement_a.pk))
    today = date.today().isoformat()
    page.fill("#x-from", today)
    page.fill("#x-to", today)
    page.select_option("#x-format", "csv")
    page.click("#export-form button[type=submit]")
    page.wait_for_selector("text=Download")
    with page.expect_download() as info:
        page.click("a:has-text('Download')")
    download = info.value
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "BRW-1" in content and str(item.pk) in content
    assert content.splitlines()[0].startswith("Item,Reference,Completed at (UTC)")
    page.screenshot(path=str(ARTIFACTS / "delivery-export.png"), full_page=True)
