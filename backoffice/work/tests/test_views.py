"""Work pages: agent, lead and client flows, and isolation between clients."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.work import services
from backoffice.work.models import Comment, State, WorkItem
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db


def test_client_sends_an_item_through_the_schema_form(web_a, engagement_a):
    url = f"/t/client-a/work/engagements/{engagement_a.pk}/submit/"
    page = web_a.get(url)
    assert page.status_code == 200 and 'name="amount"' in page.content.decode()
    # when
    r = web_a.post(url, {"_intake": "item", "external_ref": "W1", "name": "Acme", "amount": "12.5"})
    # then
    assert r.status_code == 302, r.content.decode()[-3000:]
    item = WorkItem.objects.for_tenant(engagement_a.tenant).get(external_ref="W1")
    assert item.data == {"name": "Acme", "amount": 12.5}
    assert web_a.get(r["Location"]).status_code == 200


def test_client_form_shows_field_errors(web_a, engagement_a):
    url = f"/t/client-a/work/engagements/{engagement_a.pk}/submit/"
    r = web_a.post(url, {"_intake": "item", "external_ref": "W1", "name": "", "amount": "x"})
    assert r.status_code == 200 and "amount" in r.content.decode()
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 0


def test_client_uploads_a_file_and_sees_the_report(web_a, engagement_a):
    url = f"/t/client-a/work/engagements/{engagement_a.pk}/submit/"
    content = b"external_ref,name,amount\nU1,A,1\nU2,,x\n"
    f = SimpleUploadedFile("in.csv", content, "text/csv")
    r = web_a.post(url, {"_intake": "file", "mode": "all_or_nothing", "file": f})
    body = r.content.decode()
    assert r.status_code == 200 and 'id="report"' in body and "not a valid number" in body
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 0
    f = SimpleUploadedFile("in.csv", content, "text/csv")
    r = web_a.post(url, {"_intake": "file", "mode": "valid_rows", "file": f})
    assert r.status_code == 200 and "1 new" in r.content.decode()
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 1


def test_client_pages_hide_another_clients_work(web_a, engagement_b):
    theirs = submit(engagement_b, "B-SECRET")
    assert web_a.get(f"/t/client-a/work/items/{theirs.pk}/").status_code == 404
    r = web_a.post(f"/t/client-a/work/items/{theirs.pk}/act/", {"_action": "cancel"})
    assert r.status_code == 404
    assert web_a.get(f"/t/client-a/work/engagements/{engagement_b.pk}/submit/").status_code == 404
    assert web_a.get(f"/t/client-b/work/items/{theirs.pk}/").status_code == 404
    listing = web_a.get("/t/client-a/work/items/").content.decode()
    assert "B-SECRET" not in listing
    theirs.refresh_from_db()
    assert theirs.state == State.QUEUED


def test_agent_takes_next_item_asks_and_client_answers(web_agent, web_a, engagement_a, agent):
    item = submit(engagement_a, "N1")
    # the agent works from the provider's tenant and presses "next"
    assert web_agent.get("/t/provider/work/next/").status_code == 200
    r = web_agent.post("/t/provider/work/next/")
    assert r["Location"] == f"/t/provider/work/items/{item.pk}/"
    page = web_agent.get(r["Location"]).content.decode()
    assert 'id="work-form"' in page and 'name="result"' in page
    # asks the client
    web_agent.post(f"/t/provider/work/items/{item.pk}/act/", {"_action": "ask", "body": "Which?"})
    item.refresh_from_db()
    assert item.state == State.WAITING_ON_CLIENT
    # the client answers on its page
    question = Comment.objects.for_tenant(engagement_a.tenant).get(kind="question")
    page = web_a.get(f"/t/client-a/work/items/{item.pk}/").content.decode()
    assert f'value="{question.pk}"' in page
    web_a.post(
        f"/t/client-a/work/items/{item.pk}/act/",
        {"_action": "answer", "question": question.pk, "body": "That one"},
    )
    item.refresh_from_db()
    assert item.state == State.IN_PROGRESS
    # and the agent submits the schema form
    r = web_agent.post(
        f"/t/provider/work/items/{item.pk}/act/", {"_action": "complete", "result": "done!"}
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.state == State.DONE and item.output == {"result": "done!"}


def test_agent_skips_with_a_reason(web_agent, engagement_a):
    item = submit(engagement_a, "S1")
    web_agent.post("/t/provider/work/next/")
    web_agent.post(
        f"/t/provider/work/items/{item.pk}/act/", {"_action": "skip", "reason": "blurry"}
    )
    item.refresh_from_db()
    assert item.state == State.QUEUED


def test_empty_queue_says_so(web_agent, engagement_a):
    r = web_agent.post("/t/provider/work/next/", follow=True)
    assert "Nothing is waiting" in r.content.decode()


def test_lead_backlog_and_reassign(web_lead, engagement_a, engagement_b, agent):
    item = submit(engagement_a, "L1")
    submit(engagement_b, "L2")
    WorkItem.objects.for_tenant(engagement_a.tenant).filter(pk=item.pk).update(at_risk=True)
    page = web_lead.get("/t/provider/work/backlog/").content.decode()
    assert "Client A" in page and "Client B" in page and "L1" in page
    r = web_lead.post(
        f"/t/provider/work/items/{item.pk}/act/",
        {"_action": "assign", "username": "agent", "next": "/t/provider/work/backlog/"},
    )
    assert r["Location"] == "/t/provider/work/backlog/"
    item.refresh_from_db()
    assert item.assignee == agent


def test_client_cannot_open_the_backlog_or_next_item(web_a):
    assert web_a.get("/t/client-a/work/backlog/").status_code == 403
    assert web_a.get("/t/client-a/work/next/").status_code == 403


def test_index_and_list_pages_render(web_a, web_agent, engagement_a, agent):
    submit(engagement_a, "I1")
    assert "Send work" in web_a.get("/t/client-a/work/").content.decode()
    assert "I1" in web_a.get("/t/client-a/work/items/?state=queued").content.decode()
    assert web_agent.get("/t/provider/work/").status_code == 200


def test_attachment_download_is_scoped(
    web_a, engagement_a, engagement_b, user_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    item = submit(engagement_a, "A1")
    a = services.add_attachment(
        item=item, actor=user_a, upload=SimpleUploadedFile("n.txt", b"hello", "text/plain")
    )
    r = web_a.get(f"/t/client-a/work/items/{item.pk}/files/{a.pk}/")
    assert r.status_code == 200 and r.content == b"hello"
    theirs = submit(engagement_b, "B1")
    assert web_a.get(f"/t/client-a/work/items/{theirs.pk}/files/{a.pk}/").status_code == 404
