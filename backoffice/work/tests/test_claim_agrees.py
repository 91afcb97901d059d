"""PostgreSQL: the claim function `work_claim_next` agrees with the Python claim path.

The claim is written twice: in Python (`claim_next_item` on SQLite: pick, then the item's
state machine moves it and the audit event is recorded like any other) and in PL/pgSQL
(work migrations 0009, 0011, 0012), which picks, moves and writes its audit event's
canonical JSON itself. Here both run on the same item at the same moment under the same
request id, and must leave the same item, the same item event and the same audit event,
hash included; the function's audit pieces must be those `audit.chain.sql_pieces` renders
for the event the Python path writes; and for every state of the Python state machine the
function must claim exactly when the Python rules say a claim may start there.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.audit import services as audit_services
from backoffice.audit.chain import Sql, event_hash, sql_pieces
from backoffice.audit.models import AuditEvent
from backoffice.audit.tests.pg import assert_function_writes
from backoffice.core.context import request_id_var
from backoffice.work import services
from backoffice.work.models import (
    CLAIMABLE_STATES,
    TRANSITIONS,
    DoubleKey,
    State,
    WorkItem,
    WorkItemEvent,
)
from backoffice.work.tests.factories import submit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="work_claim_next is PostgreSQL's"),
]

MOMENT = datetime(2026, 11, 24, 7, 58, 1, 120034, tzinfo=UTC)
AWKWARD_REQUEST_ID = 'req "7"\\\t\x01naïve—✓ \U0001f600'
ITEM_FIELDS = ("state", "assignee_id", "claimed_at", "last_activity_at", "completed_at")
# The holder of a claim's item event is its actor; the function leaves it empty (models).
ITEM_EVENT_FIELDS = ("actor_id", "at", "from_state", "to_state", "note")
AUDIT_FIELDS = tuple(f.attname for f in AuditEvent._meta.concrete_fields if f.attname != "id")


class _SaysSqlite:
    """The database connection, but claiming to be SQLite: the claim takes its Python path."""

    vendor = "sqlite"

    def __getattr__(self, name: str) -> Any:
        return getattr(connection, name)


def _force_python_path(patch: pytest.MonkeyPatch) -> None:
    """Wherever in the work app the claim asks which database it runs on."""
    for name, module in list(sys.modules.items()):
        if (
            name.startswith("backoffice.work.")
            and ".tests" not in name
            and ".migrations" not in name
            and getattr(module, "connection", None) is connection
        ):
            patch.setattr(module, "connection", _SaysSqlite())


def _claim(agent, *, python: bool, now: datetime = MOMENT) -> dict[str, Any] | None:
    """Claim once by one path and give back what the claim wrote; then roll it back."""
    appended: list[int] = []
    append_pg = audit_services._append_pg

    def counting_append(tenant_id, lane, rows):
        appended.append(len(rows))
        append_pg(tenant_id, lane, rows)

    with (
        pytest.MonkeyPatch.context() as patch,
        mock.patch("django.utils.timezone.now", return_value=now),
        transaction.atomic(),
    ):
        patch.setattr(audit_services, "_append_pg", counting_append)
        if python:
            _force_python_path(patch)
        newest = AuditEvent.objects.unscoped("test").order_by("-id").values("id").first()
        item = services.claim_next_item(agent=agent)
        # The Python path appends through `record_events`; the function appends in SQL.
        assert appended == ([1] if python and item else []), "the wrong claim path ran"
        if item is None:
            transaction.set_rollback(True)
            return None
        audit = AuditEvent.objects.for_tenant(item.tenant_id).filter(
            id__gt=newest["id"] if newest else 0
        )
        wrote = {
            "item": WorkItem.objects.for_tenant(item.tenant_id)
            .filter(pk=item.pk)
            .values(*ITEM_FIELDS)
            .get(),
            "returned": {f: getattr(item, f) for f in ITEM_FIELDS},
            "item_events": list(
                WorkItemEvent.objects.for_tenant(item.tenant_id)
                .filter(item_id=item.pk, at=now)
                .values(*ITEM_EVENT_FIELDS)
            ),
            "audit": list(audit.values(*AUDIT_FIELDS)),
            "audit_events": list(audit),
            "pk": item.pk,
        }
        transaction.set_rollback(True)
    return wrote


def _in_state(item: WorkItem, state: str, holder) -> None:
    """Put the item in `state` as the state machine would have left it."""
    changes: dict[str, Any] = {"state": state}
    if state not in CLAIMABLE_STATES:
        changes["assignee"] = holder
    if state == State.WAITING_ON_CLIENT:
        changes["paused_at"] = MOMENT
    WorkItem.objects.for_tenant(item.tenant_id).filter(pk=item.pk).update(**changes)


def _python_rules_claim_from(state: str) -> bool:
    return state in CLAIMABLE_STATES and State.IN_PROGRESS in TRANSITIONS[state]


def _same_claim(by_sql: dict[str, Any], by_python: dict[str, Any]) -> None:
    (event,) = by_sql["audit_events"]
    assert event.hash == event_hash(event)
    for key in ("item", "returned", "item_events", "audit", "pk"):
        assert by_sql[key] == by_python[key], key


@pytest.mark.parametrize("state", list(State))
def test_the_function_claims_from_exactly_the_states_the_python_rules_allow(
    state, engagement_a, agent_a_only, lead_a
):
    # given one item of the agent's client, in `state`
    item = submit(engagement_a, "only")
    _in_state(item, state, holder=lead_a)
    token = request_id_var.set(AWKWARD_REQUEST_ID)
    try:
        # when it is claimed by the function and (rolled back) by the Python path
        by_sql = _claim(agent_a_only, python=False)
        by_python = _claim(agent_a_only, python=True)
    finally:
        request_id_var.reset(token)
    # then both claim exactly when the state machine allows, and write the same
    claimable = _python_rules_claim_from(state)
    assert (by_sql is not None, by_python is not None) == (claimable, claimable)
    if by_sql and by_python:
        assert by_sql["item"]["state"] == State.IN_PROGRESS
        assert by_sql["audit"][0]["before"] == {"state": state}
        _same_claim(by_sql, by_python)


def test_neither_path_gives_an_agent_the_second_key_of_their_own_first(
    engagement_a, agent_a_only, lead_a
):
    # given an item waiting for its second key, whose first key the agent gave
    item = submit(engagement_a, "keyed")
    DoubleKey.objects.create(
        tenant_id=item.tenant_id,
        item=item,
        status=DoubleKey.Status.AWAITING_SECOND,
        first_agent=agent_a_only,
        first_output={"result": "x"},
        first_at=MOMENT,
    )
    # then only another agent may claim it, by either path
    assert _claim(agent_a_only, python=False) is None
    assert _claim(agent_a_only, python=True) is None
    lead_sql, lead_python = _claim(lead_a, python=False), _claim(lead_a, python=True)
    assert lead_sql is not None and lead_python is not None
    _same_claim(lead_sql, lead_python)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    request_id=st.text(
        alphabet=st.characters(exclude_characters="\x00", codec="utf-8"),
        max_size=64,
    ),
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_any_request_id_and_moment_give_the_same_claim_by_both_paths(
    engagement_a, agent_a_only, request_id, now
):
    if not WorkItem.objects.for_tenant(engagement_a.tenant_id).exists():
        submit(engagement_a, "any")
    token = request_id_var.set(request_id)
    try:
        by_sql = _claim(agent_a_only, python=False, now=now)
        by_python = _claim(agent_a_only, python=True, now=now)
    finally:
        request_id_var.reset(token)
    assert by_sql is not None and by_python is not None
    _same_claim(by_sql, by_python)


def test_the_function_writes_the_claim_event_the_python_path_writes(engagement_a, agent_a_only):
    """Read from `pg_proc`: the function's three canonical-JSON pieces are those
    `audit.chain` renders for the event the Python path records (its action, object type,
    before and after), with the values only the function knows as SQL."""
    submit(engagement_a, "shape")
    by_python = _claim(agent_a_only, python=True)
    assert by_python is not None
    (event,) = by_python["audit_events"]
    assert event.before == {"state": State.QUEUED}, "the claim's before is the state it left"
    a, b, c = sql_pieces(
        tenant=Sql("v_item.tenant_id"),
        lane=Sql("p_lane"),
        at=Sql("p_at_json"),
        actor=Sql("p_agent"),
        action=event.action,
        object_type=event.object_type,
        object_id=Sql("v_id", word=True),
        before={"state": Sql("v_from", word=True)},
        after=event.after,
        request_id=Sql("p_request_id_json"),
    )
    assert_function_writes("work_claim_next", f"ARRAY[{a}], ARRAY[{b}], ARRAY[{c}]")


def test_the_claimable_index_covers_exactly_the_claimable_states():
    """The function's pick walks `work_item_claimable`; its predicate is the same states."""
    (index,) = [i for i in WorkItem._meta.indexes if i.name == "work_item_claimable"]
    assert index.condition is not None
    ((lookup, states),) = index.condition.children
    assert lookup == "state__in" and set(states) == set(CLAIMABLE_STATES)
