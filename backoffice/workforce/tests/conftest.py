"""Workforce fixtures: a team lead and two agents of the provider, one in London, one in
Manila."""

from __future__ import annotations

import pytest

from backoffice.tenancy.roles import Role
from backoffice.workforce.tests import factories as f


@pytest.fixture
def lead(provider):
    return f.person(provider, "lena", Role.TEAM_LEAD, name="Lena Lead")


@pytest.fixture
def london(provider):
    return f.agent(provider, "ahmed")


@pytest.fixture
def manila(provider):
    return f.agent(provider, "maria", zone="Asia/Manila", country="PH", team="Manila")


@pytest.fixture
def lead_access(lead, provider):
    return f.access_of(lead, provider)
