"""Claim-next: give an agent the most urgent item they may work on, atomically.

Which clients an agent may claim from is decided here (`claimable_tenant_ids`), for the
page and the API alike. On PostgreSQL the claim is one server-side function call
(`work_claim_next`, work migrations); on SQLite the same effect in Python through
`transitions.move_item`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from backoffice.core.context import request_id_var
from backoffice.core.metrics import count_after_commit
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import ROLE_PERMISSIONS, Perm
from backoffice.tenancy.selectors import TenantAccess, accessible_tenants
from backoffice.work import selectors
from backoffice.work.events import Action
from backoffice.work.models import (
    CLAIMABLE_STATES,
    DoubleKey,
    Engagement,
    EngagementMember,
    Queue,
    State,
    WorkItem,
)
from backoffice.work.observability import CLAIMS
from backoffice.work.transitions import move_item

CLAIM_LANES = 16


def served_tenant_ids(agent: User) -> list[int]:
    """Client tenants where the user may process work (their memberships, or provider-wide)."""
    return [
        org.pk
        for org, role in accessible_tenants(agent)
        if not org.is_provider and Perm.PROCESS_WORK in ROLE_PERMISSIONS.get(role, frozenset())
    ]


def claimable_tenant_ids(access: TenantAccess) -> list[int]:
    """The clients the caller may claim from as they act now: those they serve, within the
    tenant they act in (acting in the provider's tenant, every client they serve)."""
    served = set(served_tenant_ids(access.user))
    return [t for t in selectors.work_tenant_ids(access) if t in served]


def eligible_engagement_ids(
    agent: User, tenant_ids: list[int], queue: Queue | None = None
) -> list[int]:
    """Engagements the agent may take work from: active, and on the team when it has one."""
    engagements = Engagement.objects.for_tenants(tenant_ids).filter(is_active=True)
    if queue is not None and queue.engagement_id:
        engagements = engagements.filter(pk=queue.engagement_id)
    if queue is not None and queue.service_type_id:
        engagements = engagements.filter(service_type_id=queue.service_type_id)
    ids = list(engagements.values_list("pk", flat=True))
    teams: dict[int, set[int]] = {}
    for eng_id, user_id in (
        EngagementMember.objects.for_tenants(tenant_ids)
        .filter(engagement_id__in=ids)
        .values_list("engagement_id", "user_id")
    ):
        teams.setdefault(eng_id, set()).add(user_id)
    return [e for e in ids if e not in teams or agent.pk in teams[e]]


def claim_next_for(*, access: TenantAccess, queue: Queue | None = None) -> WorkItem | None:
    """The caller's next item from the clients they may claim from as they act now."""
    return claim_next_item(agent=access.user, queue=queue, tenant_ids=claimable_tenant_ids(access))


def claim_next_item(
    *,
    agent: User,
    queue: Queue | None = None,
    tenant_ids: list[int] | None = None,
    engagement_ids: list[int] | None = None,
) -> WorkItem | None:
    """Give the agent the most urgent eligible item, atomically; None when nothing is left.

    PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` lets concurrent agents pass over rows
    another agent is claiming. SQLite: the IMMEDIATE transaction takes the write lock at
    BEGIN, so the select and the update run alone (one writer at a time).
    Agents serve several client tenants: the claim looks across all of them.
    """
    if tenant_ids is None:
        tenant_ids = served_tenant_ids(agent)
    if not tenant_ids:
        return None
    if engagement_ids is None:
        engagement_ids = eligible_engagement_ids(agent, tenant_ids, queue)
    if not engagement_ids:
        return None
    filters: dict[str, Any] = {}
    if queue is not None:
        filters = {k: v for k, v in queue.filters().items() if not k.startswith("engagement")}
    if connection.vendor == "postgresql":
        item = _claim_postgres(agent, tenant_ids, engagement_ids, filters)
    else:
        item = _claim_python(agent, tenant_ids, engagement_ids, filters)
    if item is not None:
        count_after_commit(CLAIMS)
    return item


def _claim_python(
    agent: User, tenant_ids: list[int], engagement_ids: list[int], filters: dict[str, Any]
) -> WorkItem | None:
    """The claim as the ORM's pick and `move_item` (SQLite: serialised by its write lock)."""
    with transaction.atomic():
        keyed_first = DoubleKey.objects.for_tenants(tenant_ids).filter(
            status=DoubleKey.Status.AWAITING_SECOND, first_agent=agent
        )
        item = (
            WorkItem.objects.for_tenants(tenant_ids)
            .filter(engagement_id__in=engagement_ids, state__in=CLAIMABLE_STATES, **filters)
            .exclude(pk__in=keyed_first.values("item_id"))
            .order_by("-priority", "sla_due_at", "id")
            .first()
        )
        if item is None:
            return None
        now = timezone.now()
        return move_item(
            item,
            State.IN_PROGRESS,
            actor=agent,
            action=Action.ITEM_CLAIMED,
            now=now,
            audit_lane=claim_lane(agent),
            assignee=agent,
            claimed_at=now,
        )


def _claim_postgres(
    agent: User, tenant_ids: list[int], engagement_ids: list[int], filters: dict[str, Any]
) -> WorkItem | None:
    """One statement, `work_claim_next` (work migration 0009): pick with SKIP LOCKED, move,
    log and append the audit event, server-side. Outside a transaction the statement is
    its own; inside one it joins it.

    The pick reads each eligible engagement's claimable index in order and stops at its
    first unlocked row (LATERAL … LIMIT 1), then takes the most urgent of those: a few
    index probes however long the queues. Same effect as `move_item(item, IN_PROGRESS)`
    without the ORM's read-modify-write: only queued and rework rows are picked.

    The function turns off the wait for the WAL flush at commit for its transaction: a
    claim holds its audit lane's head until commit, and waiting for the disk there would
    serialise agents behind fsync. A crash can lose the last few hundred milliseconds of
    claims — item, event and audit record together — and those items are still queued.
    """
    now = timezone.now()
    request_id = request_id_var.get()
    params = [
        agent.pk,
        tenant_ids,
        engagement_ids,
        filters.get("skill"),
        filters.get("language"),
        filters.get("priority__gte"),
        now,
        # The hash's canonical JSON of the two free-text values, as `event_hash` writes it.
        json.dumps(now.isoformat(timespec="microseconds")),
        request_id,
        json.dumps(request_id, ensure_ascii=False),
        claim_lane(agent),
    ]
    connection.ensure_connection()
    with connection.wrap_database_errors:
        # Server-side binding, prepared once per connection: the claim is the hottest
        # statement there is, and Django's client-side quoting and `raw()` model building
        # cost as much Python as the database spends on the whole claim.
        cursor = psycopg.Cursor(connection.connection)
        try:
            cursor.execute(_CLAIM_SQL, params, prepare=True)
            row = cursor.fetchone()
            if row is None:
                return None
            result = cursor.pgresult
            assert result is not None
            names = tuple(result.fname(i) or b"" for i in range(result.nfields))
            return _item_loader(names)(row)
        finally:
            cursor.close()


_CLAIM_SQL = (
    "SELECT * FROM work_claim_next(%s::bigint, %s::bigint[], %s::bigint[], %s::text, "
    "%s::text, %s::integer, %s::timestamptz, %s::text, %s::text, %s::text, %s::integer)"
)


@lru_cache(maxsize=8)
def _item_loader(columns: tuple[bytes, ...]) -> Callable[[tuple[Any, ...]], WorkItem]:
    """Turns a row of the table's own type into a `WorkItem`, as the ORM would load it;
    worked out once per column list."""
    where = {name.decode(): i for i, name in enumerate(columns)}
    fields = WorkItem._meta.concrete_fields
    plan = [
        (where[f.column or f.attname], f if hasattr(f, "from_db_value") else None) for f in fields
    ]
    attnames = [f.attname for f in fields]

    def load(row: tuple[Any, ...]) -> WorkItem:
        values = []
        for i, f in plan:
            value = row[i]
            if f is not None and value is not None:
                value = f.from_db_value(value, None, connection)
            values.append(value)
        return WorkItem.from_db(connection.alias, attnames, values)

    return load


def claim_lane(agent: User) -> int:
    """The audit lane of an agent's claims (1…16): agents of one client claiming at once
    append to different chain heads instead of queueing behind lane 0's."""
    return 1 + agent.pk % CLAIM_LANES
