"""Conversation pages: the inbox (filters, search, pagination), a thread (messages, and for
provider staff internal notes, a reply form, htmx polling for what is new), the link from
a subject (an item, a batch, an engagement) to its thread, and a new account conversation.

Thin adapters: threads are fetched through `selectors.access_thread_by_id` (another
client's thread is a 404), entries through `selectors.thread_timeline` (notes only for
staff holding `conversations.internal`), changes through `services`.
"""

from backoffice.conversations.views.pages import (
    attachment,
    inbox,
    new_account_thread,
    subject,
    thread,
    thread_poll,
)

__all__ = ["attachment", "inbox", "new_account_thread", "subject", "thread", "thread_poll"]
