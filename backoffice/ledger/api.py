"""API of the ledger app (mounted at /api/v1/ledger)."""

from ninja import Router

router = Router(tags=["ledger"])
