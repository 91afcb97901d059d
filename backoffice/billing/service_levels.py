"""Service levels measured over a billing month, from the same records as the work reports.

* On time: the engagement's items done in the period (by completion, in the contract's
  zone) that were done by their SLA due time (`sla_due_at`, which the SLA clock moves on
  for paused time), over all of them.
* Field accuracy: QA reviews made in the period, fields correct over fields reviewed,
  exactly the query and the period rule (`metrics.Period`) of the team lead's accuracy
  report, so the credit and the report show the same figure.
A period with nothing to measure meets its level (no credit for no work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from backoffice.billing.metering import month_end
from backoffice.billing.models import ServiceLevelMetric
from backoffice.work import metrics
from backoffice.work.models import QaReview, State, WorkItem


@dataclass(frozen=True)
class Measured:
    good: int
    total: int

    @property
    def percent(self) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(100) * self.good / self.total).quantize(Decimal("0.001"))

    def meets(self, target: Decimal) -> bool:
        return self.total == 0 or Decimal(100) * self.good >= target * self.total


def month(period: date, tz: str) -> metrics.Period:
    return metrics.Period(period, month_end(period), tz)


def measure(*, client_id: int, engagement_id: int, metric: str, period: date, tz: str) -> Measured:
    lo, hi = month(period, tz).bounds()
    if metric == ServiceLevelMetric.ON_TIME:
        got = (
            WorkItem.objects.for_tenant(client_id)
            .filter(
                engagement_id=engagement_id,
                state=State.DONE,
                completed_at__gte=lo,
                completed_at__lt=hi,
            )
            .aggregate(
                total=Count("id"), good=Count("id", filter=Q(completed_at__lte=F("sla_due_at")))
            )
        )
        return Measured(got["good"] or 0, got["total"] or 0)
    got = (
        QaReview.objects.for_tenant(client_id)
        .filter(engagement_id=engagement_id, reviewed_at__gte=lo, reviewed_at__lt=hi)
        .aggregate(reviewed=Sum("fields_reviewed"), correct=Sum("fields_correct"))
    )
    return Measured(got["correct"] or 0, got["reviewed"] or 0)
