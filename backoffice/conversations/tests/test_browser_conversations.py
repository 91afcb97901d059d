"""In a real browser: a provider agent writes an internal note and a client-visible reply;
the client admin, with the thread open, sees the reply appear without a reload (htmx
polling) and never the note."""

import shutil
from pathlib import Path

import pytest

from backoffice.conversations.models import InternalNote, Message
from backoffice.conversations.tests.factories import item_thread, say
from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.web.tests.a11y import check_page, horizontal_overflow, report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"
NOTE = "Scan is upside down, the client must not hear of it"
REPLY = "We found page 2 and added it to the claim."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/t/**")


def _stop_polling(page) -> None:
    """Only the client's page polls: the live test server shares one SQLite connection
    between its requests, so two pages' polls must not overlap."""
    page.evaluate("document.getElementById('conv-poller')?.remove()")


@pytest.mark.django_db(transaction=True)
def test_client_sees_the_reply_appear_and_never_the_note(
    live_server, browser_page, item_a, user_a, agent, provider
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    thread = item_thread(item_a, user_a)
    say(thread, user_a, "Where is page 2 of this claim?")
    # given the agent, on the thread from the provider's side, writes an internal note
    staff_context = browser_page.context.browser.new_context(
        viewport={"width": 1280, "height": 800}
    )
    staff_page = staff_context.new_page()
    _sign_in(staff_page, base, "agent")
    staff_page.goto(f"{base}/t/{provider.slug}/conversations/threads/{thread.pk}/")
    staff_page.fill("#conv-body", NOTE)
    staff_page.check("input[name=internal][value='1']")
    staff_page.click("#conv-reply button[type=submit]")
    staff_page.wait_for_selector(f".conv-note:has-text('{NOTE}')")
    _stop_polling(staff_page)
    # and the client admin has the thread open
    client_page = browser_page
    _sign_in(client_page, base, "alice")
    client_page.goto(f"{base}/t/client-a/conversations/threads/{thread.pk}/")
    client_page.wait_for_selector("text=Where is page 2 of this claim?")
    assert NOTE not in client_page.content()
    client_page.evaluate("window.__notReloaded = true")
    # when the agent sends a reply everyone sees, just after one of the client's polls (the
    # test server shares one SQLite connection between requests: they must not overlap)
    staff_page.fill("#conv-body", REPLY)
    staff_page.check("input[name=internal][value='']")
    with client_page.expect_response(lambda r: "/new-messages/" in r.url, timeout=30_000):
        pass
    staff_page.click("#conv-reply button[type=submit]")
    staff_page.wait_for_selector(f".conv-entry:has-text('{REPLY}')")
    _stop_polling(staff_page)
    staff_page.screenshot(path=str(ARTIFACTS / "conversations-staff.png"), full_page=True)
    staff_context.close()
    # then the client's open page shows the reply within a few polls, without a reload
    client_page.wait_for_selector(f".conv-entry:has-text('{REPLY}')", timeout=30_000)
    assert client_page.evaluate("window.__notReloaded === true")
    # and a few more polls later still never the note
    client_page.wait_for_timeout(6_000)
    assert NOTE not in client_page.content()
    assert client_page.locator(".conv-note").count() == 0
    client_page.reload()
    client_page.wait_for_selector(f".conv-entry:has-text('{REPLY}')")
    assert NOTE not in client_page.content()
    client_page.screenshot(path=str(ARTIFACTS / "conversations-client.png"), full_page=True)
    assert InternalNote.objects.for_tenant(item_a.tenant_id).get().body == NOTE
    assert Message.objects.for_tenant(item_a.tenant_id).filter(body=REPLY).exists()


@pytest.mark.django_db(transaction=True)
def test_conversation_pages_pass_axe_and_fit_a_phone(
    live_server, browser_page, item_a, user_a, agent, provider
):
    base = live_server.url
    thread = item_thread(item_a, user_a)
    say(thread, user_a, "A question with a rather long word: Rechnungseingangsbestätigung")
    page = browser_page
    _sign_in(page, base, "alice")
    paths = [
        "/t/client-a/conversations/",
        "/t/client-a/conversations/?q=question",
        f"/t/client-a/conversations/threads/{thread.pk}/",
        f"/t/client-a/conversations/about/engagement/{item_a.engagement_id}/",
        "/t/client-a/conversations/new/",
    ]
    findings = []
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            page.goto(base + path)
            findings.append(check_page(page))
            assert horizontal_overflow(page) <= 1, (path, width)
    # a refused reply (errors beside the field) too
    page.goto(base + f"/t/client-a/conversations/threads/{thread.pk}/")
    page.click("#conv-reply button[type=submit]")
    page.wait_for_selector("#conv-body-errors")
    findings.append(check_page(page))
    assert not report(findings), report(findings)
