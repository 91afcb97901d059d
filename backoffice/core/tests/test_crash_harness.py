"""The crash harness (bench/crash.py) at a small size: every scenario is killed once with
kill -9 in the middle of its work, and every invariant holds afterwards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.db import connection

BENCH = Path(__file__).resolve().parents[3] / "bench"


def test_kill_nine_in_the_middle_leaves_every_invariant_standing():
    vendor = connection.vendor  # the harness makes its own scratch database of this kind
    small = ["--kills", "1", "--entries", "3000", "--rows", "6000", "--items", "1500"]
    done = subprocess.run(
        [sys.executable, "crash.py", "--db", vendor, *small],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=900,
    )
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")][2:]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert {row.split(" | ")[0].strip("| ") for row in table} == {
        "ledger",
        "intake",
        "claims",
        "job",
    }
    assert all(row.rstrip(" |").endswith("| 0") for row in table), table
