"""Prometheus metrics at `/metrics`: request latency and errors by route, plus gauges read
from the database when Prometheus scrapes (queue depth and age, SLA risk, task queue lag,
database connections).

Counters and histograms live in each process. Under `backoffice serve` several worker
processes answer requests, so `serve` sets `PROMETHEUS_MULTIPROC_DIR` and the scrape merges
every process's files (prometheus-client's multiprocess mode). Gauges that describe the
database are computed at scrape time by the collectors apps register with
`register_scrape_collector` (a higher app adds its own; core does not import it).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from backoffice.core.rls import set_rls_bypass

REQUEST_SECONDS = Histogram(
    "backoffice_http_request_duration_seconds",
    "Time to answer a request, by route (the URL pattern, not the path).",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RESPONSES = Counter(
    "backoffice_http_responses_total",
    "Responses by route and status class (2xx, 4xx, 5xx).",
    ["method", "route", "status"],
)

ScrapeCollector = Callable[[], Iterable[GaugeMetricFamily]]
_scrape_collectors: list[ScrapeCollector] = []


def register_scrape_collector(collect: ScrapeCollector) -> None:
    """Add gauges computed from the database at each scrape (call from `AppConfig.ready`)."""
    if collect not in _scrape_collectors:
        _scrape_collectors.append(collect)


def count_after_commit(counter: Any, amount: float = 1) -> None:
    """Count what a transaction did only once it has committed (a rollback counts nothing)."""
    if amount:
        transaction.on_commit(lambda: counter.inc(amount))


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return str(match.route) if match is not None and match.route else "unmatched"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path != "/metrics":
            route, method = _route(request), request.method or "GET"
            REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)
            RESPONSES.labels(method, route, f"{response.status_code // 100}xx").inc()
        return response


class _DatabaseGauges(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily]:
        with transaction.atomic():
            set_rls_bypass()  # operators' view: every tenant, figures only, no content
            for collect in _scrape_collectors:
                yield from collect()


def task_queue_gauges() -> Iterable[GaugeMetricFamily]:
    """Jobs waiting in the database task queue and how long the oldest has waited."""
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.filter(status="READY")
    depth = GaugeMetricFamily("backoffice_task_queue_depth", "Background jobs waiting to run.")
    depth.add_metric([], ready.count())
    lag = GaugeMetricFamily(
        "backoffice_task_queue_lag_seconds", "How long the oldest waiting job has waited."
    )
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    from django.utils import timezone

    lag.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
    yield depth
    yield lag


def database_connection_gauges() -> Iterable[GaugeMetricFamily]:
    """PostgreSQL connections to this database by state (idle, active, idle in transaction)."""
    if connection.vendor != "postgresql":
        return
    family = GaugeMetricFamily(
        "backoffice_database_connections",
        "Connections to the database, by state.",
        labels=["state"],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() GROUP BY 1"
        )
        for state, count in cursor.fetchall():
            family.add_metric([state], count)
    yield family


register_scrape_collector(task_queue_gauges)
register_scrape_collector(database_connection_gauges)


def _allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")


def metrics_view(request: HttpRequest) -> HttpResponse:
    """The scrape: with METRICS_TOKEN set, only with `Authorization: Bearer <token>`;
    without it, only from this machine. Anyone else gets a plain 404."""
    if not _allowed(request):
        return HttpResponseNotFound("Not found")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(_DatabaseGauges())
    body += generate_latest(gauges)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
