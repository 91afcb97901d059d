"""Fiscal years and their monthly periods, the period lock, and the guard every posting
passes: no posting into a locked period."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from backoffice.core.dates import check_year
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger import events
from backoffice.ledger.error_codes import ErrorCode
from backoffice.ledger.models import FiscalYear, Period
from backoffice.tenancy.models import Organization, User


def _months(year: int, start_month: int) -> list[tuple[date, date]]:
    """Twelve (first day, last day) pairs from the first of `start_month` in `year`."""
    months = []
    y, m = year, start_month
    for _ in range(12):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        months.append((date(y, m, 1), date.fromordinal(date(ny, nm, 1).toordinal() - 1)))
        y, m = ny, nm
    return months


def create_fiscal_year(
    *, tenant: Organization, actor: User | None, year: int, start_month: int = 1
) -> FiscalYear:
    """A fiscal year of twelve monthly periods starting on the first of `start_month`."""
    check_year(year)
    if not 1 <= start_month <= 12:
        raise DomainError("Start month is 1 to 12.", fields={"start_month": ["1 to 12"]})
    months = _months(year, start_month)
    start, end = months[0][0], months[-1][1]
    name = f"FY{year}" if start_month == 1 else f"FY{year}/{(year + 1) % 100:02d}"
    with transaction.atomic():
        if FiscalYear.objects.for_tenant(tenant).filter(start__lte=end, end__gte=start).exists():
            raise Conflict("Fiscal years may not overlap.", fields={"year": ["overlaps"]})
        fy = FiscalYear.objects.create(tenant=tenant, name=name, start=start, end=end)
        Period.objects.bulk_create(
            [
                Period(tenant=tenant, fiscal_year=fy, name=f"{s:%Y-%m}", start=s, end=e)
                for s, e in months
            ]
        )
        events.record(tenant=tenant, actor=actor, event=events.fiscal_year_created_event(fy))
    return fy


def set_period_lock(
    *, tenant: Organization, actor: User | None, period_id: int, locked: bool
) -> Period:
    """Lock or unlock a period (finance role; the caller checks Perm.LOCK_PERIODS)."""
    with transaction.atomic():
        period = Period.objects.for_tenant(tenant).select_for_update().filter(pk=period_id).first()
        if period is None:
            raise NotFound("No such period.")
        if period.is_locked == locked:
            return period
        period.is_locked = locked
        period.locked_at = timezone.now() if locked else None
        period.locked_by = actor if locked and actor is not None else None
        period.save(update_fields=["is_locked", "locked_at", "locked_by"])
        events.record(tenant=tenant, actor=actor, event=events.period_lock_set_event(period))
    return period


# --- the posting guard ----------------------------------------------------------------


def locked_period(tenant: Organization, first: date, last: date | None = None) -> str | None:
    """The first locked period in [first, last], if any; on PostgreSQL the periods' rows
    are held (FOR SHARE) so that a concurrent lock waits for this posting to commit."""
    last = last or first
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, is_locked FROM ledger_period WHERE tenant_id = %s AND start <= %s "
                'AND "end" >= %s ORDER BY id FOR SHARE',
                [tenant.pk, last, first],
            )
            rows = cursor.fetchall()
    else:
        rows = list(
            Period.objects.for_tenant(tenant)
            .filter(start__lte=last, end__gte=first)
            .values_list("name", "is_locked")
        )
    return next((name for name, is_locked in rows if is_locked), None)


def period_locked_error(name: str) -> DomainError:
    return DomainError(
        f"Period {name} is locked.",
        code=ErrorCode.PERIOD_LOCKED,
        fields={"date": [f"period {name} is locked"]},
    )


def guard_period(tenant: Organization, first: date, last: date | None = None) -> None:
    """Refuse a posting dated in a locked period (and hold the periods' rows)."""
    locked = locked_period(tenant, first, last)
    if locked is not None:
        raise period_locked_error(locked)
