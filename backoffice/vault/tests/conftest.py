"""Fixtures of the vault's tests: an engagement whose schema marks three fields sensitive."""

from __future__ import annotations

import pytest

from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.vault import keys
from backoffice.work.tests.factories import make_engagement, make_service_type

SENSITIVE_INPUT = {
    "type": "object",
    "properties": {
        "claimant": {"type": "string", "minLength": 1, "x-sensitive": "pii", "x-search": True},
        "policy_number": {"type": "string", "minLength": 1, "x-sensitive": "pii", "x-search": True},
        "bank_account": {"type": "string", "x-sensitive": "payment"},
        "amount": {"type": "number", "minimum": 0},
    },
    "required": ["claimant", "policy_number", "amount"],
    "x-order": ["claimant", "policy_number", "bank_account", "amount"],
    "additionalProperties": False,
}
SENSITIVE_OUTPUT = {
    "type": "object",
    "properties": {
        "diagnosis": {"type": "string", "minLength": 1, "x-sensitive": "phi"},
        "decision": {"type": "string", "enum": ["pay", "refuse"]},
    },
    "required": ["diagnosis", "decision"],
}
CLAIMANT = "Zebulon Quixote-Marchetti"
POLICY = "POL-77-31415926"
IBAN = "DE89370400440532013000"
DIAGNOSIS = "Fractured left tibia, Gustilo IIIb"


@pytest.fixture(autouse=True)
def _fresh_keyrings():
    keys.forget()
    yield
    keys.forget()


@pytest.fixture
def claims_type(provider):
    return make_service_type(
        provider,
        code="claims",
        input_schema=SENSITIVE_INPUT,
        output_schema=SENSITIVE_OUTPUT,
    )


@pytest.fixture
def claims(client_a, claims_type):
    return make_engagement(client_a, claims_type, code="claims-a")


@pytest.fixture
def claims_b(client_b, claims_type):
    return make_engagement(client_b, claims_type, code="claims-b")


def _staff(username: str, role: str, *orgs) -> User:
    user = UserFactory.create(username=username)
    for org in orgs:
        make_member(org, user, role)
    return user


@pytest.fixture
def agent(provider, client_a, client_b):
    return _staff("agent", Role.AGENT, provider, client_a, client_b)


@pytest.fixture
def other_agent(provider, client_a):
    return _staff("agent2", Role.AGENT, provider, client_a)


@pytest.fixture
def lead(provider, client_a):
    return _staff("lead", Role.TEAM_LEAD, provider, client_a)


@pytest.fixture
def qa(provider, client_a):
    return _staff("qa", Role.QA_REVIEWER, provider, client_a)


@pytest.fixture
def client_user(client_a):
    return _staff("cuser", Role.CLIENT_USER, client_a)


def claim_data(n: int = 0, **extra):
    return {
        "claimant": CLAIMANT if n == 0 else f"{CLAIMANT} {n}",
        "policy_number": POLICY if n == 0 else f"{POLICY}-{n}",
        "bank_account": IBAN,
        "amount": 100 + n,
        **extra,
    }
