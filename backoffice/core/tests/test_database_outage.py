"""A page the database could not serve answers 503 with Retry-After, in words, not a 500.

(The API's own catch-all handler in api/errors.py answers before this middleware sees the
exception; its change to call `unavailable_response` is pending there.)"""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError
from django.test import Client

from backoffice.core.middleware import UNAVAILABLE_MESSAGE


def _lost(*args: object, **kwargs: object) -> None:
    raise OperationalError("server closed the connection unexpectedly")


def _bug(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError


@pytest.fixture
def browser(user_a) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user_a)
    return client


@pytest.mark.django_db
def test_a_page_during_an_outage_says_try_again(monkeypatch, browser, client_a):
    monkeypatch.setattr("backoffice.tenancy.access.access_tenant", _lost)
    response = browser.get(f"/t/{client_a.slug}/ledger/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert UNAVAILABLE_MESSAGE.encode() in response.content
    assert "X-Request-ID" in response


@pytest.mark.django_db
def test_other_failures_stay_server_errors(monkeypatch, browser, client_a):
    monkeypatch.setattr("backoffice.tenancy.access.access_tenant", _bug)
    assert browser.get(f"/t/{client_a.slug}/ledger/").status_code == 500
