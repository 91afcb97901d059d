"""The files of a results export: CSV, JSON Lines and XLSX, with the output schema's fields.

Columns are the engagement's output schema in its own order (`work.schema.
ordered_properties`) with the schema's titles as headings, after three columns of every
export (the item's number, the client's reference and when it was finished, UTC). A JSON
Lines record keeps the field names (machines read it) and the values as they are stored.

CSV and JSON Lines stream: rows are read in chunks and written as they come, so an export
of a million items never sits in memory. XLSX is written row by row by openpyxl's
write-only workbook into a temporary file that spills to disk, then streamed from there.
A text cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first, not a
number) is written with a leading apostrophe in CSV and XLSX.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from backoffice.delivery.models import ExportFormat
from backoffice.work.models import Engagement, WorkItem
from backoffice.work.schema import ordered_properties

FIXED = (("id", "Item"), ("external_ref", "Reference"), ("completed_at", "Completed at (UTC)"))
CHUNK = 2000
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSONL: "application/x-ndjson; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def output_fields(engagement: Engagement) -> list[tuple[str, str]]:
    """(name, title) of each output field, in the schema's order."""
    return [
        (name, str(prop.get("title") or name.replace("_", " ").capitalize()))
        for name, prop in ordered_properties(engagement.output_schema or {})
    ]


def header(engagement: Engagement) -> list[str]:
    return [title for _, title in FIXED] + [title for _, title in output_fields(engagement)]


def _fixed(item: WorkItem) -> list[Any]:
    done = item.completed_at.isoformat() if item.completed_at else ""
    return [item.pk, item.external_ref, done]


def _looks_like_formula(text: str) -> bool:
    if not text or text[0] not in "=+-@\t\r":
        return False
    try:
        Decimal(text)
    except InvalidOperation:
        return True
    return False


def _cell(value: Any) -> Any:
    """A value for a spreadsheet cell: scalars as they are, lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def table_row(item: WorkItem, names: list[str]) -> list[Any]:
    output = item.output if isinstance(item.output, dict) else {}
    return [_cell(v) for v in _fixed(item)] + [_cell(output.get(n)) for n in names]


def json_record(item: WorkItem, names: list[str]) -> dict[str, Any]:
    output = item.output if isinstance(item.output, dict) else {}
    ordered = {n: output.get(n) for n in names}
    ordered.update({k: v for k, v in output.items() if k not in ordered})
    return {
        "id": item.pk,
        "external_ref": item.external_ref,
        "completed_at": item.completed_at.isoformat() if item.completed_at else None,
        "output": ordered,
    }


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(engagement: Engagement, items: Iterable[WorkItem]) -> Iterator[bytes]:
    names = [n for n, _ in output_fields(engagement)]
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(header(engagement))).encode()
    buf: list[str] = []
    for item in items:
        buf.append(writer.writerow(table_row(item, names)))
        if len(buf) >= 500:
            yield "".join(buf).encode()
            buf = []
    if buf:
        yield "".join(buf).encode()


def jsonl_chunks(engagement: Engagement, items: Iterable[WorkItem]) -> Iterator[bytes]:
    names = [n for n, _ in output_fields(engagement)]
    buf: list[str] = []
    for item in items:
        buf.append(json.dumps(json_record(item, names), ensure_ascii=False, default=str) + "\n")
        if len(buf) >= 500:
            yield "".join(buf).encode()
            buf = []
    if buf:
        yield "".join(buf).encode()


def xlsx_file(engagement: Engagement, items: Iterable[WorkItem]) -> Any:
    """A temporary file holding the workbook, rewound; the caller streams and closes it."""
    from openpyxl import Workbook

    names = [n for n, _ in output_fields(engagement)]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="Results")
    ws.append(header(engagement))
    for item in items:
        ws.append(table_row(item, names))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    wb.save(out)
    out.seek(0)
    return out


def filename(engagement: Engagement, label: str, fmt: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in f"{engagement.code}-{label}")
    return f"{safe}.{fmt}"
