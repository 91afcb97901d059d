"""Must show: no page or endpoint a client reaches ever shows an internal note, or another
client's thread.

Marker strings are written where a client must never see them: in internal notes on client
A's threads (on an item, a batch, an engagement, the account), in a note that @mentions a
client user, and in messages and notes of client B. Then every conversations page and API
endpoint is walked as client A's admin and plain user (browser session and API token),
with every filter, search for each marker, polling from the start, B's thread ids, and
the files. No response body may contain a marker. The walk must reach every URL name of
the app and every route of its API router, so a new page or endpoint without a place
here fails the test.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backoffice.conversations import api as conv_api
from backoffice.conversations import services, urls
from backoffice.conversations.tests.conftest import signed_in, staff
from backoffice.conversations.tests.factories import item_thread, note, say
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import make_token
from backoffice.work.models import IntakeBatch

pytestmark = pytest.mark.django_db

NOTE_MARK = "ZZNOTEMARK"
MENTION_MARK = "ZZMENTIONNOTE"
B_MARK = "ZZCLIENTBMARK"
MARKERS = (NOTE_MARK, MENTION_MARK, B_MARK)
# What a search asks for: words of the hidden texts (a page repeats the words searched, so
# the markers themselves are searched without their "ZZ").
SEARCHES = (*(m[2:] for m in MARKERS), "hello", "internal", "note")


@pytest.fixture
def world(item_a, item_b, engagement_a, user_a, user_b, carol, agent, agent_b, provider):
    """Client A's threads with notes; client B's thread with messages and notes."""
    lead = staff("lead-ab", Role.TEAM_LEAD, provider, item_a.tenant, item_b.tenant)
    batch = (
        IntakeBatch.objects.for_tenant(item_a.tenant_id).get(pk=item_a.batch_id)
        if item_a.batch_id
        else None
    )
    subjects = [("item", item_a.pk), ("engagement", engagement_a.pk), ("account", item_a.tenant_id)]
    if batch is not None:
        subjects.append(("batch", batch.pk))
    a_threads = []
    for kind, pk in subjects:
        t = services.thread_for(
            tenant_id=item_a.tenant_id, subject_kind=kind, subject_id=pk, actor=agent
        )
        say(t, agent, f"visible hello about {kind}")
        note(t, agent, f"{NOTE_MARK} internal about {kind} and the visible hello")
        a_threads.append(t)
    # a note naming a client user: she is not mentioned, not told, sees nothing
    note(a_threads[0], agent, f"@carol @alice {MENTION_MARK} hello")
    # a thread on A holding only a note
    only_note = services.thread_for(
        tenant_id=item_a.tenant_id, subject_kind="account", subject_id=item_a.tenant_id, actor=agent
    )
    note(only_note, lead, f"{NOTE_MARK} second note hello")
    # client B: messages, notes and a file
    b = item_thread(item_b, user_b)
    pdf = SimpleUploadedFile(
        "b.pdf", b"%PDF-1.4 " + B_MARK.encode(), content_type="application/pdf"
    )
    say(b, user_b, f"{B_MARK} message of B hello", attachments=[pdf])
    say(b, agent_b, f"{B_MARK} reply to B hello @alice")
    note(b, agent_b, f"{B_MARK} {NOTE_MARK} note on B hello")
    a_file = SimpleUploadedFile("a.txt", b"plain A file", content_type="text/plain")
    say(a_threads[0], user_a, "a file for A hello", attachments=[a_file])
    return {"a_threads": a_threads, "b": b}


def _clean(response, what: str) -> str:
    assert response.status_code < 500, what
    if hasattr(response, "streaming_content"):
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    for mark in MARKERS:
        assert mark not in body, f"{mark} leaked through {what}"
    return body


def _pages(web: Client, slug: str, world: dict, item_ids: dict) -> set[str]:
    from backoffice.conversations.models import MessageAttachment

    seen = set()
    base = f"/t/{slug}/conversations"
    b = world["b"]
    a0 = world["a_threads"][0]
    visits = {
        "inbox": [
            f"{base}/",
            *[f"{base}/?show={s}" for s in ("unread", "mine", "mentioned")],
            *[f"{base}/?kind={k}" for k in ("item", "batch", "engagement", "account", "request")],
            *[f"{base}/?q={q}" for q in SEARCHES],
        ],
        "thread": [f"{base}/threads/{t.pk}/" for t in world["a_threads"]]
        + [f"{base}/threads/{b.pk}/"],
        "thread_poll": [f"{base}/threads/{t.pk}/new-messages/?m=0&n=0" for t in world["a_threads"]]
        + [f"{base}/threads/{b.pk}/new-messages/?m=0&n=0"],
        "subject": [f"{base}/about/{k}/{pk}/" for k, pk in item_ids.items()],
        "new": [f"{base}/new/"],
        "attachment": [
            f"{base}/files/{f.pk}/"
            for f in MessageAttachment.objects.unscoped("test walks every file").all()
        ],
    }
    for name, paths in visits.items():
        for path in paths:
            r = web.get(path, follow=True)
            _clean(r, path)
            seen.add(name)
    # B's thread is a 404 (as a missing one), and posting there writes nothing
    assert web.get(f"{base}/threads/{b.pk}/").status_code == 404
    assert web.post(f"{base}/threads/{b.pk}/", {"body": "x"}).status_code == 404
    # the client's own reply page answers without a note
    _clean(web.post(f"{base}/threads/{a0.pk}/", {"body": ""}), "a refused reply")
    return seen


def _api(api: Client, world: dict, item_ids: dict) -> set[str]:
    from backoffice.conversations.models import MessageAttachment

    base = "/api/v1/conversations"
    b = world["b"]
    seen = set()
    calls = [
        ("GET", f"{base}/threads", None),
        *[("GET", f"{base}/threads?{f}=true", None) for f in ("unread", "mine", "mentioned")],
        *[("GET", f"{base}/threads?kind={k}", None) for k in item_ids],
        *[("GET", f"{base}/threads/{t.pk}", None) for t in world["a_threads"]],
        *[
            ("GET", f"{base}/threads/{t.pk}?after_note=0&after_message=0", None)
            for t in world["a_threads"]
        ],
        ("GET", f"{base}/threads/{b.pk}", None),
        ("GET", f"{base}/unread", None),
        *[("GET", f"{base}/search?q={q}", None) for q in SEARCHES],
        *[
            ("GET", f"{base}/attachments/{f.pk}", None)
            for f in MessageAttachment.objects.unscoped("test walks every file").all()
        ],
        *[
            ("POST", f"{base}/threads", {"subject_kind": k, "subject_id": pk})
            for k, pk in item_ids.items()
        ],
        ("POST", f"{base}/threads/{world['a_threads'][0].pk}/messages", {"body": "client says hi"}),
        ("POST", f"{base}/threads/{b.pk}/messages", {"body": "into B?"}),
        ("POST", f"{base}/threads/{world['a_threads'][0].pk}/notes", {"body": "client note?"}),
        ("POST", f"{base}/threads/{b.pk}/read", None),
        ("POST", f"{base}/threads/{world['a_threads'][0].pk}/read", None),
    ]
    for method, path, payload in calls:
        if method == "GET":
            r = api.get(path)
        else:
            r = api.post(path, payload or {}, content_type="application/json")
        _clean(r, f"{method} {path}")
        seen.add(_route_of(path))
    f = SimpleUploadedFile("c.txt", b"client file", content_type="text/plain")
    r = api.post(
        f"{base}/threads/{world['a_threads'][0].pk}/messages/upload", {"body": "file", "files": [f]}
    )
    _clean(r, "upload")
    seen.add("/threads/{thread_id}/messages/upload")
    return seen


def _route_of(path: str) -> str:
    rest = path.split("/api/v1/conversations", 1)[1].split("?", 1)[0]
    parts = ["{thread_id}" if p.isdigit() and i == 2 else p for i, p in enumerate(rest.split("/"))]
    if parts[1:2] == ["attachments"]:
        parts[2] = "{attachment_id}"
    return "/".join(parts)


def test_no_note_and_no_other_clients_thread_ever_reaches_a_client(
    world, user_a, carol, client_a, item_a, engagement_a
):
    item_ids = {"item": item_a.pk, "engagement": engagement_a.pk, "account": client_a.pk}
    if item_a.batch_id:
        item_ids["batch"] = item_a.batch_id
    url_names = {p.name for p in urls.urlpatterns}
    routes = {path for path in conv_api.router.path_operations}
    for person in (user_a, carol):
        pages_seen = _pages(signed_in(person), "client-a", world, item_ids)
        api_seen = _api(
            Client(headers={"Authorization": f"Bearer {make_token(person, client_a)}"}),
            world,
            item_ids,
        )
        assert pages_seen == url_names, url_names - pages_seen
        assert api_seen == routes, routes - api_seen
    # the mention in a note told no client user and stored nothing for them
    from backoffice.conversations.models import NoteMention

    mentioned = NoteMention.objects.for_tenant(client_a).values_list("user__username", flat=True)
    assert set(mentioned).isdisjoint({"carol", "alice"})


def test_the_walk_would_catch_a_leak(world, agent, provider, client_a):
    """The same walk as provider staff does see the markers: the check is not blind."""
    web = signed_in(agent)
    body = web.get(f"/t/{provider.slug}/conversations/?q={NOTE_MARK[2:]}").content.decode()
    assert NOTE_MARK in body
    with pytest.raises(AssertionError):
        _clean(
            web.get(f"/t/{provider.slug}/conversations/threads/{world['a_threads'][0].pk}/"), "x"
        )
