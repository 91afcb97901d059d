"""/metrics: what an operator's Prometheus reads, and who may read it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from backoffice.work.services import claim_next_item
from backoffice.work.tests.factories import submit


def _sample(body: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the text exposition format (None when absent)."""
    for line in body.splitlines():
        if not line.startswith(name + ("{" if labels else " ")):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.django_db(transaction=True)
def test_metrics_show_queue_depth_claims_and_request_latency(engagement_a, agent, web_agent):
    for n in range(3):
        submit(engagement_a, f"m-{n}")
    before = _sample(Client().get("/metrics").content.decode(), "backoffice_work_claims_total")
    assert claim_next_item(agent=agent) is not None
    web_agent.get(f"/t/{engagement_a.tenant.slug}/work/")

    response = Client().get("/metrics")  # the test client comes from 127.0.0.1
    assert response.status_code == 200
    body = response.content.decode()
    key = {"tenant": engagement_a.tenant.slug, "engagement": str(engagement_a.pk)}
    assert _sample(body, "backoffice_work_queue_depth", **key) == 2
    assert (_sample(body, "backoffice_work_queue_oldest_seconds", **key) or -1) >= 0
    assert _sample(body, "backoffice_work_claims_total") == (before or 0) + 1
    assert _sample(body, "backoffice_task_queue_depth") is not None
    # latency is labelled by the URL pattern, never by the path with its ids and slugs
    assert 'route="t/<slug:tenant>/work/"' in body
    assert engagement_a.tenant.slug not in "".join(
        line for line in body.splitlines() if "http_request_duration" in line
    )


@pytest.mark.django_db
def test_metrics_need_the_token_when_one_is_set(settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    Client().get("/healthz")
    assert Client().get("/metrics").status_code == 404
    wrong = Client().get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    right = Client().get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert right.status_code == 200
    body = right.content.decode()
    assert re.search(
        r'^backoffice_http_responses_total\{method="GET",route="healthz",status="2xx"\}', body, re.M
    )


@pytest.mark.django_db
def test_metrics_are_not_served_to_other_machines_without_a_token():
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
