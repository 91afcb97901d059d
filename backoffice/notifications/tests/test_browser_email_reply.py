"""In a real browser: a client asks a question on an item by replying to the notification
email, and the reply appears in the item's thread (without a reload); the provider's
internal note on the same thread never shows on her page nor reaches her mailbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from backoffice.conversations.tests.factories import item_thread, note, say
from backoffice.notifications.tests.conftest import reply_to, text_of
from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.work.tests.factories import make_engagement, make_service_type, submit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_a_client_question_by_email_reply_appears_in_the_thread(
    live_server, browser_page, smtp, tmp_path, provider, client_a, alice, agent, ops
):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item = submit(make_engagement(client_a, make_service_type(provider), code="eng-a"), "INV-7")
    thread = item_thread(item, agent)
    # given: the agent writes to client A about the item, and notes something internal
    say(thread, agent, "We started keying INV-7.")
    note(thread, agent, "Scan quality on INV-7 is poor; bill the rework.")
    (mail,) = smtp.to("alice@client-a.test")  # the note was not mailed to her
    assert "We started keying INV-7." in text_of(mail)
    assert all("Scan quality" not in text_of(m) for m in smtp.to("alice@client-a.test"))
    # alice opens the item's thread
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", alice.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/t/**")
    page.goto(f"{live_server.url}/t/{client_a.slug}/conversations/threads/{thread.pk}/")
    page.wait_for_selector("#conv-timeline:has-text('We started keying INV-7.')")
    # when: she answers from her mail program and the MTA pipes it to `mail ingest`
    raw = reply_to(
        mail, sender=alice.email, body="Is the second page needed too? It is the appendix."
    )
    eml = tmp_path / "reply.eml"
    eml.write_bytes(raw)
    call_command("mail", "ingest", str(eml))
    # then: her question appears in the open thread (polling), without the quoted mail
    page.wait_for_selector(
        "#conv-timeline:has-text('Is the second page needed too?')", timeout=30_000
    )
    timeline = page.text_content("#conv-timeline") or ""
    assert "We started keying INV-7." in timeline
    assert "Scan quality" not in page.content()
    assert "> We started" not in timeline
    page.screenshot(path=str(ARTIFACTS / "email-reply-in-thread.png"), full_page=True)
