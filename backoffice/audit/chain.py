"""The hash of an audit event: SHA-256 of its canonical JSON, previous hash included."""

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def jsonable(value: Any) -> Any:
    """What a JSONField gives back after a round trip, so the hash survives storage."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


def _payload(event: Any) -> dict[str, Any]:
    payload = {
        "tenant": event.tenant_id,
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "prev": event.prev_hash,
    }
    if event.lane:  # lane 0 hashes as before lanes existed
        payload["lane"] = event.lane
    return payload


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: Any) -> str:
    """Hash of an `AuditEvent` (saved or not): every recorded field plus the previous hash."""
    return hashlib.sha256(_canonical(_payload(event)).encode()).hexdigest()


def canonical_around_link(event: Any) -> tuple[str, str, str]:
    """The event's canonical JSON as three pieces around the two values only the database
    knows when it appends: canonical = a + prev + b + str(seq) + c.

    Keys sort as action … object_type, prev, request_id, seq, tenant, so everything before
    "prev" is one object written without its closing brace. PostgreSQL's `audit_append`
    (audit migration 0006) joins the pieces and hashes them; `event_hash` must agree, and a
    property test holds them together.
    """
    payload = _payload(event)
    head = {k: v for k, v in payload.items() if k < "prev"}
    a = _canonical(head)[:-1] + ',"prev":"'
    b = '","request_id":' + _canonical(payload["request_id"]) + ',"seq":'
    c = ',"tenant":' + _canonical(payload["tenant"]) + "}"
    return a, b, c
