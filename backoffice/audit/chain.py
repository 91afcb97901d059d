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


def event_hash(event: Any) -> str:
    """Hash of an `AuditEvent` (saved or not): every recorded field plus the previous hash."""
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
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
