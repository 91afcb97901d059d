"""The demo's conversations: Acme's threads, notes kept from the client, unread counts."""

from __future__ import annotations

import pytest

from backoffice.conversations import demo, selectors
from backoffice.conversations.models import InternalNote, Message, Thread
from backoffice.tenancy import demo as tenancy_demo
from backoffice.tenancy.selectors import access_tenant
from backoffice.work import demo as work_demo

pytestmark = pytest.mark.django_db


def test_demo_threads_and_unread_counts():
    ctx = tenancy_demo.seed_tenants()
    work_demo.seed(ctx)
    demo.seed(ctx)
    acme = next(c for c in ctx.clients if c.slug == "acme-insurance")
    kinds = sorted(Thread.objects.for_tenant(acme).values_list("subject_kind", flat=True))
    assert kinds == ["account", "batch", "item", "item", "item"]
    assert Message.objects.for_tenant(acme).count() == 10
    assert InternalNote.objects.for_tenant(acme).count() == 5
    admin = access_tenant(user=ctx.users["acme-admin"], slug="acme-insurance")
    ops = access_tenant(user=ctx.users["ops"], slug=ctx.provider.slug)
    # acme-admin (posting marks a thread read up to then): item 1, two messages from others;
    # item 2 and 3, nothing after hers; the batch, two; the account, ops's last answer: 5
    assert selectors.unread_total(admin) == 2 + 0 + 0 + 2 + 1
    # ops: item 1, item 2 and the batch each wait with 2 messages and 1 note; item 3 and
    # Acme's account were read when ops last wrote there; Globex's account waits with 2
    # messages and finance's note
    rows = selectors.threads(ops, unread=True)
    assert sorted(
        (t.subject_kind, getattr(t, "unread_messages", None), getattr(t, "unread_notes", None))
        for t in rows
    ) == [
        ("account", 2, 1),
        ("batch", 2, 1),
        ("item", 2, 1),
        ("item", 2, 1),
    ]
    assert selectors.unread_total(ops) == 12
