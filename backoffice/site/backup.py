"""Back up and restore a whole installation: the database and the uploaded files.

A backup is one tar file: `manifest.json` (when, which database, the row count of every
table), the database (`pg_dump` custom format on PostgreSQL, SQLite's online backup API on
SQLite, both consistent while the application keeps running) and `media/` (attachments,
logos). A restore refuses a database that already holds tables unless told to replace it,
loads the backup, refreshes the planner's statistics (PostgreSQL), and then proves what it
restored: every table's row count equals the manifest's, every tenant's audit chain
verifies, every ledger balance equals the sum of its lines.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from backoffice.audit.verify import verify_all
from backoffice.core.errors import DomainError
from backoffice.ledger.integrity import balance_mismatches

FORMAT = 1


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _tables() -> list[str]:
    names = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    existing = set(connection.introspection.table_names())
    return sorted(names & existing)


def table_counts() -> dict[str, int]:
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT count(*) FROM {qn(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _pg_env() -> tuple[dict[str, str], str]:
    s = connection.settings_dict
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if s.get(key):
            env[var] = str(s[key])
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return env, str(s["NAME"])


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DomainError(f"{args[0]} failed: {done.stderr.strip()[-500:]}")


def _dump_database(into: Path) -> tuple[str, dict[str, int]]:
    """The database file and the row counts, both of one moment while others keep writing.

    PostgreSQL: the counts are read in a REPEATABLE READ transaction whose snapshot pg_dump
    shares (`--snapshot`). SQLite: `VACUUM INTO` writes a consistent copy from one read
    transaction, and the counts are read from that copy.
    """
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            counts = table_counts()
            env, name = _pg_env()
            target = into / "database.dump"
            dump = ["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
            _run([*dump, "-f", str(target), name], env)
            return target.name, counts
    target = into / "database.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(target)])
    tables = _tables()
    with sqlite3.connect(target) as copy:
        counts = {t: copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    copy.close()
    return target.name, counts


def backup(path: Path) -> dict[str, Any]:
    """Write the backup to `path` (a .tar file); returns its manifest."""
    folder = path.parent
    if not folder.is_dir():
        raise DomainError(f"There is no folder {folder} to write the backup into.")
    with tempfile.TemporaryDirectory(prefix="backoffice-backup-") as tmp:
        work = Path(tmp)
        database_file, counts = _dump_database(work)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "database_file": database_file,
            "counts": counts,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        with tarfile.open(path, "w") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(work / database_file, arcname=database_file)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
    return manifest


def _load_database(source: Path, *, replace: bool) -> None:
    if _tables() and not replace:
        raise DomainError(
            "This database already holds Backoffice tables. Restore into an empty database, "
            "or pass --replace to drop what is there first."
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        connection.close()
        env, name = _pg_env()
        _run(["pg_restore", "--no-owner", "--exit-on-error", "-d", name, str(source)], env)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # pg_restore carries no planner statistics
        return
    connection.ensure_connection()
    with sqlite3.connect(source) as backup_db:
        backup_db.backup(connection.connection)  # type: ignore[arg-type]
    backup_db.close()


def _restore_media(source: Path) -> None:
    if not source.is_dir():
        return
    target = Path(settings.MEDIA_ROOT)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, dirs_exist_ok=True)


def verify_restored(expected: dict[str, int]) -> RestoreReport:
    counts = table_counts()
    report = RestoreReport(tables=len(counts), rows=sum(counts.values()))
    for table, want in sorted(expected.items()):
        got = counts.get(table)
        if got != want:
            report.problems.append(f"table {table}: {got} rows restored, {want} backed up")
    report.problems += [f"audit chain broken: {link}" for link in verify_all()]
    report.problems += [f"ledger balance wrong: {m}" for m in balance_mismatches()]
    return report


def restore(path: Path, *, replace: bool = False) -> RestoreReport:
    with tempfile.TemporaryDirectory(prefix="backoffice-restore-") as tmp:
        work = Path(tmp)
        file_name = str(path)
        if not path.is_file():
            raise DomainError(f"There is no backup file {file_name}.")
        try:
            with tarfile.open(path) as tar:
                tar.extractall(work, filter="data")
            manifest = json.loads((work / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError):
            raise DomainError(
                f"{file_name} is not a backup written by `backoffice backup`."
            ) from None
        if manifest.get("format") != FORMAT:
            raise DomainError("This backup was written by another version of Backoffice.")
        if manifest["database"] != connection.vendor:
            raise DomainError(
                f"This is a {manifest['database']} backup; the configured database is "
                f"{connection.vendor}."
            )
        _load_database(work / manifest["database_file"], replace=replace)
        _restore_media(work / "media")
    return verify_restored(manifest["counts"])
