"""A page the database could not serve answers 503 with Retry-After, in words, not a 500.

(The API's catch-all handler in api/errors.py answers the same: api/tests/test_api_outage.py.)"""

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


def test_an_outage_hidden_behind_another_error_is_recognised():
    """Django's session store, its load cut off, raises AttributeError on the next access:
    the lost connection is in the exception's context, and that is what counts."""
    from django.test import RequestFactory

    from backoffice.core.middleware import note_database_outage

    request = RequestFactory().get("/")
    try:
        try:
            raise OperationalError("connection failed")
        except OperationalError:
            raise AttributeError("'SessionStore' object has no attribute '_session_cache'")  # noqa: B904
    except AttributeError:
        note_database_outage(None, request=request)
    assert getattr(request, "_database_unavailable", False) is True

    other = RequestFactory().get("/")
    try:
        raise AttributeError("a plain bug")
    except AttributeError:
        note_database_outage(None, request=other)
    assert not hasattr(other, "_database_unavailable")
