"""The work engine's Prometheus figures: claims and intake as counters, and at each scrape
the queue depth and age per engagement and the SLA risk counts (aggregates, no content)."""

from collections.abc import Iterable

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from backoffice.core.metrics import register_scrape_collector
from backoffice.work.models import CLAIMABLE_STATES, State, WorkItem

CLAIMS = Counter("backoffice_work_claims_total", "Items claimed by agents (claim-next).")
INTAKE_ROWS = Counter("backoffice_work_intake_items_total", "Work items written by intake.")

_OPEN = [s for s in State.values if s not in (State.DONE, State.CANCELLED)]


def work_gauges() -> Iterable[GaugeMetricFamily]:
    now = timezone.now()
    labels = ["tenant", "engagement"]
    depth = GaugeMetricFamily(
        "backoffice_work_queue_depth", "Items waiting for an agent.", labels=labels
    )
    age = GaugeMetricFamily(
        "backoffice_work_queue_oldest_seconds",
        "How long the oldest waiting item has waited since it was received.",
        labels=labels,
    )
    rows = (
        WorkItem.objects.unscoped("operators' figures across tenants")
        .filter(state__in=CLAIMABLE_STATES)
        .values("tenant__slug", "engagement_id")
        .annotate(n=Count("id"), oldest=Min("received_at"))
        .order_by()
    )
    for row in rows:
        key = [row["tenant__slug"], str(row["engagement_id"])]
        depth.add_metric(key, row["n"])
        age.add_metric(key, (now - row["oldest"]).total_seconds())
    risk = GaugeMetricFamily(
        "backoffice_work_sla_items",
        "Open items at risk of missing their due time, and past it.",
        labels=[*labels, "status"],
    )
    flagged = (
        WorkItem.objects.unscoped("operators' figures across tenants")
        .filter(state__in=_OPEN)
        .filter(Q(at_risk=True) | Q(breached=True))
        .values("tenant__slug", "engagement_id")
        .annotate(
            at_risk=Count("id", filter=Q(at_risk=True, breached=False)),
            breached=Count("id", filter=Q(breached=True)),
        )
        .order_by()
    )
    for row in flagged:
        key = [row["tenant__slug"], str(row["engagement_id"])]
        risk.add_metric([*key, "at_risk"], row["at_risk"])
        risk.add_metric([*key, "breached"], row["breached"])
    yield depth
    yield age
    yield risk


register_scrape_collector(work_gauges)  # the claim and intake services import this module
