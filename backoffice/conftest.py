"""Shared test fixtures: a provider with two clients and people in each role."""

from __future__ import annotations

import shutil

import pytest
from django.test import Client

from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import (
    ClientOrgFactory,
    ProviderFactory,
    UserFactory,
    make_member,
    make_token,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def provider(db) -> Organization:
    return ProviderFactory.create()


@pytest.fixture
def client_a(provider) -> Organization:
    return ClientOrgFactory.create(provider=provider, slug="client-a", name="Client A")


@pytest.fixture
def client_b(provider) -> Organization:
    return ClientOrgFactory.create(provider=provider, slug="client-b", name="Client B")


@pytest.fixture
def user_a(client_a) -> User:
    """A client admin of client A only."""
    user = UserFactory.create(username="alice")
    make_member(client_a, user, Role.CLIENT_ADMIN)
    return user


@pytest.fixture
def user_b(client_b) -> User:
    user = UserFactory.create(username="bob")
    make_member(client_b, user, Role.CLIENT_ADMIN)
    return user


@pytest.fixture
def provider_admin(provider) -> User:
    user = UserFactory.create(username="padmin", is_staff=True)
    make_member(provider, user, Role.PROVIDER_ADMIN)
    return user


@pytest.fixture
def web_a(user_a) -> Client:
    c = Client()
    c.force_login(user_a)
    return c


@pytest.fixture
def token_a(user_a, client_a) -> str:
    return make_token(user_a, client_a)


@pytest.fixture
def token_b(user_b, client_b) -> str:
    return make_token(user_b, client_b)


@pytest.fixture
def api_a(token_a) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_a}"})


@pytest.fixture
def api_b(token_b) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_b}"})


@pytest.fixture(autouse=True)
def _migration_data_after_flush(request: pytest.FixtureRequest) -> None:
    """A transactional test ends with a flush, which empties what data migrations wrote (the
    ISO 4217 currencies). Each transactional test starts with them back, whatever ran before
    it in the same worker (cheaper and sturdier than serialized rollback)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    migration = importlib.import_module("backoffice.ledger.migrations.0002_currencies_and_triggers")
    migration.seed_currencies(apps, None)


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI names the database it means to test; a silent fallback would fake a green run."""
    import os

    from django.conf import settings

    expected = os.environ.get("BACKOFFICE_EXPECT_DB")
    engine = settings.DATABASES["default"]["ENGINE"]
    if expected and expected not in engine:
        raise pytest.UsageError(f"expected a {expected} database, settings give {engine}")


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; our DB work happens outside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        yield page
        browser.close()
