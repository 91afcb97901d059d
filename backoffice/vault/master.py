"""The master key: from the environment or a key file, never the database.

`BACKOFFICE_MASTER_KEY` (base64 of 32 bytes) or `BACKOFFICE_MASTER_KEY_FILE` (a file holding
that text) name the current master key; `BACKOFFICE_MASTER_KEY_PREVIOUS` (comma-separated,
base64) the ones it replaced, kept until every data key is wrapped again under the current
one (`backoffice vault rewrap`). With neither set, a fixed development key is used and the
deploy check (`vault.W001`) warns: it is in the source code, so it protects nothing.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from backoffice.vault.crypto import VaultError, decode_master_key, key_fingerprint

ENV_KEY = "BACKOFFICE_MASTER_KEY"
ENV_FILE = "BACKOFFICE_MASTER_KEY_FILE"
ENV_PREVIOUS = "BACKOFFICE_MASTER_KEY_PREVIOUS"
DEV_MASTER_KEY = hashlib.sha256(b"backoffice development master key: not a secret").digest()


@dataclass(frozen=True)
class MasterKeys:
    current: bytes
    by_id: dict[str, bytes]  # fingerprint -> key, the current one and the previous ones
    is_dev: bool

    @property
    def current_id(self) -> str:
        return key_fingerprint(self.current)


_lock = threading.Lock()
_cached: MasterKeys | None = None


def _read_current() -> tuple[bytes, bool]:
    text = os.environ.get(ENV_KEY, "").strip()
    key_file = os.environ.get(ENV_FILE, "").strip()
    if text and key_file:
        raise VaultError(f"Set {ENV_KEY} or {ENV_FILE}, not both.")
    if key_file:
        try:
            text = Path(key_file).read_text().strip()
        except OSError as exc:
            raise VaultError(f"The master key file {key_file} cannot be read.") from exc
    if not text:
        return DEV_MASTER_KEY, True
    return decode_master_key(text), False


def load_master_keys() -> MasterKeys:
    """The master keys, read once per process (`reset_master_keys` reads them again)."""
    global _cached
    with _lock:
        if _cached is None:
            current, is_dev = _read_current()
            by_id = {key_fingerprint(current): current}
            for text in os.environ.get(ENV_PREVIOUS, "").split(","):
                if text.strip():
                    old = decode_master_key(text)
                    by_id.setdefault(key_fingerprint(old), old)
            _cached = MasterKeys(current, by_id, is_dev)
        return _cached


def reset_master_keys() -> None:
    global _cached
    with _lock:
        _cached = None
