"""Where sealed values live, for the jobs that must reach all of them (key rotation).

The vault sits below the apps that store sealed values, so it cannot import them: an app
registers a `Store` for its rows (the work app does it in `work/intake.py`, next to the
intake that seals them), and `autodiscover()` imports each app's `intake` module the way
Django's admin finds `admin.py`, so a background worker that has imported nothing else
still knows every store.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.module_loading import autodiscover_modules

from backoffice.vault.keys import Keyring


class Store(Protocol):
    name: str

    def count(self, tenant_id: int) -> int:
        """How many records of the tenant may hold sealed values."""
        ...

    def reseal(self, ring: Keyring, *, after_id: int, limit: int) -> tuple[int, int]:
        """Re-seal under `ring`'s active key the values of up to `limit` records with ids
        above `after_id` (and refresh their blind-index digests); returns (the last id
        done, how many records were read), (after_id, 0) when none is left. Runs inside
        the caller's transaction."""
        ...


_stores: dict[str, Store] = {}


def register(store: Store) -> None:
    _stores[store.name] = store


def all_stores() -> list[Store]:
    autodiscover()
    return [_stores[name] for name in sorted(_stores)]


_discovered = False


def autodiscover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("intake")
        _discovered = True
