"""The canonical form of an audit event, written once: what is hashed, in which order, and
how the SQL that hashes on PostgreSQL writes the same text.

An event's hash is SHA-256 over the UTF-8 of its canonical JSON: every recorded field plus
the previous event's hash (`_payload`), keys sorted, no spaces, non-ASCII as is (`canonical`).
Three writers produce that text, all derived from this module:

- Python: `event_hash` (SQLite appends, and `audit verify` for every database);
- `audit_append` (audit migration 0006) joins pieces that Python cut around the two values
  only the database knows, the previous hash and the sequence number
  (`canonical_around_link`), in the order `LINK_JOIN`; `sql_link_hash` writes that join;
- the claim function `work_claim_next` (work migration 0012) writes its whole event in SQL;
  `sql_pieces` renders those expressions from the event's shape.

The SQL lives in migrations as frozen text. Tests read the functions back from `pg_proc`
and require the expressions rendered here (audit/tests/test_canonical_pg.py,
work/tests/test_claim_agrees.py), so a change on either side fails until the other follows
in a new migration.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64

# The fields each event's hash covers, in the order canonical JSON writes them (keys
# sorted); `lane` joins them only when it is not 0, so lane-0 hashes are those from before
# lanes existed.
FIELDS = (
    "action",
    "actor",
    "after",
    "at",
    "before",
    "object_id",
    "object_type",
    "prev",
    "request_id",
    "seq",
    "tenant",
)
LANE = "lane"
# The values the appender fills in under the lane head's lock, and the order in which the
# canonical text joins around them: a + prev + b + seq + c.
LINK_JOIN = ("a", "prev", "b", "seq", "c")


def jsonable(value: Any) -> Any:
    """What a JSONField gives back after a round trip, so the hash survives storage."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


def format_at(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _payload(event: Any) -> dict[str, Any]:
    # Written out rather than looped over `FIELDS`: this runs for every event appended or
    # verified. The pinned texts in tests/test_chain_pieces.py hold the two together.
    payload = {  # `FIELDS`
        "tenant": event.tenant_id,
        "seq": event.seq,
        "at": format_at(event.at),
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
        payload[LANE] = event.lane
    return payload


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_text(event: Any) -> str:
    """The text an `AuditEvent` (saved or not) is hashed over."""
    return canonical(_payload(event))


def event_hash(event: Any) -> str:
    """Hash of an `AuditEvent` (saved or not): every recorded field plus the previous hash."""
    return text_hash(canonical_text(event))


def join_link(a: str, prev: str, b: str, seq: int, c: str) -> str:
    """The canonical text from its pieces and the link values (`LINK_JOIN`)."""
    parts = {"a": a, "prev": prev, "b": b, "seq": str(seq), "c": c}
    return "".join(parts[name] for name in LINK_JOIN)


def canonical_around_link(event: Any) -> tuple[str, str, str]:
    """The event's canonical JSON as three pieces around the two values only the database
    knows when it appends: `join_link(a, prev, b, seq, c)` is `canonical_text(event)`.

    Keys sort as action … object_type, prev, request_id, seq, tenant, so everything before
    "prev" is one object written without its closing brace. PostgreSQL's `audit_append`
    (audit migration 0006) joins the pieces and hashes them; property tests hold the join to
    `event_hash`, in Python and in the database.
    """
    payload = _payload(event)
    head = {k: v for k, v in payload.items() if k < "prev"}
    a = canonical(head)[:-1] + ',"prev":"'
    b = '","request_id":' + canonical(payload["request_id"]) + ',"seq":'
    c = ',"tenant":' + canonical(payload["tenant"]) + "}"
    return a, b, c


# --- the same in SQL -------------------------------------------------------------------------


def sql_hash(text: str) -> str:
    """The SQL of `text_hash` over the SQL text expression `text`."""
    return f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')"


def sql_link_text(a: str, prev: str, b: str, seq: str, c: str) -> str:
    """The SQL of `join_link(...)` over SQL expressions (`seq` a bigint)."""
    parts = {"a": a, "prev": prev, "b": b, "seq": seq, "c": c}
    return " || ".join(parts[name] for name in LINK_JOIN)


def sql_link_hash(a: str, prev: str, b: str, seq: str, c: str) -> str:
    """The SQL of `text_hash(join_link(...))`: how `audit_append` hashes each event."""
    return sql_hash(sql_link_text(a, prev, b, seq, c))


@dataclass(frozen=True)
class Sql:
    """A value of an event that SQL computes as the event is written: `expr` gives the
    value's canonical JSON itself (a number, or text the caller wrote with `canonical`), or,
    with `word=True`, a string that needs no escaping (digits, a fixed word) to be quoted."""

    expr: str
    word: bool = False


def sql_pieces(**fields: Any) -> tuple[str, str, str]:
    """The SQL expressions of the three pieces of `canonical_around_link` for an event of a
    fixed shape: `fields` are the payload's (all but `prev` and `seq`; `lane` only when it is
    not 0), each a JSON value, possibly with `Sql` values inside."""
    expected = set(FIELDS) - {"prev", "seq"}
    if set(fields) - {LANE} != expected:
        raise ValueError(f"an event has exactly the fields {sorted(expected)} (and maybe lane)")
    if fields.get(LANE, 1) == 0:
        raise ValueError("lane 0 is left out of the payload")
    holes: list[Sql] = []

    def hole(value: Any) -> Any:
        if isinstance(value, Sql):
            holes.append(value)
            return f"\ue000{len(holes) - 1}\ue001"
        if isinstance(value, dict):
            return {k: hole(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [hole(v) for v in value]
        return value

    payload = {k: hole(v) for k, v in fields.items()}
    prev, seq = len(holes), len(holes) + 1
    payload["prev"], payload["seq"] = hole(Sql("", word=True)), hole(Sql(""))
    text = canonical(payload)
    if text.count("\ue000") != len(holes):
        raise ValueError("the event's fixed text may not contain U+E000")
    # Cut the text at each hole, in the order of the text; a word keeps its quotes.
    chunks: list[str | Sql] = []
    at: dict[int, int] = {}
    start = 0
    for match in re.finditer('"\ue000([0-9]+)\ue001"', text):
        n = int(match[1])
        quote = 1 if holes[n].word else 0
        chunks.append(text[start : match.start() + quote])
        at[n] = len(chunks)
        chunks.append(holes[n])
        start = match.end() - quote
    chunks.append(text[start:])
    return (
        _sql_concat(chunks[: at[prev]]),
        _sql_concat(chunks[at[prev] + 1 : at[seq]]),
        _sql_concat(chunks[at[seq] + 1 :]),
    )


def _sql_concat(chunks: list[str | Sql]) -> str:
    parts = [
        chunk.expr if isinstance(chunk, Sql) else "'" + chunk.replace("'", "''") + "'"
        for chunk in chunks
        if chunk != ""
    ]
    return " || ".join(parts)


_SQL_TOKENS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|\s+|[^'\s-]+|-")


def sql_tokens(source: str) -> str:
    """SQL with comments and the spaces outside string literals taken out, so that a
    function's source and an expression rendered here compare as text."""
    return "".join(
        token
        for token in _SQL_TOKENS.findall(source)
        if not token.isspace() and not token.startswith("--")
    )
