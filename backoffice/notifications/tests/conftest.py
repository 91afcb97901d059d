"""Notification fixtures: client A's account thread, people of A with email addresses, and a
real SMTP server (aiosmtpd on a free port) that Django's SMTP backend sends to."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from backoffice.conversations import services as conv_services
from backoffice.conversations.models import Thread
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member

REPLY_DOMAIN = "reply.backoffice.test"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def person(username: str, *memberships: tuple[Any, str]) -> User:
    user = UserFactory.create(username=username, email=f"{username}@mail.test")
    for organization, role in memberships:
        make_member(organization, user, role)
    return user


@pytest.fixture(autouse=True)
def _mail_settings(settings) -> None:
    settings.NOTIFICATIONS_REPLY_DOMAIN = REPLY_DOMAIN
    settings.NOTIFICATIONS_SITE_URL = "https://backoffice.test"
    settings.DEFAULT_FROM_EMAIL = "Backoffice <notify@backoffice.test>"


@pytest.fixture
def alice(user_a) -> User:
    """Client A's admin (root conftest), now with an email address."""
    user_a.email = "alice@client-a.test"
    user_a.save(update_fields=["email"])
    return user_a


@pytest.fixture
def carol(client_a) -> User:
    return person("carol", (client_a, Role.CLIENT_USER))


@pytest.fixture
def agent(provider, client_a) -> User:
    return person("agent", (provider, Role.AGENT), (client_a, Role.AGENT))


@pytest.fixture
def ops(provider, client_a) -> User:
    return person("ops", (provider, Role.OPERATIONS_MANAGER), (client_a, Role.OPERATIONS_MANAGER))


@pytest.fixture
def thread_a(client_a, agent) -> Thread:
    return conv_services.thread_for(
        tenant_id=client_a.pk, subject_kind="account", subject_id=client_a.pk, actor=agent
    )


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """What the local SMTP server was handed, envelope and parsed message."""

    mails: list[Received] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.mails.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.mails if address in r.recipients]


def smtp_mailers(port: int) -> dict[str, Any]:
    """Django's SMTP backend (MAILERS, Django 6.1) pointed at 127.0.0.1:`port`."""
    backend = "django.core.mail.backends.smtp.EmailBackend"
    options = {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 10}
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server; Django's SMTP backend and immediate tasks point at it."""
    sink = SmtpSink()
    port = sink.port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(MAILERS=smtp_mailers(port), TASKS=IMMEDIATE_TASKS):
            yield sink
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""


def reply_to(
    original: EmailMessage,
    *,
    sender: str,
    body: str,
    message_id: str = "<reply-1@client-a.test>",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    to: str | None = None,
) -> bytes:
    """A reply as a mail program writes it: quoted original below, a signature."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to or str(original["Reply-To"])
    reply["Subject"] = "Re: " + str(original["Subject"])
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = str(original["Message-ID"])
    reply["References"] = str(original["Message-ID"])
    for name, value in (headers or {}).items():
        reply[name] = value
    quoted = "\n".join("> " + line for line in text_of(original).splitlines())
    reply.set_content(f"{body}\n\n-- \nAlice\nClient A\n\nOn Monday someone wrote:\n{quoted}\n")
    for name, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        reply.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return reply.as_bytes()
