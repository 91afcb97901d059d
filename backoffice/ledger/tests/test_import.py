import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backoffice.ledger.models import JournalEntry, JournalLine

pytestmark = pytest.mark.django_db

GOOD = """entry,date,account,debit,credit,memo,source_ref
S-1,2026-03-02,1120,100.00,,Cash sale,POS-1
S-1,2026-03-02,4100,,100.00,Cash sale,POS-1
S-2,2026-03-03,6100,50.25,,Rent,R-1
S-2,2026-03-03,1120,,50.25,Rent,R-1
"""


def test_csv_import_posts_and_is_safe_to_rerun(tmp_path, books_a, capsys):
    # given
    f = tmp_path / "entries.csv"
    f.write_text(GOOD)
    # when
    call_command("ledger", "import", str(f), "--tenant", "client-a")
    call_command("ledger", "import", str(f), "--tenant", "client-a")
    # then
    assert JournalEntry.objects.for_tenant(books_a).count() == 2
    amounts = sorted(JournalLine.objects.for_tenant(books_a).values_list("amount", flat=True))
    assert amounts == [-10000, -5025, 5025, 10000]
    assert "2 already posted" in capsys.readouterr().out


def test_csv_import_reports_row_and_column_and_writes_nothing(tmp_path, books_a, capsys):
    # given
    bad = (
        GOOD
        + "S-3,2026-03-04,9999,1.00,,x,\nS-3,2026-03-04,4100,,1.00,x,\nS-4,2026-13-01,1120,1,,,\n"
    )
    f = tmp_path / "bad.csv"
    f.write_text(bad)
    # when
    with pytest.raises(CommandError):
        call_command("ledger", "import", str(f), "--tenant", "client-a")
    # then
    out = capsys.readouterr().out
    assert "date" in out and "8" in out
    assert not JournalEntry.objects.for_tenant(books_a).exists()


def test_csv_import_maps_service_errors_to_rows(tmp_path, books_a, capsys):
    # given
    bad = GOOD + "S-3,2026-03-04,9999,1.00,,x,\nS-3,2026-03-04,4100,,1.00,x,\n"
    f = tmp_path / "bad.csv"
    f.write_text(bad)
    # when
    with pytest.raises(CommandError):
        call_command("ledger", "import", str(f), "--tenant", "client-a")
    # then
    out = capsys.readouterr().out
    assert "6" in out and "account" in out and "unknown account" in out
    assert not JournalEntry.objects.for_tenant(books_a).exists()


def test_jsonl_import(tmp_path, books_a):
    # given
    f = tmp_path / "entries.jsonl"
    f.write_text(
        '{"date": "2026-03-02", "memo": "a", "idempotency_key": "j1", '
        '"lines": [{"account": "1120", "amount": 700}, {"account": "4100", "amount": -700}]}\n'
    )
    # when
    call_command("ledger", "import", str(f), "--tenant", "client-a")
    # then
    assert JournalEntry.objects.for_tenant(books_a).get().idempotency_key == "j1"


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ('{"account": "1120", "debit": "12.50"}', "lines[0].debit"),
        ('{"account": "1120", "debit": 1.5}', "lines[0].debit"),
        ('{"account": "1120", "credit": true}', "lines[0].credit"),
        ('{"account": "1120", "amount": 150, "currency": 978}', "lines[0].currency"),
    ],
)
def test_jsonl_amounts_are_whole_minor_units(tmp_path, books_a, capsys, line, column):
    # given: a fraction would have been cut to a whole minor unit, a string crashed the run
    f = tmp_path / "entries.jsonl"
    f.write_text(
        f'{{"date": "2026-03-02", "lines": [{line}, {{"account": "4100", "credit": 150}}]}}\n'
    )
    # when
    with pytest.raises(CommandError):
        call_command("ledger", "import", str(f), "--tenant", "client-a")
    # then
    out = capsys.readouterr().out
    assert column in out
    assert not JournalEntry.objects.for_tenant(books_a).exists()


def test_jsonl_idempotency_key_is_a_string(tmp_path, books_a, capsys):
    f = tmp_path / "entries.jsonl"
    f.write_text(
        '{"date": "2026-03-02", "idempotency_key": 7, "lines": [{"account": "1120", "amount": 5},'
        ' {"account": "4100", "amount": -5}]}\n'
    )
    with pytest.raises(CommandError):
        call_command("ledger", "import", str(f), "--tenant", "client-a")
    assert "idempotency_key" in capsys.readouterr().out
    assert not JournalEntry.objects.for_tenant(books_a).exists()


def test_rates_import(tmp_path, books_a):
    # given
    f = tmp_path / "rates.csv"
    f.write_text("date,base,quote,rate\n2026-03-01,USD,EUR,0.92\n2026-03-02,GBP,EUR,1.17\n")
    # when
    call_command("ledger", "rates", str(f), "--tenant", "client-a")
    # then
    from backoffice.ledger.selectors import rates

    assert rates(books_a).count() == 2


def test_rates_import_refuses_bad_row(tmp_path, books_a):
    f = tmp_path / "rates.csv"
    f.write_text("date,base,quote,rate\n2026-03-01,USD,EUR,0.92\n2026-03-02,GBP,EUR,-1\n")
    with pytest.raises(CommandError, match="row 3"):
        call_command("ledger", "rates", str(f), "--tenant", "client-a")
    from backoffice.ledger.selectors import rates

    assert rates(books_a).count() == 0
