"""An API call the database could not serve answers 503 with Retry-After and the error body,
not a 500; any other failure stays a 500."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError


def _lost(*args: object, **kwargs: object) -> None:
    raise OperationalError("server closed the connection unexpectedly")


def _bug(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError


@pytest.mark.django_db
def test_the_api_during_an_outage_says_try_again(monkeypatch, api_a):
    monkeypatch.setattr("backoffice.tenancy.api._access", _lost)
    response = api_a.get("/api/v1/me")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"


@pytest.mark.django_db
def test_other_api_failures_stay_server_errors(monkeypatch, api_a):
    monkeypatch.setattr("backoffice.tenancy.api._access", _bug)
    response = api_a.get("/api/v1/me")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
