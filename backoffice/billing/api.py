"""Billing API: contracts, rate cards, billing runs, invoices' usage statements."""

from ninja import Router

router = Router(tags=["billing"])
