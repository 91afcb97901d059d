"""Back up a populated installation, restore it into an emptied database, prove it whole."""

from __future__ import annotations

import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from backoffice.ledger.models import JournalLine
from backoffice.site.backup import backup, restore, table_counts, verify_restored
from backoffice.site.demo import seed_demo


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "scan-0001.pdf").write_bytes(b"%PDF-1.7 scan")
    return settings.MEDIA_ROOT


def _empty_the_database() -> None:
    """As if on a new machine: no tables at all."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in connection.introspection.table_names():
            cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute("PRAGMA foreign_keys = ON")


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_whole(tmp_path, media):
    seed_demo()
    before = table_counts()
    assert before["ledger_journalline"] > 0 and before["audit_auditevent"] > 0
    archive = tmp_path / "nightly.tar"
    call_command("backup", str(archive))
    with tarfile.open(archive) as tar:
        assert {"manifest.json", "media/attachments/scan-0001.pdf"} <= set(tar.getnames())
    with pytest.raises(CommandError, match="already holds Backoffice tables"):
        call_command("restore", str(archive))

    _empty_the_database()
    (media / "attachments" / "scan-0001.pdf").unlink()
    assert connection.introspection.table_names() == []

    report = restore(archive)
    assert report.ok, report.problems
    assert table_counts() == before
    assert (media / "attachments" / "scan-0001.pdf").read_bytes() == b"%PDF-1.7 scan"
    assert JournalLine.objects.unscoped("test").count() == before["ledger_journalline"]


@pytest.mark.django_db(transaction=True)
def test_a_restore_names_what_does_not_match_its_backup(tmp_path, media, client_a):
    """A row lost on the way (here: the manifest promised one more) is named, not passed over;
    so is a ledger balance that disagrees with its lines."""
    archive = tmp_path / "b.tar"
    manifest = backup(archive)
    counts = dict(manifest["counts"])
    counts["audit_auditevent"] += 1
    report = verify_restored(counts)
    assert not report.ok
    assert any("table audit_auditevent" in p for p in report.problems)


def test_a_missing_or_foreign_file_is_refused_in_words(tmp_path):
    """No database is touched: the file is checked before anything is loaded."""
    junk = tmp_path / "photo.tar"
    junk.write_bytes(b"not a tar file")
    for path, message in (
        (tmp_path / "missing.tar", "There is no backup file"),
        (junk, "is not a backup written by `backoffice backup`"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(path))
    with pytest.raises(CommandError, match="There is no folder"):
        call_command("backup", str(tmp_path / "no-such-folder" / "b.tar"))
