"""The canonical JSON written around the link (for PostgreSQL's `audit_append`) joins back
into exactly what `event_hash` hashes, for any event."""

import hashlib
from datetime import UTC, datetime
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from backoffice.audit.chain import canonical_around_link, event_hash, jsonable

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


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
