"""OpenTelemetry tracing, off unless the `TRACING` setting turns it on.

`TRACING=otlp` sends spans over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (default
http://localhost:4318; OpenTelemetry's own environment variables apply: headers, timeout,
`OTEL_SERVICE_NAME`, sampling with `OTEL_TRACES_SAMPLER`); `TRACING=console` prints them.
Every request becomes a span named by its URL pattern (never the raw path), carrying the
request id, the tenant's slug and the user's id; health checks, metrics and static files are
left out. The structured log line of a request carries its `trace_id`, so a slow request's log
line leads to its trace. Off, nothing is imported and requests pay nothing.

Configured once per process from `CoreConfig.ready()`; gunicorn workers fork after it, and
the batch span processor starts its thread again in each child.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

EXCLUDED_URLS = "healthz,readyz,metrics,static/,favicon.ico"
_configured: dict[str, Any] = {}


def tracing_mode() -> str:
    """The `TRACING` setting ('' = off, 'otlp', 'console'); the environment when unset."""
    mode = getattr(settings, "TRACING", None)
    if mode is None:
        mode = os.environ.get("TRACING", "")
    return str(mode).strip().lower()


def setup_tracing(exporter: Any = None) -> Any:
    """Instrument Django when tracing is on; the tracer provider, or None when off.

    `exporter` replaces the configured one (tests pass an in-memory exporter); spans are then
    handed over as each ends, so a test sees them at once.
    """
    mode = tracing_mode()
    if mode in ("", "off", "none", "false", "0") and exporter is None:
        return None
    if "provider" in _configured:
        return _configured["provider"]
    from opentelemetry import trace
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "backoffice")})
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        provider.add_span_processor(BatchSpanProcessor(_exporter(mode)))
        trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(
        tracer_provider=provider,
        excluded_urls=EXCLUDED_URLS,
        response_hook=_describe,
    )
    _configured["provider"] = provider
    return provider


def teardown_tracing() -> None:
    """Undo `setup_tracing` (tests): the middleware leaves the settings, spans stop."""
    provider = _configured.pop("provider", None)
    if provider is None:
        return
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    DjangoInstrumentor().uninstrument()
    provider.shutdown()


def _exporter(mode: str) -> Any:
    if mode == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if mode == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"TRACING is {mode!r}: use 'otlp' (an OpenTelemetry collector), 'console' or nothing."
    )


def _describe(span: Any, request: HttpRequest, response: HttpResponse) -> None:
    """What a trace viewer needs to find the request again: its id, tenant and user."""
    if not span.is_recording():
        return
    request_id = getattr(request, "request_id", None)
    if request_id:
        span.set_attribute("backoffice.request_id", request_id)
    tenant = getattr(request, "tenant", None)
    if tenant is not None:
        span.set_attribute("backoffice.tenant", tenant.slug)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        span.set_attribute("enduser.id", str(user.pk))


def current_trace_id() -> str | None:
    """The trace id of the span in progress, as hex (None when tracing is off)."""
    if "provider" not in _configured:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
