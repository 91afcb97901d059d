"""Conversation fixtures: clients A and B, each with an engagement and an item; staff who
serve A, a client user and a client auditor of A; the client admins come from the root
conftest (alice of A, bob of B)."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work.tests.factories import make_engagement, make_service_type, submit


def staff(username: str, role: str, *organizations: Organization) -> User:
    user = UserFactory.create(username=username)
    for organization in organizations:
        make_member(organization, user, role)
    return user


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
def item_a(engagement_a):
    return submit(engagement_a, "INV-A-1")


@pytest.fixture
def item_b(engagement_b):
    return submit(engagement_b, "INV-B-1")


@pytest.fixture
def agent(provider, client_a):
    """An agent of the provider who serves client A (not B)."""
    return staff("agent", Role.AGENT, provider, client_a)


@pytest.fixture
def agent_b(provider, client_b):
    return staff("agent-b", Role.AGENT, provider, client_b)


@pytest.fixture
def carol(client_a):
    """A plain client user of client A."""
    user = UserFactory.create(username="carol")
    make_member(client_a, user, Role.CLIENT_USER)
    return user


@pytest.fixture
def auditor_a(client_a):
    """A client-side auditor of client A (reads everything there, posts nothing)."""
    user = UserFactory.create(username="audra")
    make_member(client_a, user, Role.AUDITOR)
    return user


def signed_in(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def web_agent(agent):
    return signed_in(agent)


@pytest.fixture
def web_carol(carol):
    return signed_in(carol)
