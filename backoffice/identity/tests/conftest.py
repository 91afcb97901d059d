import pytest
from django.core.cache import cache

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(provider):
    user = UserFactory.create(username="sam")
    make_member(provider, user, Role.OPERATIONS_MANAGER)
    return user
