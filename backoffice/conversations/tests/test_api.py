"""The conversations API, as a client (token of client A) and as provider staff."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backoffice.conversations.models import InternalNote, Message
from backoffice.conversations.tests.factories import item_thread, note, say
from backoffice.tenancy.tests.factories import make_token

pytestmark = pytest.mark.django_db
BASE = "/api/v1/conversations"


def bearer(user, tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(user, tenant)}"})


@pytest.fixture
def api_agent(agent, provider):
    """The agent's token in the provider's own tenant: sees every client they serve."""
    return bearer(agent, provider)


def test_client_reads_messages_never_notes(api_a, item_a, agent, user_a):
    thread = item_thread(item_a, agent)
    say(thread, agent, "Page 2 is missing")
    note(thread, agent, "NOTE-SECRET client is slow")
    r = api_a.get(f"{BASE}/threads/{thread.pk}")
    assert r.status_code == 200
    body = r.json()
    assert [e["body"] for e in body["entries"]] == ["Page 2 is missing"]
    assert body["can_write_notes"] is False
    assert "NOTE-SECRET" not in r.content.decode()


def test_staff_read_both_in_order(api_agent, item_a, agent, user_a):
    thread = item_thread(item_a, agent)
    say(thread, user_a, "first")
    note(thread, agent, "second, internal")
    say(thread, agent, "third")
    body = api_agent.get(f"{BASE}/threads/{thread.pk}").json()
    assert [(e["kind"], e["body"]) for e in body["entries"]] == [
        ("message", "first"),
        ("note", "second, internal"),
        ("message", "third"),
    ]
    assert body["can_write_notes"] is True
    # polling: only what came after the ids already shown
    ids = {e["kind"]: e["id"] for e in body["entries"]}
    say(thread, user_a, "fourth")
    newer = api_agent.get(
        f"{BASE}/threads/{thread.pk}?after_message={ids['message']}&after_note={ids['note']}"
    ).json()
    assert [e["body"] for e in newer["entries"]] == ["fourth"]


def test_client_cannot_post_a_note(api_a, item_a, user_a):
    thread = item_thread(item_a, user_a)
    r = api_a.post(
        f"{BASE}/threads/{thread.pk}/notes", {"body": "x"}, content_type="application/json"
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert InternalNote.objects.for_tenant(item_a.tenant_id).count() == 0


def test_another_clients_thread_is_404_like_a_missing_one(api_a, item_b, user_b):
    thread_b = item_thread(item_b, user_b)
    say(thread_b, user_b, "B's business")
    for path in [
        f"{BASE}/threads/{thread_b.pk}",
        f"{BASE}/threads/999999",
    ]:
        r = api_a.get(path)
        assert r.status_code == 404
        assert r.json()["error"] == {
            "code": "not_found",
            "message": "No such conversation.",
            "fields": {},
        }
    r = api_a.post(
        f"{BASE}/threads/{thread_b.pk}/messages", {"body": "hi"}, content_type="application/json"
    )
    assert r.status_code == 404
    assert Message.objects.for_tenant(item_b.tenant_id).count() == 1


def test_start_post_idempotent_and_list(api_a, item_a):
    payload = {"subject_kind": "item", "subject_id": item_a.pk, "body": "Hello there"}
    headers = {"Idempotency-Key": "start-1"}
    r1 = api_a.post(f"{BASE}/threads", payload, content_type="application/json", headers=headers)
    r2 = api_a.post(f"{BASE}/threads", payload, content_type="application/json", headers=headers)
    assert r1.status_code == 201, r1.content
    assert r2.json() == r1.json()
    assert Message.objects.for_tenant(item_a.tenant_id).count() == 1
    # without the key, the same subject gives the same thread (200) and a second message
    r3 = api_a.post(f"{BASE}/threads", payload, content_type="application/json")
    assert r3.status_code == 200
    assert r3.json()["id"] == r1.json()["id"]
    listed = api_a.get(f"{BASE}/threads").json()
    assert listed["count"] == 1
    assert listed["items"][0]["title"] == "Item INV-A-1"


def test_client_cannot_start_a_thread_on_another_clients_item(api_a, item_b, client_a):
    r = api_a.post(
        f"{BASE}/threads",
        {"subject_kind": "item", "subject_id": item_b.pk},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "unknown_subject"


def test_unread_and_mark_read(api_a, item_a, agent):
    thread = item_thread(item_a, agent)
    say(thread, agent, "one")
    say(thread, agent, "two")
    note(thread, agent, "not for the client")
    assert api_a.get(f"{BASE}/unread").json() == {"total": 2, "threads": {str(thread.pk): 2}}
    assert api_a.post(f"{BASE}/threads/{thread.pk}/read").status_code == 204
    assert api_a.get(f"{BASE}/unread").json() == {"total": 0, "threads": {}}


def test_upload_refuses_a_bad_file_and_writes_nothing(api_a, item_a, user_a):
    thread = item_thread(item_a, user_a)
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    r = api_a.post(
        f"{BASE}/threads/{thread.pk}/messages/upload", {"body": "see file", "files": [bad]}
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "attachment_type"
    assert "run.exe" in r.json()["error"]["message"]
    assert Message.objects.for_tenant(item_a.tenant_id).count() == 0
    good = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png")
    r = api_a.post(
        f"{BASE}/threads/{thread.pk}/messages/upload", {"body": "see file", "files": [good]}
    )
    assert r.status_code == 201, r.content
    url = r.json()["attachments"][0]["url"]
    got = api_a.get(url)
    assert got.status_code == 200
    assert got.content.startswith(b"\x89PNG")
    assert got["Content-Disposition"] == 'attachment; filename="scan.png"'


def test_search_finds_messages_and_staff_notes(api_a, api_agent, item_a, agent):
    thread = item_thread(item_a, agent)
    say(thread, agent, "the invoice total is wrong")
    note(thread, agent, "the invoice scan is blurry")
    client_hits = api_a.get(f"{BASE}/search?q=invoice").json()
    staff_hits = api_agent.get(f"{BASE}/search?q=invoice").json()
    assert [h["kind"] for h in client_hits["items"]] == ["message"]
    assert sorted(h["kind"] for h in staff_hits["items"]) == ["message", "note"]


def test_bad_kind_filter_is_refused_in_words(api_a):
    r = api_a.get(f"{BASE}/threads?kind=planet")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_subject_kind"
