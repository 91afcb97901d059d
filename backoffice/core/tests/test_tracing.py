"""OpenTelemetry tracing: off by default; with the setting on, a request produces a span."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from backoffice.core import tracing


@pytest.fixture
def spans(settings):
    settings.TRACING = "console"
    exporter = InMemorySpanExporter()
    assert tracing.setup_tracing(exporter=exporter) is not None
    yield exporter
    tracing.teardown_tracing()


def test_tracing_is_off_by_default(settings, monkeypatch):
    monkeypatch.delenv("TRACING", raising=False)
    settings.TRACING = ""
    assert tracing.setup_tracing() is None
    assert "opentelemetry" not in " ".join(settings.MIDDLEWARE)


def test_a_request_produces_a_span_named_by_its_route(spans, web_a, client_a):
    response = web_a.get(f"/t/{client_a.slug}/ledger/")
    assert response.status_code == 200
    [span] = [s for s in spans.get_finished_spans() if s.kind.name == "SERVER"]
    assert span.name == "GET t/<slug:tenant>/ledger/"  # the pattern, never the raw path
    assert span.attributes["http.route"] == "t/<slug:tenant>/ledger/"
    assert span.attributes["backoffice.request_id"] == response["X-Request-ID"]
    assert span.attributes["backoffice.tenant"] == client_a.slug
    assert span.attributes["enduser.id"] == str(web_a.session["_auth_user_id"])


def test_health_checks_make_no_spans(spans, client):
    assert client.get("/healthz").status_code == 200
    assert spans.get_finished_spans() == ()


def test_an_unknown_exporter_is_refused_in_words(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TRACING = "jaeger"
    with pytest.raises(ImproperlyConfigured, match="use 'otlp'"):
        tracing.setup_tracing()
    tracing.teardown_tracing()
