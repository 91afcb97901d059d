"""Intake files: CSV, JSONL, XLSX; malformed files are refused whole; per-row reports."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from backoffice.core.errors import DomainError
from backoffice.work import intake
from backoffice.work.models import IntakeBatch, WorkItem, WorkItemEvent
from backoffice.work.services import submit

pytestmark = pytest.mark.django_db

GOOD_CSV = b"external_ref,name,amount,pages\nR1,Alpha,10.5,2\nR2,Beta,3,\n"


def count(engagement) -> int:
    return WorkItem.objects.for_tenant(engagement.tenant).count()


def run(engagement, filename: str, content: bytes, mode: str = "all_or_nothing"):
    return intake.import_file(
        engagement=engagement, actor=None, filename=filename, content=content, mode=mode
    )


def test_a_good_csv_becomes_items_with_typed_data(engagement_a):
    # when
    result = run(engagement_a, "in.csv", GOOD_CSV)
    # then
    assert result.created == 2
    item = WorkItem.objects.for_tenant(engagement_a.tenant).get(external_ref="R1")
    assert item.data == {"name": "Alpha", "amount": 10.5, "pages": 2}
    assert item.state == "queued" and item.sla_due_at > item.received_at
    event = item.events.get()
    assert (event.from_state, event.to_state, event.at) == ("new", "queued", item.received_at)


def test_uploading_the_same_file_twice_creates_nothing_new(engagement_a):
    run(engagement_a, "in.csv", GOOD_CSV)
    again = run(engagement_a, "in.csv", GOOD_CSV)
    assert (again.created, again.existing) == (0, 2) and count(engagement_a) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"external_ref,name,amount\n", "no rows"),
        ("external_ref,name,amount\nR1,Caf\u00e9,1\n".encode("latin-1"), "not UTF-8"),
        (b"name,amount\nA,1\n", "Missing column: external_ref"),
        (b"external_ref,name\nR1,A\n", "Missing column(s): amount"),
        (b"external_ref,name,amount,colour\nR1,A,1,red\n", "Unknown column(s): colour"),
    ],
)
def test_malformed_csv_files_are_refused_whole(engagement_a, content, message):
    with pytest.raises(intake.FileRejected) as exc:
        run(engagement_a, "bad.csv", content, mode="valid_rows")
    assert message in exc.value.message
    assert count(engagement_a) == 0
    assert IntakeBatch.objects.for_tenant(engagement_a.tenant).count() == 0


def test_unsupported_extension_is_refused(engagement_a):
    with pytest.raises(intake.FileRejected):
        run(engagement_a, "items.pdf", b"%PDF")


BAD_ROWS = (
    b"external_ref,name,amount,pages\n"
    b"R1,Alpha,1,1\n"
    b"R2,,abc,1\n"  # name missing, amount not a number
    b"R3,Gamma,1\n"  # a cell short
    b"R1,Again,1,1\n"  # duplicate reference
    b"R5,Eps,2,0\n"  # pages below minimum
)


def test_all_or_nothing_reports_every_bad_row_and_writes_nothing(engagement_a):
    with pytest.raises(DomainError) as exc:
        run(engagement_a, "rows.csv", BAD_ROWS)
    report = exc.value.fields["rows"]
    assert {"row": 3, "field": "amount", "message": "'abc' is not a valid number."} in report
    assert {"row": 3, "field": "name", "message": "This field is required."} in report
    assert {"row": 4, "field": "", "message": "Expected 4 cells, found 3."} in report
    assert {"row": 5, "field": "external_ref", "message": "Duplicate in this batch."} in report
    assert [r["row"] for r in report if r["field"] == "pages"] == [6]
    assert count(engagement_a) == 0


def test_valid_rows_only_imports_the_good_rows(engagement_a):
    result = run(engagement_a, "rows.csv", BAD_ROWS, mode="valid_rows")
    assert (result.created, result.rejected) == (1, 4)
    assert result.batch is not None and result.batch.rows_total == 5
    assert sorted({e.row for e in result.errors}) == [3, 4, 5, 6]


def many_rows(n: int, bad_row: int | None = None) -> bytes:
    """A CSV of n rows (file rows 2…n+1); `bad_row` gets an amount that is not a number."""
    lines = ["external_ref,name,amount,pages"]
    for row in range(2, n + 2):
        lines.append(f"R{row},Name {row},{'abc' if row == bad_row else row},1")
    return ("\n".join(lines) + "\n").encode()


def test_an_error_after_chunks_were_written_rolls_them_all_back(engagement_a, monkeypatch):
    # given chunks of 3 rows, so chunks 1-3 stream to the database before row 11 is read
    monkeypatch.setattr(submit, "BATCH_SIZE", 3)
    # when
    with pytest.raises(DomainError) as exc:
        run(engagement_a, "rows.csv", many_rows(12, bad_row=11))
    # then nothing stays: not the earlier chunks, not the batch
    assert exc.value.fields["rows"] == [
        {"row": 11, "field": "amount", "message": "'abc' is not a valid number."}
    ]
    assert count(engagement_a) == 0
    assert WorkItemEvent.objects.for_tenant(engagement_a.tenant).count() == 0
    assert IntakeBatch.objects.for_tenant(engagement_a.tenant).count() == 0


def test_chunked_valid_rows_and_a_retry_count_every_row_once(engagement_a, monkeypatch):
    monkeypatch.setattr(submit, "BATCH_SIZE", 4)
    first = run(engagement_a, "rows.csv", many_rows(10, bad_row=7), mode="valid_rows")
    assert (first.created, first.existing, first.rejected) == (9, 0, 1)
    assert first.batch is not None and first.batch.rows_total == 10
    assert len(first.item_ids) == 9 and count(engagement_a) == 9
    # a retry of the corrected file adds only the row that failed
    again = run(engagement_a, "rows.csv", many_rows(10), mode="valid_rows")
    assert (again.created, again.existing, again.rejected) == (1, 9, 0)
    assert count(engagement_a) == 10
    assert WorkItemEvent.objects.for_tenant(engagement_a.tenant).count() == 10


def test_nan_and_infinity_are_not_numbers_json_can_store(engagement_a):
    content = b"external_ref,name,amount\nR1,A,nan\nR2,B,inf\nR3,C,1e400\nR4,D,2\n"
    result = run(engagement_a, "rows.csv", content, mode="valid_rows")
    assert (result.created, result.rejected) == (1, 3)
    assert {(e.row, e.field, e.message) for e in result.errors} == {
        (2, "amount", "Not a finite number."),
        (3, "amount", "Not a finite number."),
        (4, "amount", "Not a finite number."),
    }


def test_jsonl_with_nested_data_and_bad_lines(engagement_a):
    lines = [
        json.dumps({"external_ref": "J1", "data": {"name": "A", "amount": 1}}),
        "{not json",
        json.dumps({"external_ref": "J3", "name": "C", "amount": "x"}),
        json.dumps([1, 2]),
    ]
    result = run(engagement_a, "in.jsonl", "\n".join(lines).encode(), mode="valid_rows")
    assert result.created == 1
    assert [(e.row, e.field) for e in result.errors] == [(2, ""), (3, "amount"), (4, "")]


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_cells_are_converted(engagement_a):
    from datetime import date

    content = xlsx(
        [
            ["external_ref", "name", "amount", "when", "priority"],
            ["X1", "Alpha", 12.5, date(2026, 5, 4), 8],
            [2, "Beta", 3, None, None],
            [None, None, None, None, None],
        ]
    )
    result = run(engagement_a, "in.xlsx", content)
    assert result.created == 2
    x1 = WorkItem.objects.for_tenant(engagement_a.tenant).get(external_ref="X1")
    assert x1.data == {"name": "Alpha", "amount": 12.5, "when": "2026-05-04"}
    assert x1.priority == 8
    assert WorkItem.objects.for_tenant(engagement_a.tenant).filter(external_ref="2").exists()


def test_broken_or_empty_xlsx_is_refused(engagement_a):
    with pytest.raises(intake.FileRejected):
        run(engagement_a, "in.xlsx", b"PK\x03\x04 not really")
    with pytest.raises(intake.FileRejected):
        run(engagement_a, "in.xlsx", xlsx([]))


def test_cli_import_prints_the_report_and_fails_on_bad_rows(engagement_a, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD_CSV)
    call_command("work", "import", "--tenant", "client-a", "--engagement", "eng-a", str(good))
    assert "created 2" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_ROWS.replace(b"R1", b"Z1"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("work", "import", "--tenant", "client-a", "--engagement", "eng-a", str(bad))
    assert "Validation report" in capsys.readouterr().err
    call_command(
        "work",
        "import",
        "--tenant",
        "client-a",
        "--engagement",
        "eng-a",
        "--mode",
        "valid_rows",
        str(bad),
    )
    assert count(engagement_a) == 3


def test_cli_refuses_another_tenants_engagement(engagement_a, engagement_b, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD_CSV)
    with pytest.raises(CommandError, match="unknown engagement"):
        call_command("work", "import", "--tenant", "client-a", "--engagement", "eng-b", str(good))
