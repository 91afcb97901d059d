"""A tenant's keyring: its data keys unwrapped, cached in the process for a short while.

`keyring(tenant_id)` reads the tenant's key rows and unwraps each live one with the master
key that wrapped it; `keyring(tenant_id, create=True)` makes the first data key when the
tenant has none. Intake asks once per batch, so a batch of a million rows costs one
unwrap. The cache holds a keyring for `CACHE_SECONDS`; rotating or destroying a key
clears this process's cache at once (other processes see it within `CACHE_SECONDS`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from backoffice.core.errors import Conflict
from backoffice.vault.crypto import (
    KeyDestroyed,
    VaultError,
    blind_digest,
    derive_index_key,
    forget_ciphers,
    key_aad,
    new_key,
    open_value,
    seal_value,
    unwrap_key,
    value_aad,
    wrap_key,
)
from backoffice.vault.error_codes import ErrorCode
from backoffice.vault.master import load_master_keys
from backoffice.vault.models import DataKey

CACHE_SECONDS = 60.0


class NoKey(VaultError):
    """The tenant has no data key yet (nothing of it was ever sealed)."""


@dataclass(frozen=True)
class Keyring:
    """The live data keys of one tenant; the active one seals, any live one opens."""

    tenant_id: int
    active_version: int
    keys: Mapping[int, bytes]
    destroyed: frozenset[int] = frozenset()
    _index_keys: dict[int, bytes] = field(default_factory=dict, compare=False, repr=False)

    @property
    def active_kid(self) -> str:
        return f"v{self.active_version}"

    def seal(self, value: Any, field_path: str) -> dict[str, str]:
        key = self.keys[self.active_version]
        return seal_value(key, self.active_kid, value, value_aad(self.tenant_id, field_path))

    def open(self, envelope: dict[str, Any], field_path: str) -> Any:
        version = _version_of(envelope)
        key = self.keys.get(version)
        if key is None:
            if version in self.destroyed or not self.keys:
                raise KeyDestroyed(
                    "This value was protected by a key that has been destroyed: it cannot be "
                    "recovered."
                )
            raise VaultError(f"No data key v{version} for this organization.")
        return open_value(key, envelope, value_aad(self.tenant_id, field_path))

    def index_key(self, version: int | None = None) -> bytes:
        version = version or self.active_version
        if version not in self._index_keys:
            self._index_keys[version] = derive_index_key(self.keys[version], self.tenant_id)
        return self._index_keys[version]

    def digest(self, field_path: str, value: Any, version: int | None = None) -> str:
        return blind_digest(self.index_key(version), field_path, value)


def _version_of(envelope: dict[str, Any]) -> int:
    kid = str(envelope.get("kid", ""))
    if not kid.startswith("v") or not kid[1:].isdigit():
        raise VaultError("A sealed value names no known key.")
    return int(kid[1:])


_lock = threading.Lock()
_cache: dict[int, tuple[float, Keyring]] = {}


def forget(tenant_id: int | None = None) -> None:
    """Drop cached keyrings (one tenant's, or all) and the ciphers made from their keys."""
    with _lock:
        if tenant_id is None:
            _cache.clear()
        else:
            _cache.pop(tenant_id, None)
    forget_ciphers()


def keyring(tenant_id: int, *, create: bool = False) -> Keyring:
    """The tenant's keyring; with `create`, its first data key is made when it has none."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(tenant_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    ring = _load(tenant_id)
    if ring is None:
        if not create:
            raise NoKey("This organization has no data key yet.")
        ring = _create_first(tenant_id)
    with _lock:
        _cache[tenant_id] = (now + CACHE_SECONDS, ring)
    return ring


def _load(tenant_id: int) -> Keyring | None:
    rows = list(DataKey.objects.for_tenant(tenant_id).order_by("version"))
    if not rows:
        return None
    masters = load_master_keys()
    keys: dict[int, bytes] = {}
    destroyed = set()
    active = 0
    for row in rows:
        if row.state == DataKey.State.DESTROYED:
            destroyed.add(row.version)
            continue
        master = masters.by_id.get(row.master_key_id)
        if master is None:
            raise VaultError(
                f"Data key v{row.version} is wrapped by a master key this server does not "
                "have; set BACKOFFICE_MASTER_KEY_PREVIOUS."
            )
        keys[row.version] = unwrap_key(master, row.wrapped, key_aad(tenant_id, row.version))
        if row.state == DataKey.State.ACTIVE:
            active = row.version
    if not active:
        return Keyring(tenant_id, 0, {}, frozenset(destroyed))
    return Keyring(tenant_id, active, keys, frozenset(destroyed))


def wrapped_row(tenant_id: int, version: int, key: bytes) -> DataKey:
    masters = load_master_keys()
    return DataKey(
        tenant_id=tenant_id,
        version=version,
        wrapped=wrap_key(masters.current, key, key_aad(tenant_id, version)),
        master_key_id=masters.current_id,
    )


def _create_first(tenant_id: int) -> Keyring:
    """The tenant's first data key; two intakes racing to make it agree on one."""
    try:
        with transaction.atomic():
            wrapped_row(tenant_id, 1, new_key()).save()
    except IntegrityError:
        pass
    ring = _load(tenant_id)
    if ring is None:  # pragma: no cover - the row was just written or found
        raise VaultError("The data key could not be made.")
    return ring


def require_sealing(ring: Keyring) -> Keyring:
    """A keyring that can seal: refused once the tenant's keys are destroyed."""
    if not ring.active_version:
        raise Conflict(
            "This organization's data keys were destroyed: no new confidential data can be "
            "stored for it.",
            code=ErrorCode.KEY_DESTROYED,
        )
    return ring
