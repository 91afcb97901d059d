"""Internal notes never reach a client's people through email: not in a message mail, not
in a digest, not in the outbound log's page or API — whatever the mix of messages, notes
and mentions, and whatever each person chose."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.conversations.tests.factories import note, say
from backoffice.notifications import services
from backoffice.notifications.models import Mode
from backoffice.notifications.services import set_preferences
from backoffice.notifications.tests.conftest import text_of
from backoffice.tenancy.selectors import access_tenant
from backoffice.tenancy.tests.factories import make_token

pytestmark = pytest.mark.django_db

SECRETS = ["NOTE-ONE margin is thin", "NOTE-TWO @alice @carol escalate quietly", "NOTE-THREE"]


def test_no_note_reaches_a_client_by_any_mail_or_log(
    smtp, client_a, thread_a, agent, ops, alice, carol, django_capture_on_commit_callbacks
):
    set_preferences(
        access=access_tenant(user=carol, slug="client-a"), modes={"messages": Mode.DIGEST}
    )
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "MESSAGE-ONE for the client.")
        note(thread_a, agent, SECRETS[0])
        note(thread_a, ops, SECRETS[1])
        say(thread_a, ops, "MESSAGE-TWO @alice please confirm.")
        note(thread_a, agent, SECRETS[2])
    with django_capture_on_commit_callbacks(execute=True):
        services.send_digests()
    client_mail = smtp.to("alice@client-a.test") + smtp.to("carol@mail.test")
    # alice: two message mails; carol: one digest with both messages
    assert len(smtp.to("alice@client-a.test")) == 2 and len(smtp.to("carol@mail.test")) == 1
    seen = "\n".join(text_of(m) + str(m["Subject"]) for m in client_mail)
    assert "MESSAGE-ONE" in seen and "MESSAGE-TWO" in seen
    for secret in SECRETS:
        assert secret.split()[0] not in seen
    assert "nternal note" not in seen
    # staff got the notes
    assert all(
        any(s in text_of(m) for m in smtp.to("ops@mail.test") + smtp.to("agent@mail.test"))
        for s in ["NOTE-ONE", "NOTE-THREE"]
    )
    # the client's log pages and API name no mail about a note
    for person in (alice, carol):
        web = Client()
        web.force_login(person)
        html = web.get(reverse("notifications:outbound", args=["client-a"])).content.decode()
        assert "nternal note" not in html and "ops@mail.test" not in html
        token = make_token(person, client_a)
        api = Client(headers={"Authorization": f"Bearer {token}"})
        listed = api.get("/api/v1/notifications/outbound?page_size=500").json()["items"]
        assert listed and all(row["to_address"] == person.email for row in listed)
