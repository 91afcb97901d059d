"""Backoffice: back-office operations platform (work engine, ledger, commerce)."""
