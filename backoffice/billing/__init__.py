"""Billing from the work log: contracts, rate cards, SLA credits and billing runs."""
