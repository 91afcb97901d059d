"""The two doors for inbound mail: `backoffice mail ingest` (an MTA pipes one raw message)
and django-anymail's inbound webhooks. Both reach `receive_email`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse

from backoffice.conversations.models import Message
from backoffice.notifications import tokens
from backoffice.notifications.tests.test_inbound import _mail

pytestmark = pytest.mark.django_db


def _address(thread, user) -> str:
    return tokens.reply_address(tenant_id=thread.tenant_id, thread_id=thread.pk, user_id=user.pk)


def _posted(tenant) -> list[str]:
    return list(
        Message.objects.for_tenant(tenant).filter(via="email").values_list("body", flat=True)
    )


def test_ingest_reads_a_file(tmp_path, client_a, thread_a, alice, capsys):
    path = tmp_path / "reply.eml"
    path.write_bytes(_mail(to=_address(thread_a, alice), body="From a file."))
    call_command("mail", "ingest", str(path))
    assert "posted in the conversation" in capsys.readouterr().out
    assert _posted(client_a) == ["From a file."]


def test_ingest_reads_stdin_with_the_envelope_recipient(client_a, thread_a, alice, monkeypatch):
    # the To: header names a list; the MTA gives the real recipient on the command line
    raw = _mail(to="team@client-a.test", body="Piped in.")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("mail", "ingest", "--recipient", _address(thread_a, alice))
    assert _posted(client_a) == ["Piped in."]


def test_ingest_exits_67_on_a_refusal_and_says_why(client_a, thread_a, alice, capsys):
    import tempfile

    raw = _mail(to=_address(thread_a, alice), sender="mallory@evil.test")
    with tempfile.NamedTemporaryFile(suffix=".eml") as f:
        f.write(raw)
        f.flush()
        with pytest.raises(SystemExit) as exit_:
            call_command("mail", "ingest", f.name)
    assert exit_.value.code == 67
    assert "Refused: The sender is not the person" in capsys.readouterr().err
    assert _posted(client_a) == []


def test_ingest_names_a_missing_file():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"There is no file /nowhere\.eml"):
        call_command("mail", "ingest", "/nowhere.eml")


def _basic(secret: str) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def _postmark(client, raw: bytes, credentials: str):
    """Postmark's inbound webhook with "include raw email content" on: JSON with RawEmail."""
    return client.post(
        reverse("notifications:postmark_inbound_webhook"),
        {"RawEmail": raw.decode(), "Headers": [], "MessageID": "pm-1"},
        content_type="application/json",
        HTTP_AUTHORIZATION=_basic(credentials),
    )


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "mailer:s3cret", "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-key"}


def test_a_raw_mime_webhook_posts_the_reply(client, webhook_secret, client_a, thread_a, alice):
    raw = _mail(to=_address(thread_a, alice), body="Sent through the provider.")
    answer = _postmark(client, raw, "mailer:s3cret")
    assert answer.status_code == 200
    assert _posted(client_a) == ["Sent through the provider."]


def test_a_signed_mailgun_webhook_posts_the_reply(
    client, webhook_secret, client_a, thread_a, alice
):
    raw = _mail(to=_address(thread_a, alice), body="Via Mailgun.")
    timestamp, token = "1764590000", "abc123"
    signature = hmac.new(b"mg-key", (timestamp + token).encode(), hashlib.sha256).hexdigest()
    answer = client.post(
        reverse("notifications:mailgun_inbound_webhook"),
        {"body-mime": raw.decode(), "timestamp": timestamp, "token": token, "signature": signature},
        HTTP_AUTHORIZATION=_basic("mailer:s3cret"),
    )
    assert answer.status_code == 200
    assert _posted(client_a) == ["Via Mailgun."]


def test_a_webhook_with_wrong_credentials_is_refused(
    client, webhook_secret, client_a, thread_a, alice
):
    raw = _mail(to=_address(thread_a, alice))
    answer = _postmark(client, raw, "mailer:guess")
    assert answer.status_code == 400
    assert _posted(client_a) == []


def test_webhooks_answer_404_until_a_secret_is_set(client, settings, client_a, thread_a, alice):
    settings.ANYMAIL = {}
    raw = _mail(to=_address(thread_a, alice))
    answer = _postmark(client, raw, "mailer:s3cret")
    assert answer.status_code == 404
    assert _posted(client_a) == []


def test_a_forged_reply_through_the_webhook_writes_nothing(
    client, webhook_secret, client_a, thread_a, alice
):
    address = _address(thread_a, alice).replace(".", "x", 1)
    raw = _mail(to=address)
    answer = _postmark(client, raw, "mailer:s3cret")
    assert answer.status_code == 200  # taken and dropped: the provider must not retry it
    assert _posted(client_a) == []
