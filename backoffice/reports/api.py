"""Reports API: the same figures as the report pages, as JSON.

`GET /api/v1/reports/{report}` with the pages' filters (`start`, `end` as local dates of the
caller's zone, both included; `client` slug, `engagement` id, `team`). Each answer names
its columns and gives one object per row with those keys (and a few more where useful,
such as `engagement_id`), and the totals. Provider staff with `reports.view` only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from backoffice.core.rls import set_rls_tenants
from backoffice.reports import selectors
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["reports"])

Kind = Literal["sla", "backlog", "throughput", "productivity", "quality", "adherence"]


class ReportOut(Schema):
    report: str = Field(..., description="Which report")
    title: str
    start: dt.date = Field(..., description="First local date of the period")
    end: dt.date = Field(..., description="Last local date of the period (included)")
    columns: list[str] = Field(..., description="The row keys, in the downloads' order")
    rows: list[dict[str, Any]]
    totals: dict[str, Any]


@router.get("/{report}", response=ReportOut)
def get_report(
    request: HttpRequest,
    report: Kind,
    start: str = "",
    end: str = "",
    client: str = "",
    engagement: str = "",
    team: str = "",
) -> dict[str, Any]:
    """One operations report over a period: `sla` (attainment by client, engagement and
    month), `backlog` (open items by age and due time, now), `throughput` (per day or
    week), `productivity` and `quality` (per agent), `adherence` (per agent, ≤ 7 days)."""
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    selectors.require_reader(access)
    params = {"start": start, "end": end, "client": client, "engagement": engagement}
    params["team"] = team
    today = timezone.localdate(timezone.now(), ZoneInfo(access.user.timezone or "UTC"))
    with transaction.atomic():
        set_rls_tenants(selectors.rls_tenant_ids(access))
        f = selectors.parse_filters(access, params, today=today)
        found = selectors.build(access, report, f)
    return {
        "report": found.kind,
        "title": found.title,
        "start": f.start,
        "end": f.end,
        "columns": found.columns,
        "rows": found.rows,
        "totals": found.totals,
    }
