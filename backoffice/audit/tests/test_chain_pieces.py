"""The canonical form of `audit.chain`: pinned to the hashes events already carry; the
pieces written around the link (for PostgreSQL's `audit_append`) join back into exactly
what `event_hash` hashes, for any event; and the SQL it renders for an event of fixed shape
(the claim function's) writes the same text."""

import hashlib
import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from backoffice.audit.chain import (
    FIELDS,
    LANE,
    Sql,
    canonical,
    canonical_around_link,
    canonical_text,
    event_hash,
    format_at,
    join_link,
    jsonable,
    sql_link_hash,
    sql_pieces,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


# Hashes recorded events carry: any change of the canonical form breaks their verification.
PINNED = [
    (
        SimpleNamespace(
            tenant_id=7,
            lane=0,
            seq=1,
            at=datetime(2026, 11, 24, 7, 58, 1, 0, tzinfo=UTC),
            actor_id=None,
            action="ledger.entry_posted",
            object_type="ledger.journalentry",
            object_id="12",
            before=None,
            after={"lines": [{"amount": "12.50", "account": "1200"}], "memo": 'café "q" \\ \t'},
            request_id="",
            prev_hash="0" * 64,
        ),
        '{"action":"ledger.entry_posted","actor":null,"after":{"lines":[{"account":"1200",'
        '"amount":"12.50"}],"memo":"café \\"q\\" \\\\ \\t"},'
        '"at":"2026-11-24T07:58:01.000000+00:00",'
        '"before":null,"object_id":"12","object_type":"ledger.journalentry","prev":"'
        + "0" * 64
        + '","request_id":"","seq":1,"tenant":7}',
        "2c2d1c416fb875ccb7e82a13d792c5dfa80b3dfc49d2282b7bddf271b650ffa6",
    ),
    (
        SimpleNamespace(
            tenant_id=3,
            lane=1,
            seq=42,
            at=datetime(2026, 11, 24, 7, 58, 1, 120034, tzinfo=UTC),
            actor_id=9,
            action="work.item_claimed",
            object_type="work.workitem",
            object_id="1234",
            before={"state": "queued"},
            after={"state": "in_progress"},
            request_id='req "7"\\\tnaïve—✓',
            prev_hash="ab" * 32,
        ),
        '{"action":"work.item_claimed","actor":9,"after":{"state":"in_progress"},'
        '"at":"2026-11-24T07:58:01.120034+00:00","before":{"state":"queued"},"lane":1,'
        '"object_id":"1234","object_type":"work.workitem","prev":"'
        + "ab" * 32
        + '","request_id":"req \\"7\\"\\\\\\tnaïve—✓","seq":42,"tenant":3}',
        "ec9eb0babdea25909e7bf0e0919aa752685a704b0e69aacf270c2a110c5e1545",
    ),
]


@pytest.mark.parametrize(("event", "text", "digest"), PINNED)
def test_the_canonical_form_is_the_one_recorded_events_were_hashed_over(event, text, digest):
    assert canonical_text(event) == text
    assert event_hash(event) == digest
    keys = list(json.loads(text))
    assert [k for k in keys if k != LANE] == list(FIELDS) and (LANE in keys) == bool(event.lane)
    a, b, c = canonical_around_link(event)
    assert join_link(a, event.prev_hash, b, event.seq, c) == text


@given(
    tenant=st.integers(min_value=1, max_value=2**40),
    lane=st.integers(min_value=0, max_value=32767),
    seq=st.integers(min_value=1, max_value=2**62),
    actor=st.none() | st.integers(min_value=1, max_value=2**40),
    action=st.text(max_size=20),
    object_type=st.text(max_size=20),
    object_id=st.text(max_size=20),
    before=json_values,
    after=json_values,
    request_id=st.text(max_size=30),
    prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    micros=st.integers(min_value=0, max_value=10**6 - 1),
)
def test_the_pieces_join_into_the_hashed_json(
    tenant,
    lane,
    seq,
    actor,
    action,
    object_type,
    object_id,
    before,
    after,
    request_id,
    prev,
    micros,
):
    event = SimpleNamespace(
        tenant_id=tenant,
        lane=lane,
        seq=seq,
        at=datetime(2026, 11, 24, 7, 58, 1, micros, tzinfo=UTC),
        actor_id=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=jsonable(before),
        after=jsonable(after),
        request_id=request_id,
        prev_hash=prev,
    )
    a, b, c = canonical_around_link(event)
    joined = a + prev + b + str(seq) + c
    assert hashlib.sha256(joined.encode()).hexdigest() == event_hash(event)
    assert join_link(a, prev, b, seq, c) == joined


# --- the SQL rendering of an event of fixed shape (`sql_pieces`) ------------------------------

_SQL_PART = re.compile(r"'((?:[^']|'')*)'|([a-z_][a-z0-9_]*)")


def _evaluate(expression: str, names: dict[str, str]) -> str:
    """A rendered piece evaluated as PostgreSQL would: literals and names joined by `||`."""
    out = []
    for part in expression.split(" || ") if expression else []:
        match = _SQL_PART.fullmatch(part)
        assert match is not None, part
        literal, name = match.groups()
        out.append(names[name] if name else literal.replace("''", "'"))
    return "".join(out)


@given(
    tenant=st.integers(min_value=1, max_value=2**40),
    lane=st.integers(min_value=0, max_value=32767),
    actor=st.none() | st.integers(min_value=1, max_value=2**40),
    action=st.text(max_size=20),
    object_id=st.integers(min_value=1, max_value=2**62),
    state=st.sampled_from(["queued", "rework", "in_progress"]),
    after=json_values,
    request_id=st.text(max_size=30),
    prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    seq=st.integers(min_value=1, max_value=2**62),
    micros=st.integers(min_value=0, max_value=10**6 - 1),
    in_sql=st.sets(st.sampled_from(["tenant", "actor", "at", "object_id", "state", "rid"])),
)
def test_sql_pieces_write_what_python_writes(
    tenant, lane, actor, action, object_id, state, after, request_id, prev, seq, micros, in_sql
):
    """Any mix of fixed values and values the SQL computes renders to the pieces Python cuts."""
    at = datetime(2026, 11, 24, 7, 58, 1, micros, tzinfo=UTC)
    event = SimpleNamespace(
        tenant_id=tenant,
        lane=lane,
        seq=seq,
        at=at,
        actor_id=actor,
        action=action,
        object_type="work.workitem",
        object_id=str(object_id),
        before={"state": state},
        after=jsonable(after),
        request_id=request_id,
        prev_hash=prev,
    )
    names = {
        "p_tenant": str(tenant),
        "p_actor": canonical(actor),
        "p_at_json": canonical(format_at(at)),
        "v_id": str(object_id),
        "v_from": state,
        "p_rid_json": canonical(request_id),
        "p_lane": str(lane),
    }

    def value(key: str, fixed, sql: Sql):
        return sql if key in in_sql else fixed

    fields = {
        "tenant": value("tenant", tenant, Sql("p_tenant")),
        "actor": value("actor", actor, Sql("p_actor")),
        "at": value("at", format_at(at), Sql("p_at_json")),
        "action": action,
        "object_type": "work.workitem",
        "object_id": value("object_id", str(object_id), Sql("v_id", word=True)),
        "before": {"state": value("state", state, Sql("v_from", word=True))},
        "after": jsonable(after),
        "request_id": value("rid", request_id, Sql("p_rid_json")),
    }
    if lane:
        fields["lane"] = Sql("p_lane")
    assume("\ue000" not in canonical([action, after, request_id]))
    # when
    pieces = sql_pieces(**fields)
    # then
    assert tuple(_evaluate(p, names) for p in pieces) == canonical_around_link(event)
    # and the hash `audit_append` computes is over the canonical text
    a, b, c = pieces
    hashed = re.fullmatch(
        r"encode\(sha256\(convert_to\((.*), 'UTF8'\)\), 'hex'\)",
        sql_link_hash(a, "v_prev", b, "v_seq", c),
    )
    assert hashed is not None
    linked = names | {"v_prev": prev, "v_seq": str(seq)}
    assert _evaluate(hashed[1], linked) == canonical_text(event)
