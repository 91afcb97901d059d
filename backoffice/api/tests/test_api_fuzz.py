"""The contract check of the test command: schemathesis over every operation of the API,
with a fixed seed and a budget that fits CI (see `fuzz.py`; the long run is bench/api_fuzz.py)."""

from __future__ import annotations

import pytest

from backoffice.api.tests import fuzz
from backoffice.tenancy.tests.factories import make_token


@pytest.fixture
def fuzz_token(provider_admin, client_a) -> str:
    """A provider admin's token in client A, whose books, work and commerce have data."""
    fuzz.seed_tenant(client_a)
    return make_token(provider_admin, client_a)


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_contract_violation(fuzz_token):
    report = fuzz.run(fuzz_token, fuzz.Budget())
    print(report.summary())
    problems = report.failures + report.errors
    assert not problems, f"{report.summary()}\n\n" + "\n".join(problems)
    assert len(report.tested) == report.operations, report.summary()
