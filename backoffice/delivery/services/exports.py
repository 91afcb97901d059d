"""Results exports: what a person asks for is checked and recorded here; the file itself
is streamed from the finished items each time it is downloaded (`stream_export`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, transaction

from backoffice.core.dates import date_problem
from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.delivery import events, exporting, selectors
from backoffice.delivery.error_codes import ErrorCode
from backoffice.delivery.models import ExportFormat, ResultsExport
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, code=ErrorCode.INVALID_EXPORT, fields={field: [message]})


def _zone(access: TenantAccess) -> ZoneInfo:
    try:
        return ZoneInfo(access.user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _period(access: TenantAccess, first: Any, last: Any) -> tuple[datetime, datetime]:
    """[first day 00:00, the day after the last 00:00) in the viewer's zone."""
    for field, value in (("date_from", first), ("date_to", last)):
        problem = date_problem(value)
        if problem:
            words = "From" if field == "date_from" else "Until"
            raise _invalid(field, f"{words}: {problem}.")
    if last < first:
        raise _invalid("date_to", "The last day comes before the first.")
    zone = _zone(access)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def create_export(
    *,
    access: TenantAccess,
    engagement_id: int | str | None,
    fmt: str,
    batch_id: int | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ResultsExport:
    """Record an export of a batch's finished items, or of an engagement's over a period.

    Give a batch, or the first and last day (in the viewer's zone), never both. The
    engagement may be left out with a batch (the batch names it)."""
    access.require(Perm.VIEW_WORK)
    if fmt not in ExportFormat.values:
        raise _invalid("format", "Choose CSV, JSON Lines or Excel.")
    batch = selectors.access_batch_by_id(access, batch_id) if batch_id not in (None, "") else None
    if batch is not None:
        engagement = batch.engagement
        if engagement_id not in (None, "") and str(engagement_id) != str(engagement.pk):
            raise _invalid("batch_id", "This batch belongs to another engagement.")
        if date_from is not None or date_to is not None:
            raise _invalid("batch_id", "Choose a batch or a period, not both.")
        period = None
    else:
        if engagement_id in (None, ""):
            raise _invalid("engagement_id", "Choose the engagement whose results you want.")
        engagement = selectors.access_engagement_by_id(access, engagement_id)  # type: ignore[arg-type]
        if date_from is None and date_to is None:
            raise _invalid("date_from", "Choose a batch, or the first and last day.")
        period = _period(access, date_from, date_to)
    with transaction.atomic():
        set_rls_tenants(selectors.read_tenant_ids(access))
        count = selectors.finished_items(engagement=engagement, batch=batch, period=period).count()
        export = ResultsExport.objects.create(
            tenant_id=engagement.tenant_id,
            engagement=engagement,
            batch=batch,
            period_start=period[0] if period else None,
            period_end=period[1] if period else None,
            format=fmt,
            item_count=count,
            created_by=access.user,
        )
        events.record(
            tenant=engagement.tenant_id, actor=access.user, event=events.export_created(export)
        )
    return export


@dataclass
class ExportFile:
    filename: str
    content_type: str
    chunks: Iterator[bytes] | None = None  # CSV, JSON Lines
    file: Any = None  # XLSX: a rewound temporary file


def _label(export: ResultsExport) -> str:
    if export.batch_id is not None:
        return f"batch-{export.batch_id}"
    assert export.period_start is not None and export.period_end is not None
    return f"{export.period_start.date()}-to-{(export.period_end - timedelta(days=1)).date()}"


def _items(export: ResultsExport, tenant_ids: set[int]) -> Iterator[Any]:
    """The export's items, read in chunks as the file is written. PostgreSQL: inside a
    transaction with the RLS tenants (and a server-side cursor); SQLite reads outside one
    (a write transaction there would hold the database's only lock for the whole file)."""
    rows = selectors.export_items(export)
    if connection.vendor != "postgresql":
        yield from rows.iterator(chunk_size=exporting.CHUNK)
        return
    with transaction.atomic():
        set_rls_tenants(tenant_ids)
        yield from rows.iterator(chunk_size=exporting.CHUNK)


def stream_export(*, access: TenantAccess, export: ResultsExport) -> ExportFile:
    """The export's file, read afresh from the finished items (streamed where it can be)."""
    access.require(Perm.VIEW_WORK)
    engagement = export.engagement
    name = exporting.filename(engagement, _label(export), export.format)
    content_type = exporting.CONTENT_TYPES[ExportFormat(export.format)]
    tenant_ids = selectors.read_tenant_ids(access)
    items = _items(export, tenant_ids)
    if export.format == ExportFormat.XLSX:
        return ExportFile(name, content_type, file=exporting.xlsx_file(engagement, items))
    write = exporting.csv_chunks if export.format == ExportFormat.CSV else exporting.jsonl_chunks
    return ExportFile(name, content_type, chunks=write(engagement, items))
