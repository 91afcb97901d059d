"""The hash of an audit event: SHA-256 of its canonical JSON, previous hash included."""

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def jsonable(value: Any) -> Any:
    """What a JSONField gives back after a round trip, so the hash survives storage."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


def event_hash(
    *,
    tenant_id: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    request_id: str,
    prev_hash: str,
) -> str:
    payload = {
        "tenant": tenant_id,
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
        "request_id": request_id,
        "prev": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
