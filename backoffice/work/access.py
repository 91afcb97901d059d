"""Who may do what in the work engine, written once for the pages and the API alike.

Two kinds of check live here:

* **Role rules** (`Rule`): what a role may do to items (comment, attach, cancel, reassign,
  read QA findings, move an item to a state). Pages use `allows` to show a control and
  `require` to refuse a posted action; the API uses `require`.
* **Fetch-and-authorise** (`access_<thing>_by_id`): one object by id, looked up only among
  the tenants the caller may see, so a foreign id and a missing one raise the same
  `NotFound` (learnt from Zulip's `access_stream_by_id`). With `perm=` the role rule is
  checked first, before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors
from backoffice.work.models import (
    Attachment,
    Comment,
    DoubleKey,
    Engagement,
    Queue,
    ServiceType,
    State,
    WorkItem,
)


@dataclass(frozen=True)
class Rule:
    """Any one of `perms` allows it; `message` refuses it (None: the role's generic refusal,
    naming the first permission)."""

    perms: tuple[str, ...]
    message: str | None = None

    def allows(self, access: TenantAccess) -> bool:
        return any(access.can(p) for p in self.perms)

    def require(self, access: TenantAccess) -> None:
        if self.allows(access):
            return
        if self.message is None:
            access.require(self.perms[0])
        raise Forbidden(self.message or "")


# Clients (submit) and agents (process) talk about an item and add files to it.
COMMENT = Rule((Perm.SUBMIT_WORK, Perm.PROCESS_WORK), "Your role may not comment on items.")
ATTACH = Rule((Perm.SUBMIT_WORK, Perm.PROCESS_WORK), "Your role may not attach files.")
# A lead (route) or the client who sent it (submit) withdraws an item.
CANCEL = Rule((Perm.ROUTE_WORK, Perm.SUBMIT_WORK))
REASSIGN = Rule((Perm.ROUTE_WORK,))
PROCESS = Rule((Perm.PROCESS_WORK,))
REVIEW = Rule((Perm.REVIEW_WORK,))
ANSWER = Rule((Perm.SUBMIT_WORK,))
# QA findings are the provider's: agents see what to rework, reviewers and leads.
READ_QA = Rule(
    (Perm.PROCESS_WORK, Perm.REVIEW_WORK, Perm.ROUTE_WORK), "Your role may not read QA reviews."
)


def transition_rule(to: str) -> Rule:
    """Who may move an item to `to` directly: cancel as above, done or rework by a
    reviewer, every other state by an agent."""
    if to == State.CANCELLED:
        return CANCEL
    if to in (State.DONE, State.REWORK):
        return REVIEW
    return PROCESS


# --- fetch and authorise -----------------------------------------------------------------------


def _pk(value: int | str, message: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound(message) from exc


def access_item_by_id(
    access: TenantAccess, item_id: int | str, *, perm: Rule | None = None
) -> WorkItem:
    """An item of a tenant the caller sees; another tenant's item is 'No such item.'"""
    if perm is not None:
        perm.require(access)
    found = selectors.items(access).filter(pk=_pk(item_id, "No such item.")).first()
    if found is None:
        raise NotFound("No such item.")
    return found


def access_engagement_by_id(
    access: TenantAccess, engagement_id: int | str, *, to_submit: bool = False
) -> Engagement:
    """An engagement the caller sees; `to_submit`: only the client's own tenant may send it
    work (provider staff see it, but it is not theirs to fill) — the same 404 otherwise."""
    pk = _pk(engagement_id, "No such engagement.")
    found = selectors.engagements(access).filter(pk=pk).first()
    if found is None or (to_submit and found.tenant_id != access.tenant.pk):
        raise NotFound("No such engagement.")
    return found


def access_service_type_by_id(access: TenantAccess, service_type_id: int) -> ServiceType:
    found = selectors.service_types(access).filter(pk=service_type_id).first()
    if found is None:
        raise NotFound("No such service type.")
    return found


def access_queue_by_id(access: TenantAccess, queue_id: int | str) -> Queue:
    """Queues are the provider's: acting in a client's tenant there are none."""
    if not access.tenant.is_provider:
        raise NotFound("No such queue.")
    found = selectors.queues(access).filter(pk=_pk(queue_id, "No such queue.")).first()
    if found is None:
        raise NotFound("No such queue.")
    return found


def access_comment_by_id(access: TenantAccess, item: WorkItem, comment_id: int) -> Comment:
    """A comment (or question) on an item the caller already holds through `access_item_by_id`."""
    found = item.comments.filter(pk=comment_id).first()
    if found is None:
        raise NotFound("No such comment.")
    return found


def access_attachment_by_id(access: TenantAccess, item: WorkItem, attachment_id: int) -> Attachment:
    found = item.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise NotFound("No such attachment.")
    return found


def access_double_key_by_item_id(
    access: TenantAccess, item_id: int | str
) -> tuple[WorkItem, DoubleKey]:
    """A double-keyed item and its keys; an item without keys is 404 too."""
    item = access_item_by_id(access, item_id)
    dk = selectors.double_key_of(item)
    if dk is None:
        raise NotFound("This item has no double key.")
    return item, dk
