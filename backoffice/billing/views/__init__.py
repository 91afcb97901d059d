"""Billing pages: the overview with revenue by month, the contract and rate-card editor,
billing runs with a live progress bar, invoice review with the usage statement and its
drill-down, and the month-to-date estimate.

Thin adapters: records are read for the caller through `billing.page_queries` (another
tenant's id is a 404; a client sees only its own), changes go through `billing.services`,
refusals come back beside the fields with what was typed kept.
"""

from backoffice.billing.views.contracts import contract, contract_new, version_end, version_new
from backoffice.billing.views.invoices import (
    invoice,
    invoice_action,
    invoice_line,
    statement_export,
)
from backoffice.billing.views.overview import estimate, index, invoices
from backoffice.billing.views.runs import run, run_continue, run_progress, runs

__all__ = [
    "contract",
    "contract_new",
    "estimate",
    "index",
    "invoice",
    "invoice_action",
    "invoice_line",
    "invoices",
    "run",
    "run_continue",
    "run_progress",
    "runs",
    "statement_export",
    "version_end",
    "version_new",
]
