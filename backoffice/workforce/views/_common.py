"""What every workforce page shares: the caller, URLs, the RLS tenants a page reads under,
and the viewer's zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from backoffice.core.dates import zone_label
from backoffice.tenancy.selectors import TenantAccess
from backoffice.workforce import selectors

Errors = dict[str, list[str]]


def caller(request: Any) -> TenantAccess:
    access: TenantAccess = request.access
    return access


def read_tenants(access: TenantAccess) -> list[int]:
    return selectors.read_tenants(access)


def url(access: TenantAccess, name: str, **kwargs: Any) -> str:
    return reverse(f"workforce:{name}", kwargs={"tenant": access.tenant.slug, **kwargs})


def viewer_zone() -> ZoneInfo:
    zone = timezone.get_current_timezone()
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")


def viewer_today() -> date:
    return timezone.now().astimezone(viewer_zone()).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_hm(value: datetime, zone: str | ZoneInfo) -> str:
    z = ZoneInfo(zone) if isinstance(zone, str) else zone
    return value.astimezone(z).strftime("%H:%M")


def zone_name(zone: str | ZoneInfo) -> str:
    return zone_label(zone)


def field_errors(fields: dict[str, Any]) -> Errors:
    return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()}


def minutes_text(seconds: float) -> str:
    """Seconds as people read a duration: "7 h 30 min", "45 min"."""
    total = round(seconds / 60)
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def span(start: datetime, end: datetime, zone: str | ZoneInfo) -> str:
    """The stretch from `start` to `end` in `zone`, e.g. 09:00 to 17:00 with an en dash."""
    return f"{local_hm(start, zone)}–{local_hm(end, zone)}"
