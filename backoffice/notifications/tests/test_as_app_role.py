"""Mail out and in under the application's own database role, which row-level security
binds (the other tests connect as a superuser, which RLS lets through)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from backoffice.conversations.models import Message
from backoffice.conversations.tests.factories import say
from backoffice.core.rls import set_rls_tenants
from backoffice.notifications import services
from backoffice.notifications.models import DigestEntry, InboundEmail, Mode, OutboundEmail
from backoffice.notifications.tests.conftest import reply_to
from backoffice.tenancy.selectors import access_tenant

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security"),
    pytest.mark.django_db(transaction=True),
]
ROLE = "backoffice_app_notifications_test"


@contextmanager
def app_role():
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        )
    call_command("grant_app_role", ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_notify_reply_and_digest_under_the_app_role(smtp, client_a, thread_a, agent, alice, carol):
    services.set_preferences(
        access=access_tenant(user=carol, slug=client_a.slug), modes={"messages": Mode.DIGEST}
    )
    with app_role():
        with transaction.atomic():  # as the thread page does: RLS set, then post
            set_rls_tenants([client_a.pk])
            say(thread_a, agent, "Under the app role.")
        # alice was mailed at once, carol's entry waits for the digest
        (mail,) = smtp.to("alice@client-a.test")
        raw = reply_to(mail, sender=alice.email, body="Received, thanks.")
        outcome = services.receive_email(raw)
        digests = services.send_digests()
    assert outcome.status == "posted", outcome.message
    assert len(digests) == 1 and len(smtp.to("carol@mail.test")) == 1
    assert Message.objects.for_tenant(client_a).filter(via="email").count() == 1
    assert InboundEmail.objects.for_tenant(client_a).count() == 1
    assert DigestEntry.objects.for_tenant(client_a).filter(digest__isnull=True).count() == 0
    statuses = OutboundEmail.objects.for_tenant(client_a).values_list("status", flat=True)
    assert set(statuses) == {"sent"}
