"""Signals the work engine sends when work is finished, for the apps above it.

`work` knows nothing of who listens (the delivery app's webhooks do, registered in its
`AppConfig.ready()`). Both signals go out only after the transaction that finished the work
commits (`transaction.on_commit`), so a listener never sees work that was rolled back, and
they are sent with `send_robust`: a failing listener is logged, never undoes or breaks the
completion that already committed.

* `item_completed(tenant_id, item_id, engagement_id, batch_id)`: an item reached *done*.
* `batch_completed(tenant_id, batch_id, engagement_id)`: the last open item of an intake
  batch closed (done or cancelled). Two items of one batch closing in two concurrent
  transactions may both find the batch complete: listeners must be idempotent per batch
  (delivery keeps one event per batch). At least one of them finds it, because each check
  runs after its own commit and sees every commit before it.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from functools import partial

import django.dispatch
from django.db import connection, transaction

from backoffice.core.rls import set_rls_tenants
from backoffice.work.models import OPEN_STATES, State, WorkItem

log = logging.getLogger(__name__)

item_completed = django.dispatch.Signal()
batch_completed = django.dispatch.Signal()


def item_closed(item: WorkItem) -> None:
    """Called by `transitions.move_item` inside the transaction that closed `item`."""
    if item.state == State.DONE:
        transaction.on_commit(
            partial(
                _send,
                item_completed,
                tenant_id=item.tenant_id,
                item_id=item.pk,
                engagement_id=item.engagement_id,
                batch_id=item.batch_id,
            )
        )
    if item.batch_id is not None:
        transaction.on_commit(
            partial(
                _check_batch,
                tenant_id=item.tenant_id,
                batch_id=item.batch_id,
                engagement_id=item.engagement_id,
            )
        )


def _send(signal: django.dispatch.Signal, **kwargs: object) -> None:
    for receiver, result in signal.send_robust(sender=WorkItem, **kwargs):
        if isinstance(result, Exception):
            log.error(
                "work signal receiver %s failed", receiver, exc_info=result, extra=dict(kwargs)
            )


def _check_batch(*, tenant_id: int, batch_id: int, engagement_id: int) -> None:
    """After commit: is anything of the batch still open? If not, it is complete."""
    # RLS settings are transaction-local: PostgreSQL needs a transaction to read the rows.
    block = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    with block:
        set_rls_tenants([tenant_id])
        still_open = (
            WorkItem.objects.for_tenant(tenant_id)
            .filter(batch_id=batch_id, state__in=OPEN_STATES)
            .exists()
        )
    if not still_open:
        _send(batch_completed, tenant_id=tenant_id, batch_id=batch_id, engagement_id=engagement_id)
