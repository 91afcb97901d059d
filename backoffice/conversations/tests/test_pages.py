"""The conversation pages: inbox, thread, polling, starting a thread, refusals in words."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.conversations.models import InternalNote, Message, Thread
from backoffice.conversations.tests.conftest import signed_in
from backoffice.conversations.tests.factories import item_thread, note, say

pytestmark = pytest.mark.django_db


def test_inbox_lists_unread_and_filters(web_a, item_a, agent, client_a, engagement_a):
    thread = item_thread(item_a, agent)
    say(thread, agent, "Please check page 2")
    r = web_a.get("/t/client-a/conversations/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Item INV-A-1" in html and "1 new" in html
    # the filter by kind keeps only that kind
    r = web_a.get("/t/client-a/conversations/?kind=account")
    assert "Item INV-A-1" not in r.content.decode()
    # unknown filter values are ignored, not a 500
    assert web_a.get("/t/client-a/conversations/?kind=zzz&show=zzz&page=x").status_code == 200


def test_thread_page_posts_and_keeps_text_on_error(web_a, item_a, user_a):
    thread = item_thread(item_a, user_a)
    path = f"/t/client-a/conversations/threads/{thread.pk}/"
    r = web_a.post(path, {"body": "   "})
    assert r.status_code == 400
    assert "Write a message first." in r.content.decode()
    bad = SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload")
    r = web_a.post(path, {"body": "keep me", "files": [bad]})
    assert r.status_code == 400
    html = r.content.decode()
    assert "keep me" in html and "a.exe: this type of file is not accepted" in html
    assert Message.objects.for_tenant(item_a.tenant_id).count() == 0
    r = web_a.post(path, {"body": "Hello @padmin"})
    assert r.status_code == 302
    assert Message.objects.for_tenant(item_a.tenant_id).get().body == "Hello @padmin"


def test_client_posting_internal_is_refused(web_a, item_a, user_a):
    thread = item_thread(item_a, user_a)
    r = web_a.post(
        f"/t/client-a/conversations/threads/{thread.pk}/", {"body": "x", "internal": "1"}
    )
    assert r.status_code == 403
    assert InternalNote.objects.for_tenant(item_a.tenant_id).count() == 0


def test_staff_write_a_note_from_the_providers_tenant(item_a, agent, provider):
    thread = item_thread(item_a, agent)
    web = signed_in(agent)
    r = web.post(
        f"/t/{provider.slug}/conversations/threads/{thread.pk}/",
        {"body": "only for us", "internal": "1"},
    )
    assert r.status_code == 302
    assert InternalNote.objects.for_tenant(item_a.tenant_id).get().body == "only for us"
    page = web.get(f"/t/{provider.slug}/conversations/threads/{thread.pk}/").content.decode()
    assert "only for us" in page and "the client does not see this" in page


def test_poll_returns_only_new_entries(web_a, item_a, agent, user_a):
    thread = item_thread(item_a, agent)
    first = say(thread, agent, "first message")
    second = say(thread, agent, "second message")
    r = web_a.get(f"/t/client-a/conversations/threads/{thread.pk}/new-messages/?m={first.pk}&n=0")
    html = r.content.decode()
    assert "second message" in html and "first message" not in html
    assert f"m={second.pk}" in html  # the poller moves its cursor on
    assert 'hx-trigger="every 5s"' in html


def test_subject_link_starts_the_thread_on_first_message(web_a, item_a):
    path = f"/t/client-a/conversations/about/item/{item_a.pk}/"
    r = web_a.get(path)
    assert r.status_code == 200 and "Item INV-A-1" in r.content.decode()
    assert Thread.objects.for_tenant(item_a.tenant_id).count() == 0  # a GET starts nothing
    r = web_a.post(path, {"body": ""})
    assert r.status_code == 400
    assert Thread.objects.for_tenant(item_a.tenant_id).count() == 0
    r = web_a.post(path, {"body": "Why is this late?"})
    assert r.status_code == 302
    thread = Thread.objects.for_tenant(item_a.tenant_id).get()
    assert web_a.get(path)["Location"].endswith(f"/threads/{thread.pk}/")


def test_subject_of_another_client_is_404(web_a, item_b):
    assert web_a.get(f"/t/client-a/conversations/about/item/{item_b.pk}/").status_code == 404
    assert web_a.get("/t/client-a/conversations/about/account/999999/").status_code == 404
    assert web_a.get("/t/client-a/conversations/about/planet/1/").status_code == 404


def test_new_account_thread_for_staff_picks_a_client(item_a, agent, provider, client_a, client_b):
    web = signed_in(agent)
    r = web.get(f"/t/{provider.slug}/conversations/new/")
    html = r.content.decode()
    assert "Client A" in html and "Client B" not in html  # the agent serves A only
    r = web.post(
        f"/t/{provider.slug}/conversations/new/", {"client": str(client_b.pk), "body": "hi"}
    )
    assert r.status_code == 400 and "Pick the client" in r.content.decode()
    r = web.post(
        f"/t/{provider.slug}/conversations/new/", {"client": str(client_a.pk), "body": "hi"}
    )
    assert r.status_code == 302
    thread = Thread.objects.for_tenant(client_a).get()
    assert thread.subject_kind == "account" and thread.title == "Client A account"


def test_note_only_thread_is_not_in_the_clients_inbox(web_a, item_a, agent):
    thread = item_thread(item_a, agent)
    note(thread, agent, "internal only")
    html = web_a.get("/t/client-a/conversations/").content.decode()
    assert "Item INV-A-1" not in html


def test_item_page_links_to_its_conversation(web_a, item_a):
    html = web_a.get(f"/t/client-a/work/items/{item_a.pk}/").content.decode()
    assert f"/t/client-a/conversations/about/item/{item_a.pk}/" in html
    assert "Conversation about this item" in html
