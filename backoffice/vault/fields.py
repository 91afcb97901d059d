"""Sensitive fields of a JSON document, as its JSON Schema marks them.

A top-level property with `"x-sensitive": "pii" | "phi" | "payment"` is sealed at rest
(`seal_document`), its value replaced by an envelope; `"x-search": true` beside it also
keeps a blind-index digest, so the field can be found by exact value. Reading opens the
envelopes for those who may see them (`open_document`) or shows each as a mask
(`mask_document`): `•••• 1234` for payment data, `••••` otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from backoffice.vault.crypto import KeyDestroyed, is_envelope
from backoffice.vault.keys import Keyring

KINDS = {"pii": "Personal data", "phi": "Health data", "payment": "Payment data"}
MASK = "••••"
SHREDDED = "(destroyed)"


@dataclass(frozen=True)
class Sensitive:
    name: str
    kind: str  # pii, phi, payment
    searchable: bool


@lru_cache(maxsize=512)
def _sensitive(schema_json: str) -> tuple[Sensitive, ...]:
    props = json.loads(schema_json).get("properties") or {}
    return tuple(
        Sensitive(name, str(prop["x-sensitive"]), bool(prop.get("x-search")))
        for name, prop in props.items()
        if isinstance(prop, dict) and prop.get("x-sensitive") in KINDS
    )


def sensitive_fields(schema: dict[str, Any] | None) -> tuple[Sensitive, ...]:
    """The schema's sensitive top-level fields (none for a schema without marks)."""
    if not schema or "x-sensitive" not in json.dumps(schema):
        return ()
    return _sensitive(json.dumps(schema, sort_keys=True))


def schema_problems(schema: dict[str, Any]) -> list[str]:
    """What is wrong with the schema's sensitivity marks, in words."""
    problems = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or "x-sensitive" not in prop:
            continue
        if prop["x-sensitive"] not in KINDS:
            problems.append(
                f"Field {name}: mark it as personal (pii), health (phi) or payment data."
            )
    return problems


def seal_document(
    ring: Keyring, fields: tuple[Sensitive, ...], prefix: str, doc: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """`doc` with its sensitive values sealed, and the blind-index digests of its searchable
    ones ({field path: digest}). Values already sealed are left as they are."""
    if not fields:
        return doc, {}
    out = dict(doc)
    digests: dict[str, str] = {}
    for f in fields:
        value = out.get(f.name)
        if value is None or is_envelope(value):
            continue
        path = f"{prefix}.{f.name}"
        if f.searchable:
            digests[path] = ring.digest(path, value)
        out[f.name] = ring.seal(value, path)
    return out, digests


def open_document(
    ring: Keyring | None, fields: tuple[Sensitive, ...], prefix: str, doc: Any
) -> Any:
    """`doc` with every envelope opened; raises when one does not open."""
    if not fields or not isinstance(doc, dict):
        return doc
    out = dict(doc)
    for f in fields:
        value = out.get(f.name)
        if isinstance(value, dict) and is_envelope(value):
            if ring is None:
                raise KeyDestroyed("This value's key is gone: it cannot be recovered.")
            out[f.name] = ring.open(value, f"{prefix}.{f.name}")
    return out


def mask(kind: str, value: Any) -> str:
    """How a sensitive value shows to those who may not see it."""
    if kind == "payment" and value is not None:
        digits = [c for c in str(value) if c.isalnum()]
        if len(digits) >= 8:
            return f"{MASK} {''.join(digits[-4:])}"
    return MASK


def mask_document(
    ring: Keyring | None,
    fields: tuple[Sensitive, ...],
    prefix: str,
    doc: Any,
    *,
    reveal: frozenset[str] = frozenset(),
) -> Any:
    """`doc` with each sensitive value masked, except the fields named in `reveal`, opened.

    Payment data needs its last four characters, so it is opened to be masked; other kinds
    are masked without opening. A value whose key was destroyed shows as destroyed.
    """
    if not fields or not isinstance(doc, dict):
        return doc
    out = dict(doc)
    for f in fields:
        value = out.get(f.name)
        if value is None:
            continue
        if not is_envelope(value):  # written before the field was marked
            out[f.name] = value if f.name in reveal else mask(f.kind, value)
            continue
        if f.name not in reveal and (f.kind != "payment" or ring is None):
            out[f.name] = MASK
            continue
        try:
            if ring is None:
                raise KeyDestroyed("No key.")
            plain = ring.open(value, f"{prefix}.{f.name}")
        except KeyDestroyed:
            out[f.name] = SHREDDED
            continue
        out[f.name] = plain if f.name in reveal else mask(f.kind, plain)
    return out


def has_envelopes(doc: Any) -> bool:
    return isinstance(doc, dict) and any(is_envelope(v) for v in doc.values())
