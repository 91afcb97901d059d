"""The demo's conversations: threads on a few of Acme's items, one of its intake batches and
its account, and on Globex's account, with client-visible messages and the provider's
internal notes. Some are left unread for acme-admin (the provider's answers) and for ops
(the clients' questions and the team's notes)."""

from __future__ import annotations

from backoffice.conversations import services
from backoffice.tenancy.demo import DemoContext
from backoffice.work.models import IntakeBatch, WorkItem

# (speaker, "note" or "message", text); who speaks is a demo username.
ITEM_TALKS = [
    [
        ("acme-user", "message", "This claim has a second page in the email we sent on Monday."),
        ("agent1", "note", "Second page is in the batch's email attachment; merged it by hand."),
        ("agent1", "message", "Thanks, @acme-user — we found the second page and added it."),
    ],
    [
        ("agent2", "message", "The policy number on this claim is unreadable. Can you confirm it?"),
        ("lead", "note", "@ops if the client does not answer by Friday we return it as illegible."),
        ("acme-admin", "message", "It is POL-778812. Sorry about the scan quality."),
    ],
    [
        ("acme-admin", "message", "Please treat this one as urgent: the customer called twice."),
        ("ops", "note", "Raised to priority 9; @agent1 please take it next."),
    ],
]
BATCH_TALK = [
    ("acme-user", "message", "Today's upload has 12 claims; three are duplicates of last week."),
    ("agent1", "note", "Duplicates are 1003, 1007, 1011 — cancel them after the client confirms."),
    ("agent1", "message", "Found them: 1003, 1007 and 1011. Shall we cancel those three?"),
]
ACCOUNT_TALK = [
    ("ops", "message", "From January our support hours extend to Saturdays 09:00–13:00."),
    ("acme-admin", "message", "Great news. Will Saturday work count for the SLA clock?"),
    ("finance", "note", "Saturday hours are not in Acme's contract yet: quote before promising."),
    ("ops", "message", "Not yet — @acme-admin we will send a change to the contract first."),
]

GLOBEX_TALK = [
    ("globex-admin", "message", "Can we move the invoice run to the 2nd of each month?"),
    ("finance", "note", "Globex asks every quarter; the contract says the 1st."),
    ("finance", "message", "Yes, from next month the run will be on the 2nd."),
]


def seed(ctx: DemoContext) -> None:
    acme = next((c for c in ctx.clients if c.slug == "acme-insurance"), None)
    if acme is None or "ops" not in ctx.users:
        return
    items = list(WorkItem.objects.for_tenant(acme).order_by("id")[: len(ITEM_TALKS)])
    for item, talk in zip(items, ITEM_TALKS, strict=False):
        _talk(ctx, acme.pk, "item", item.pk, talk)
    batch = IntakeBatch.objects.for_tenant(acme).order_by("id").first()
    if batch is not None:
        _talk(ctx, acme.pk, "batch", batch.pk, BATCH_TALK)
    # Each speaker has read the thread up to their own last word (posting marks it read);
    # what others wrote after that stays unread: for acme-admin the provider's answers,
    # for ops the client's questions and the team's notes.
    _talk(ctx, acme.pk, "account", acme.pk, ACCOUNT_TALK)
    globex = next((c for c in ctx.clients if c.slug == "globex-retail"), None)
    if globex is not None:
        _talk(ctx, globex.pk, "account", globex.pk, GLOBEX_TALK)


def _talk(ctx: DemoContext, tenant_id: int, kind: str, subject_id: int, talk: list) -> None:
    first = ctx.users.get(talk[0][0])
    thread = services.thread_for(
        tenant_id=tenant_id, subject_kind=kind, subject_id=subject_id, actor=first
    )
    for username, what, text in talk:
        actor = ctx.users.get(username)
        if actor is None:
            continue
        services.post_message(thread=thread, actor=actor, body=text, internal=what == "note")
