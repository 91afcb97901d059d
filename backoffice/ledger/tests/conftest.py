"""Ledger fixtures: finance people with tokens in client A and client B, books with charts."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.ledger.models import JournalEntry
from backoffice.ledger.services import post_journal_entry
from backoffice.ledger.tests.factories import entry, with_chart
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token


@pytest.fixture
def books_a(client_a) -> Organization:
    return with_chart(client_a)


@pytest.fixture
def books_b(client_b) -> Organization:
    return with_chart(client_b)


@pytest.fixture
def finance_a(client_a) -> User:
    user = UserFactory.create(username="fin-a")
    make_member(client_a, user, Role.FINANCE)
    return user


@pytest.fixture
def finance_b(client_b) -> User:
    user = UserFactory.create(username="fin-b")
    make_member(client_b, user, Role.FINANCE)
    return user


@pytest.fixture
def fin_a(finance_a, client_a, books_a) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(finance_a, client_a)}"})


@pytest.fixture
def fin_b(finance_b, client_b, books_b) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(finance_b, client_b)}"})


@pytest.fixture
def web_fin_a(finance_a, books_a) -> Client:
    c = Client()
    c.force_login(finance_a)
    return c


@pytest.fixture
def entry_b(books_b, finance_b) -> JournalEntry:
    """An entry in client B's books, the thing client A must never see."""
    return post_journal_entry(
        tenant=books_b,
        actor=finance_b,
        entry=entry("2026-03-02", ("1120", 777_00), ("4100", -777_00), memo="secret-b"),
    )
