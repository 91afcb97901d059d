"""Intake files: CSV, JSONL and XLSX into items, with a per-row validation report.

A file is checked as a whole first (encoding, header, columns); a file that fails there is
refused with one clear message and nothing is written. Then its rows are read lazily —
converted to the schema's types as `services.submit_items` asks for them, with what
reading found wrong carried on each row — and validated there, which writes all rows or,
when asked, only the valid ones.

Columns: `external_ref` (required), optional `priority`, `skill`, `language`, and the
service's input fields. A column the schema does not know is an error (a typo would
otherwise silently drop data); so is a missing column for a required field.

Sensitive fields (the schema's `x-sensitive`) are sealed by `submit_items` as rows pass;
`ItemStore` at the end lets the vault's key rotation re-seal items' values (the vault finds
it by importing each app's `intake` module).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO, Any

from django.db import connection

from backoffice.core.errors import DomainError
from backoffice.tenancy.models import User
from backoffice.vault import fields as vault_fields
from backoffice.vault import index as blind_index
from backoffice.vault import stores as vault_stores
from backoffice.vault.crypto import is_envelope
from backoffice.vault.keys import Keyring
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import Engagement, IntakeBatch, WorkItem
from backoffice.work.schema import coerce
from backoffice.work.services.submit import ITEM_RECORD, IntakeResult, ItemInput, submit_items

META_COLUMNS = ("external_ref", "priority", "skill", "language")
FORMATS = ("csv", "jsonl", "xlsx")
MAX_FILE_BYTES = 512 * 1024 * 1024


class FileRejected(DomainError):
    code = ErrorCode.FILE_REJECTED


def detect_format(filename: str) -> str:
    lowered = filename.lower()
    for fmt in FORMATS:
        if lowered.endswith("." + fmt):
            return fmt
    if lowered.endswith(".json") or lowered.endswith(".ndjson"):
        return "jsonl"
    raise FileRejected(
        "Unsupported file type: use .csv, .jsonl or .xlsx.",
        fields={"file": [f"{filename!r} is not CSV, JSONL or XLSX"]},
    )


def _check_columns(engagement: Engagement, columns: list[str]) -> None:
    props = engagement.input_schema.get("properties", {})
    required = set(engagement.input_schema.get("required", []))
    cleaned = [c.strip() for c in columns]
    problems: list[str] = []
    if len(set(cleaned)) != len(cleaned):
        problems.append("Repeated column name(s).")
    if "external_ref" not in cleaned:
        problems.append("Missing column: external_ref.")
    missing = sorted(required - set(cleaned))
    if missing:
        problems.append("Missing column(s): " + ", ".join(missing) + ".")
    extra = [c for c in cleaned if c not in props and c not in META_COLUMNS]
    if extra:
        problems.append("Unknown column(s): " + ", ".join(extra) + ".")
    if problems:
        raise FileRejected(" ".join(problems), fields={"columns": problems})


class Parsed:
    """A file that passed the whole-file checks; its rows are read as they are asked for."""

    def __init__(self, rows: Iterator[ItemInput], first_row: int) -> None:
        self.rows = rows
        self.first_row = first_row


def _unreadable(row_no: int, message: str) -> ItemInput:
    return ItemInput("", {}, unreadable=True, row=row_no, problems=(("", message),))


def _to_item(
    engagement: Engagement,
    row_no: int,
    record: dict[str, Any],
    problems: tuple[tuple[str, str], ...] = (),
) -> ItemInput:
    ref = record.pop("external_ref", None)
    priority_raw = record.pop("priority", None)
    skill = record.pop("skill", None) or ""
    language = record.pop("language", None) or ""
    data, errors = coerce(engagement.input_schema, record)
    priority: int | None = None
    if priority_raw not in (None, ""):
        try:
            priority = int(str(priority_raw).strip())
        except ValueError:
            errors.setdefault("priority", []).append(f"{priority_raw!r} is not a whole number.")
    if errors:
        problems += tuple((name, m) for name, messages in errors.items() for m in messages)
    ref_text = str(ref).strip() if ref is not None else ""
    return ItemInput(
        ref_text,
        data,
        priority,
        str(skill)[:50],
        str(language)[:10],
        row=row_no,
        problems=problems,
    )


def parse_csv(engagement: Engagement, raw: bytes) -> Parsed:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRejected(
            f"The file is not UTF-8 text (first bad byte on line {line}). "
            "Save it as CSV UTF-8 and upload again.",
            fields={"file": ["wrong encoding"]},
        ) from exc
    if not text.strip():
        raise FileRejected("The file is empty.", fields={"file": ["empty file"]})
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader)
    _check_columns(engagement, header)
    columns = [c.strip() for c in header]
    width = len(columns)

    def rows() -> Iterator[ItemInput]:
        row_no = 1
        for cells in reader:
            row_no += 1
            if not cells or all(not c.strip() for c in cells):
                yield _unreadable(row_no, "Empty row.")
            elif len(cells) != width:
                yield _unreadable(row_no, f"Expected {width} cells, found {len(cells)}.")
            else:
                yield _to_item(engagement, row_no, dict(zip(columns, cells, strict=True)))
        if row_no == 1:
            raise FileRejected("The file has a header but no rows.", fields={"file": ["no rows"]})

    return Parsed(rows(), first_row=2)


def parse_jsonl(engagement: Engagement, raw: bytes) -> Parsed:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            "The file is not UTF-8 text.", fields={"file": ["wrong encoding"]}
        ) from exc
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise FileRejected("The file is empty.", fields={"file": ["empty file"]})
    known = set(engagement.input_schema.get("properties", {})) | set(META_COLUMNS)

    def rows() -> Iterator[ItemInput]:
        checked = False
        for row_no, line in enumerate(lines, start=1):
            if not line.strip():
                yield _unreadable(row_no, "Empty line.")
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield _unreadable(row_no, f"Not valid JSON: {exc.msg}.")
                continue
            if not isinstance(record, dict):
                yield _unreadable(row_no, "Each line must be a JSON object.")
                continue
            if isinstance(record.get("data"), dict):
                record = {**{k: v for k, v in record.items() if k != "data"}, **record["data"]}
            problems: tuple[tuple[str, str], ...] = ()
            if not checked:
                _check_columns(engagement, list(record))
                checked = True
            elif extra := [k for k in record if k not in known]:
                problems = ((extra[0], "Unknown field(s): " + ", ".join(extra)),)
            yield _to_item(engagement, row_no, record, problems)

    return Parsed(rows(), first_row=1)


def parse_xlsx(engagement: Engagement, raw: bytes) -> Parsed:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:
        raise FileRejected(
            "The file is not a readable XLSX workbook.", fields={"file": ["not XLSX"]}
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        cells_by_row: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        header_cells = next(cells_by_row, None)
        if header_cells is None or all(c is None for c in header_cells):
            raise FileRejected("The workbook is empty.", fields={"file": ["empty file"]})
        while header_cells and header_cells[-1] is None:
            header_cells = header_cells[:-1]
        columns = [str(c).strip() if c is not None else "" for c in header_cells]
        _check_columns(engagement, columns)
    except BaseException:
        workbook.close()
        raise

    def rows() -> Iterator[ItemInput]:
        count = 0
        try:
            for row_no, cells in enumerate(cells_by_row, start=2):
                values = list(cells[: len(columns)])
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                count += 1
                if any(v is not None for v in cells[len(columns) :]):
                    yield _unreadable(row_no, "Cells beyond the last column.")
                    continue
                record = {c: _cell(v) for c, v in zip(columns, values, strict=False)}
                yield _to_item(engagement, row_no, record)
        finally:
            workbook.close()
        if not count:
            raise FileRejected(
                "The workbook has a header but no rows.", fields={"file": ["no rows"]}
            )

    return Parsed(rows(), first_row=2)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value


PARSERS: dict[str, Callable[[Engagement, bytes], Parsed]] = {
    "csv": parse_csv,
    "jsonl": parse_jsonl,
    "xlsx": parse_xlsx,
}


def import_file(
    *,
    engagement: Engagement,
    actor: User | None,
    filename: str,
    content: bytes | IO[bytes],
    mode: str = IntakeBatch.Mode.ALL_OR_NOTHING,
    progress: Any = None,
) -> IntakeResult:
    """Parse and submit a file; all-or-nothing raises with the report and writes nothing."""
    fmt = detect_format(filename)
    raw = content if isinstance(content, bytes) else content.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise FileRejected("The file is too large.", fields={"file": ["too large"]})
    parsed = PARSERS[fmt](engagement, raw)
    return submit_items(
        engagement=engagement,
        actor=actor,
        rows=parsed.rows,
        mode=mode,
        source=filename,
        first_row=parsed.first_row,
        progress=progress,
    )


# --- the vault's view of work items ---------------------------------------------------------------

_Fields = tuple[vault_fields.Sensitive, ...]


class ItemStore:
    """Work items' sealed values (data and output) for the vault's key rotation."""

    name = "work.item"

    def _engagements(self, tenant_id: int) -> dict[int, tuple[_Fields, _Fields]]:
        found = {}
        for e in Engagement.objects.for_tenant(tenant_id).only("input_schema", "output_schema"):
            inp = vault_fields.sensitive_fields(e.input_schema)
            out = vault_fields.sensitive_fields(e.output_schema)
            if inp or out:
                found[e.pk] = (inp, out)
        return found

    def count(self, tenant_id: int) -> int:
        engagements = self._engagements(tenant_id)
        if not engagements:
            return 0
        qs = WorkItem.objects.for_tenant(tenant_id).filter(engagement_id__in=list(engagements))
        return qs.count()

    def reseal(self, ring: Keyring, *, after_id: int, limit: int) -> tuple[int, int]:
        engagements = self._engagements(ring.tenant_id)
        items = list(
            WorkItem.objects.for_tenant(ring.tenant_id)
            .filter(engagement_id__in=list(engagements), pk__gt=after_id)
            .order_by("pk")
            .only("pk", "engagement_id", "data", "output")[:limit]
        )
        if not items:
            return after_id, 0
        changed: list[WorkItem] = []
        digests: list[tuple[int, dict[str, str]]] = []
        for item in items:
            inp, out = engagements[item.engagement_id]
            data, found = _reseal(ring, inp, "data", item.data)
            output, _ = _reseal(ring, out, "output", item.output)
            digests.append((item.pk, found))
            if data is not item.data or output is not item.output:
                item.data, item.output = data, output
                changed.append(item)
        _write_sealed(ring.tenant_id, changed)
        blind_index.replace_digests(ring, ITEM_RECORD, [d for d in digests if d[1]])
        return items[-1].pk, len(items)


def _write_sealed(tenant_id: int, items: list[WorkItem]) -> None:
    """Store re-sealed data and output: one UPDATE from arrays on PostgreSQL (Django's
    bulk_update builds a CASE per row, slow at rotation's chunk sizes)."""
    if not items:
        return
    ids = [i.pk for i in items]
    data = [json.dumps(i.data) for i in items]
    output = [None if i.output is None else json.dumps(i.output) for i in items]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE work_workitem AS w SET data = v.data::jsonb, output = v.output::jsonb "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, data, output) "
                "WHERE w.id = v.id AND w.tenant_id = %s",
                [ids, data, output, tenant_id],
            )
        else:
            cursor.executemany(
                "UPDATE work_workitem SET data = %s, output = %s WHERE id = %s AND tenant_id = %s",
                [(d, o, pk, tenant_id) for pk, d, o in zip(ids, data, output, strict=True)],
            )


def _reseal(ring: Keyring, fields: _Fields, prefix: str, doc: Any) -> tuple[Any, dict[str, str]]:
    """`doc` with every sensitive value sealed under the active key (the same object when
    nothing changed), and the digests of its searchable fields under that key."""
    if not fields or not isinstance(doc, dict):
        return doc, {}
    out = doc
    digests = {}
    for f in fields:
        value = doc.get(f.name)
        if value is None:
            continue
        path = f"{prefix}.{f.name}"
        plain = ring.open(value, path) if is_envelope(value) else value
        if f.searchable:
            digests[path] = ring.digest(path, plain)
        if not is_envelope(value) or value["kid"] != ring.active_kid:
            out = dict(out) if out is doc else out
            out[f.name] = ring.seal(plain, path)
    return out, digests


vault_stores.register(ItemStore())
