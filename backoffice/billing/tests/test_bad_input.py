"""Bad input: a clear error in words, and nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from backoffice.audit.models import AuditEvent
from backoffice.billing import services
from backoffice.billing.error_codes import ErrorCode
from backoffice.billing.models import (
    BillingInvoice,
    BillingRun,
    Charge,
    Contract,
    ContractVersion,
)
from backoffice.billing.services import ChargeIn, TierIn
from backoffice.billing.tests import factories as f
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger.models import Period
from backoffice.ledger.services import create_fiscal_year, set_period_lock

pytestmark = pytest.mark.django_db


def _written(provider) -> tuple[int, ...]:
    return (
        Contract.objects.for_tenant(provider).count(),
        ContractVersion.objects.for_tenant(provider).count(),
        Charge.objects.for_tenant(provider).count(),
        BillingRun.objects.for_tenant(provider).count(),
        BillingInvoice.objects.for_tenant(provider).count(),
        AuditEvent.objects.for_tenant(provider).count(),
    )


def _refused(provider, call, code: str, words: str) -> DomainError:
    before = _written(provider)
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code
    assert words in caught.value.message + " ".join(
        " ".join(v) for v in caught.value.fields.values()
    )
    assert _written(provider) == before
    return caught.value


def _items(*tiers: tuple[int, int | None, int]) -> list[ChargeIn]:
    return [
        ChargeIn(
            "items", "Items", "items", "graduated", tiers=[TierIn(a, b, r) for a, b, r in tiers]
        )
    ]


def test_overlapping_versions_are_refused(plain):
    p = plain.tenant
    err = _refused(
        p, lambda: f.version(plain, "2026-06-01", charges=_items((0, None, 5))),
        ErrorCode.VERSIONS_OVERLAP, "overlap version 1",
    )  # fmt: skip
    assert "effective_from" in err.fields


@pytest.mark.parametrize(
    ("tiers", "words"),
    [
        (((0, 10, 5), (11, None, 4)), "a gap"),
        (((0, 10, 5), (8, None, 4)), "an overlap"),
        (((0, 10, 5), (10, 20, 4)), "the last tier must be open-ended"),
        (((5, None, 4),), "tier 1 starts at 5, not 0"),
        (((0, None, -1),), "prices cannot be negative"),
    ],
)
def test_unsound_tiers_are_refused(plain, tiers, words):
    v = plain.versions.get()
    services.end_version(
        tenant=plain.tenant, actor=None, version_id=v.pk, effective_to=date(2026, 5, 31)
    )
    _refused(
        plain.tenant, lambda: f.version(plain, "2026-06-01", charges=_items(*tiers)),
        ErrorCode.INVALID_RATE_CARD, words,
    )  # fmt: skip


def test_negative_fees_and_rates_are_refused(plain):
    v = plain.versions.get()
    services.end_version(
        tenant=plain.tenant, actor=None, version_id=v.pk, effective_to=date(2026, 5, 31)
    )
    _refused(
        plain.tenant,
        lambda: f.version(plain, "2026-06-01", minimum_commitment=-1,
                          charges=[ChargeIn("x", "X", "items", unit_rate=-5)]),
        ErrorCode.INVALID_RATE_CARD, "not negative",
    )  # fmt: skip


def test_a_contract_in_a_currency_the_clients_books_lack(provider_books, client_a, eng_a):
    # Client A keeps its books here in EUR and has no USD rate.
    _refused(
        provider_books, lambda: f.contract(provider_books, client_a, [eng_a], currency="USD"),
        ErrorCode.CURRENCY_NOT_IN_CLIENT_BOOKS, "no exchange rate for USD",
    )  # fmt: skip


def test_a_locked_period_is_refused(plain, eng_a):
    p = plain.tenant
    create_fiscal_year(tenant=p, actor=None, year=2026)
    march = Period.objects.for_tenant(p).get(start=date(2026, 3, 1))
    set_period_lock(tenant=p, actor=None, period_id=march.pk, locked=True)
    f.done_item(eng_a, "x", f.berlin("2026-03-03T10:00"))
    _refused(
        p, lambda: services.run_billing(tenant=p, actor=None, period=date(2026, 3, 1)),
        ErrorCode.PERIOD_LOCKED, "locked",
    )  # fmt: skip


def test_another_tenants_rate_card_pieces_are_refused(plain, eng_b, client_b, provider_books):
    """A charge or service level on client B's engagement, client B's engagement on client
    A's contract, another client's calendar: refused, nothing written."""
    v = plain.versions.get()
    p = plain.tenant
    services.end_version(tenant=p, actor=None, version_id=v.pk, effective_to=date(2026, 5, 31))
    charge = [ChargeIn("x", "X", "items", unit_rate=5, engagement_id=eng_b.pk)]
    _refused(
        p, lambda: f.version(plain, "2026-06-01", charges=charge),
        ErrorCode.INVALID_RATE_CARD, "not an engagement of this contract",
    )  # fmt: skip
    level = [services.ServiceLevelIn(eng_b.pk, "on_time", 95, 50)]
    _refused(
        p, lambda: f.version(plain, "2026-06-01", service_levels=level),
        ErrorCode.INVALID_RATE_CARD, "not an engagement of this contract",
    )  # fmt: skip
    _refused(
        p, lambda: f.contract(p, plain.client, [eng_b], code="c2", currency="EUR"),
        ErrorCode.INVALID_CONTRACT, "not engagements of this client",
    )  # fmt: skip
    with pytest.raises(NotFound):
        services.add_version(
            tenant=client_b, actor=None, contract_id=plain.pk, effective_from=date(2026, 6, 1)
        )


def test_an_engagement_is_billed_by_one_contract(plain, eng_a):
    before = _written(plain.tenant)
    with pytest.raises(Conflict) as caught:
        f.contract(plain.tenant, plain.client, [eng_a], code="again", currency="EUR")
    assert caught.value.code == ErrorCode.ENGAGEMENT_COVERED
    assert _written(plain.tenant) == before


def test_approving_twice_and_issuing_unapproved(plain, eng_a):
    p = plain.tenant
    f.done_item(eng_a, "x", f.berlin("2026-03-03T10:00"))
    services.run_billing(tenant=p, actor=None, period=date(2026, 3, 1))
    inv = BillingInvoice.objects.for_tenant(p).get()
    with pytest.raises(DomainError) as caught:
        services.issue_invoice(tenant=p, actor=None, invoice_id=inv.pk)
    assert caught.value.code == ErrorCode.NOT_APPROVED
    services.approve_invoice(tenant=p, actor=None, invoice_id=inv.pk)
    before = _written(p)
    with pytest.raises(Conflict) as caught:
        services.approve_invoice(tenant=p, actor=None, invoice_id=inv.pk)
    assert caught.value.code == ErrorCode.ALREADY_APPROVED
    assert _written(p) == before


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_overlapping_versions_written_past_the_service(plain):
    v = plain.versions.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractVersion.objects.create(
            tenant=plain.tenant, client=plain.client, contract=plain, number=v.number + 1,
            effective_from=date(2026, 3, 1),
        )  # fmt: skip
