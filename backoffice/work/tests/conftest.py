"""Fixtures for the work engine: a catalogue, engagements for clients A and B, staff."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token
from backoffice.work.tests.factories import make_engagement, make_service_type


@pytest.fixture
def service_type(provider):
    return make_service_type(provider)


@pytest.fixture
def engagement_a(client_a, service_type):
    return make_engagement(client_a, service_type, code="eng-a")


@pytest.fixture
def engagement_b(client_b, service_type):
    return make_engagement(client_b, service_type, code="eng-b")


def _staff(username: str, role: str, *organizations: Organization) -> User:
    """A provider staff member with `role` in the provider and each client they serve."""
    user = UserFactory.create(username=username)
    for organization in organizations:
        make_member(organization, user, role)
    return user


@pytest.fixture
def agent(provider, client_a, client_b):
    """An agent of the provider who serves both clients."""
    return _staff("agent", Role.AGENT, provider, client_a, client_b)


@pytest.fixture
def agent_a_only(provider, client_a):
    return _staff("agent-a", Role.AGENT, provider, client_a)


@pytest.fixture
def agent_b_only(provider, client_b):
    return _staff("agent-b", Role.AGENT, provider, client_b)


@pytest.fixture
def lead(provider, client_a, client_b):
    return _staff("lead", Role.TEAM_LEAD, provider, client_a, client_b)


@pytest.fixture
def lead_a(provider, client_a):
    """A team lead of the provider who serves client A only."""
    return _staff("lead-a", Role.TEAM_LEAD, provider, client_a)


@pytest.fixture
def api_agent(agent, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(agent, provider)}"})


@pytest.fixture
def web_agent(agent):
    c = Client()
    c.force_login(agent)
    return c


@pytest.fixture
def web_lead(lead):
    c = Client()
    c.force_login(lead)
    return c


@pytest.fixture
def reviewer(provider, client_a, client_b):
    """A QA reviewer of the provider who serves both clients."""
    return _staff("reviewer", Role.QA_REVIEWER, provider, client_a, client_b)


@pytest.fixture
def reviewer_a_only(provider, client_a):
    return _staff("reviewer-a", Role.QA_REVIEWER, provider, client_a)
