"""Whole-database ledger checks an operator runs after a restore or a crash."""

from __future__ import annotations

from django.db.models import Sum

from backoffice.ledger.models import AccountBalance, JournalLine


def balance_mismatches() -> list[str]:
    """Every (tenant, account, currency) whose kept balance differs from the sum of its lines."""
    sums = {
        (r["tenant_id"], r["account_id"], r["currency"]): r["total"]
        for r in JournalLine.objects.unscoped("check every tenant's balances")
        .values("tenant_id", "account_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    kept = {
        (r["tenant_id"], r["account_id"], r["currency"]): r["balance"]
        for r in AccountBalance.objects.unscoped("check every tenant's balances").values(
            "tenant_id", "account_id", "currency", "balance"
        )
    }
    found = []
    for key in sorted(set(sums) | set(kept)):
        balance, lines = kept.get(key, 0), sums.get(key) or 0
        if balance != lines:
            tenant, account, currency = key
            found.append(
                f"tenant {tenant}, account {account}, {currency}: balance {balance}, lines {lines}"
            )
    return found
