"""Fixtures for the work engine: a catalogue, engagements for clients A and B, staff."""

from __future__ import annotations

import pytest
from django.test import Client

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


@pytest.fixture
def agent(provider, client_a, client_b):
    """An agent of the provider who serves both clients."""
    user = UserFactory.create(username="agent")
    make_member(provider, user, Role.AGENT)
    make_member(client_a, user, Role.AGENT)
    make_member(client_b, user, Role.AGENT)
    return user


@pytest.fixture
def agent_a_only(provider, client_a):
    user = UserFactory.create(username="agent-a")
    make_member(provider, user, Role.AGENT)
    make_member(client_a, user, Role.AGENT)
    return user


@pytest.fixture
def lead(provider, client_a, client_b):
    user = UserFactory.create(username="lead")
    make_member(provider, user, Role.TEAM_LEAD)
    make_member(client_a, user, Role.TEAM_LEAD)
    make_member(client_b, user, Role.TEAM_LEAD)
    return user


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
    user = UserFactory.create(username="reviewer")
    make_member(provider, user, Role.QA_REVIEWER)
    make_member(client_a, user, Role.QA_REVIEWER)
    make_member(client_b, user, Role.QA_REVIEWER)
    return user


@pytest.fixture
def reviewer_a_only(provider, client_a):
    user = UserFactory.create(username="reviewer-a")
    make_member(provider, user, Role.QA_REVIEWER)
    make_member(client_a, user, Role.QA_REVIEWER)
    return user
