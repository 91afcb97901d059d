#!/usr/bin/env python3
"""Bootstrap for a fresh clone: `python3 dev.py demo` and `python3 dev.py test`.

Runs on any Python 3; finds a Python 3.12+ interpreter (Django 6 needs it), makes
`.venv`, installs the pinned project into it and hands over to the `backoffice` command.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".installed"


def find_python() -> str:
    candidates = [sys.executable, *(shutil.which(f"python3.{m}") for m in (14, 13, 12))]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")))
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.1[2-9]*/bin/python3"))
    for exe in candidates:
        if not exe:
            continue
        out = subprocess.run(
            [exe, "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True,
            text=True,
        )
        if out.stdout.strip() == "True":
            return exe
    sys.exit("Backoffice needs Python 3.12 or newer (Django 6). Install it and run again.")


def ensure_venv(extras: str) -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating .venv …", flush=True)
        subprocess.run([find_python(), "-m", "venv", str(VENV)], check=True)
    print("Installing pinned dependencies …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "install", "-e", f"{ROOT}[{extras}]" if extras else str(ROOT)], check=True
    )
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """The browser tests drive Debian's chromium; install it when missing and we may."""
    if shutil.which("chromium") or os.environ.get("BACKOFFICE_SKIP_BROWSER"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's chromium for the browser tests …", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"],
            check=False,
            env=env,
            stdout=subprocess.DEVNULL,
        )


def run(args: list[str]) -> int:
    return subprocess.run(args, cwd=ROOT).returncode


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    rest = sys.argv[2:]
    if command == "demo":
        ensure_venv("")
        return run([str(BIN / "backoffice"), "demo", *rest])
    if command == "test":
        ensure_venv("dev")
        ensure_chromium()
        lint = "--no-lint" not in rest
        rest = [a for a in rest if a != "--no-lint"]
        if lint:
            for step in (
                [str(BIN / "ruff"), "check", "."],
                [str(BIN / "ruff"), "format", "--check", "."],
                [str(BIN / "mypy"), "backoffice"],
                [str(BIN / "lint-imports")],
            ):
                print(
                    "$", " ".join(Path(step[0]).name if i == 0 else s for i, s in enumerate(step))
                )
                if run(step) != 0:
                    return 1
        workers = os.environ.get("PYTEST_WORKERS", "2")
        return run([str(BIN / "pytest"), "-n", workers, "-q", *rest])
    print("usage: python3 dev.py demo | test [pytest args] [--no-lint]")
    return 2


if __name__ == "__main__":
    sys.exit(main())
