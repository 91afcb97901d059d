"""Billing runs: a month for one client or all, each contract in its own transaction.

Idempotent and resumable by one rule: a contract's invoice for a month is unique. A run
skips contracts already invoiced for the month, so running the month again writes no
invoice and bills no item twice (a new run row records that it ran); a run that stopped
half-way is finished by running it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from backoffice.billing import events, metering
from backoffice.billing.error_codes import ErrorCode
from backoffice.billing.models import BillingInvoice, BillingRun, Contract
from backoffice.billing.services.drafting import draft_invoice, overlapping
from backoffice.core.errors import DomainError, NotFound
from backoffice.core.rls import set_rls_tenants
from backoffice.ledger.services.periods import locked_period
from backoffice.tenancy.models import Organization, User

Progress = Callable[[BillingRun], None]


def parse_period(text: str) -> date:
    """`2026-11` (or any day of it) as the month's first day."""
    try:
        year, month = (int(x) for x in text.strip()[:7].split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise DomainError(
            "The period is a month, like 2026-11.",
            code=ErrorCode.INVALID_PERIOD,
            fields={"period": ["a month, like 2026-11"]},
        ) from None


def _refuse_locked(tenant: Organization, period: date) -> None:
    name = locked_period(tenant, period, metering.month_end(period))
    if name is not None:
        raise DomainError(
            f"Period {name} is locked in the ledger: its invoices cannot be posted.",
            code=ErrorCode.PERIOD_LOCKED,
            fields={"period": [f"{name} is locked"]},
        )


def contracts_to_bill(tenant: Organization, period: date, client_id: int | None) -> list[Contract]:
    qs = Contract.objects.for_tenant(tenant).filter(is_active=True).order_by("id")
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return [c for c in qs.select_related("client", "calendar", "tenant") if overlapping(c, period)]


def billing_tenant_ids(tenant: Organization) -> list[int]:
    """The tenants whose rows billing reads for `tenant`: a provider's books and its clients'
    work logs; a client, its own rows only (the row-level-security setting of runs and pages)."""
    if not tenant.is_provider:
        return [tenant.pk]
    clients = Organization.objects.filter(provider=tenant).values_list("pk", flat=True)
    return [tenant.pk, *clients]


def start_run(
    *, tenant: Organization, actor: User | None, period: date, client_id: int | None = None
) -> BillingRun:
    """The run's row, after the checks that refuse it with nothing written."""
    if not tenant.is_provider:
        raise DomainError("Only the provider runs billing.", status=403, code="forbidden")
    if period.day != 1:
        period = period.replace(day=1)
    if (
        client_id is not None
        and not Organization.objects.filter(pk=client_id, provider=tenant).exists()
    ):
        raise NotFound("No such client.", fields={"client_id": ["no such client"]})
    if period > timezone.localdate().replace(day=1):
        raise DomainError(
            "That month has not started yet.",
            code=ErrorCode.INVALID_PERIOD,
            fields={"period": ["a month that has started"]},
        )
    with transaction.atomic():
        set_rls_tenants(billing_tenant_ids(tenant))
        _refuse_locked(tenant, period)
        same = BillingRun.objects.for_tenant(tenant).filter(period=period, client_id=client_id)
        earlier = same.order_by("id").first()
        if earlier is not None:
            return earlier  # the same month again: resume it (or, when done, do nothing)
        total = len(contracts_to_bill(tenant, period, client_id))
        run = BillingRun.objects.create(
            tenant=tenant,
            client_id=client_id,
            period=period,
            contracts_total=total,
            started_by=actor,
        )
        events.record(tenant=tenant, actor=actor, event=events.run_started(run))
    return run


def _pending(tenant: Organization, run: BillingRun, contracts: list[Contract]) -> list[Contract]:
    invoiced = set(
        BillingInvoice.objects.for_tenant(tenant)
        .filter(period=run.period, contract_id__in=[c.pk for c in contracts])
        .values_list("contract_id", flat=True)
    )
    return [c for c in contracts if c.pk not in invoiced]


def bill_contract(*, run: BillingRun, contract: Contract, actor: User | None) -> bool:
    """Draft the contract's invoice for the run's month unless it exists: one transaction,
    the contract row locked so two runs cannot both draft it. True when drafted."""
    with transaction.atomic():
        set_rls_tenants([contract.tenant_id, contract.client_id])
        Contract.objects.for_tenant(contract.tenant_id).select_for_update().filter(
            pk=contract.pk
        ).first()
        done = BillingInvoice.objects.for_tenant(contract.tenant_id).filter(
            contract=contract, period=run.period
        )
        if done.exists():
            return False
        inv, items = draft_invoice(contract=contract, period=run.period, run=run, actor=actor)
        events.record(tenant=contract.tenant, actor=actor, event=events.invoice_drafted(inv, items))
    return True


def continue_run(
    *, tenant: Organization, actor: User | None, run_id: int, progress: Progress | None = None
) -> BillingRun:
    """Bill the run's contracts not yet invoiced for its month, saving progress after each.

    Each step is its own transaction with the row-level-security tenants set in it (the
    provider and its clients), so the run sees its rows under the application's own
    database role and the progress others read moves contract by contract."""
    with transaction.atomic():
        set_rls_tenants(billing_tenant_ids(tenant))
        run = BillingRun.objects.for_tenant(tenant).filter(pk=run_id).first()
        if run is None:
            raise NotFound("No such billing run.")
        contracts = contracts_to_bill(tenant, run.period, run.client_id)
        pending = _pending(tenant, run, contracts)
    if not pending and run.status == BillingRun.Status.DONE:
        return run  # nothing left to bill: a re-run writes nothing
    run.contracts_total = len(contracts)
    run.contracts_done = len(contracts) - len(pending)
    try:
        for contract in pending:
            if bill_contract(run=run, contract=contract, actor=actor):
                run.invoices_created += 1
            run.contracts_done += 1
            with transaction.atomic():
                set_rls_tenants([tenant.pk])
                run.save(update_fields=["contracts_total", "contracts_done", "invoices_created"])
            if progress is not None:
                progress(run)
    except DomainError as exc:
        _finish(run, actor, BillingRun.Status.FAILED, exc.message)
        raise
    _finish(run, actor, BillingRun.Status.DONE, "")
    return run


def _finish(run: BillingRun, actor: User | None, status: str, error: str) -> None:
    with transaction.atomic():
        set_rls_tenants([run.tenant_id])
        run.status = status
        run.error = error[:2000]
        run.finished_at = timezone.now()
        run.save(
            update_fields=["status", "error", "finished_at", "contracts_done", "contracts_total"]
        )
        events.record(tenant=run.tenant, actor=actor, event=events.run_finished(run))


def run_billing(
    *,
    tenant: Organization,
    actor: User | None,
    period: date,
    client_id: int | None = None,
    progress: Progress | None = None,
) -> BillingRun:
    """Bill a month for one client or all: start the run, then bill contract by contract."""
    run = start_run(tenant=tenant, actor=actor, period=period, client_id=client_id)
    return continue_run(tenant=tenant, actor=actor, run_id=run.pk, progress=progress)
