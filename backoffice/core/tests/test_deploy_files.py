"""The example deployment files in deploy/ stay valid as the code changes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from backoffice.__main__ import ALIASES

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def _backoffice_commands(text: str) -> set[str]:
    """`backoffice serve`, `bin/backoffice migrate`, `["backoffice", "worker"]`."""
    return set(re.findall(r'backoffice(?:",\s*"|[ \t]+)([a-z][a-z_-]+)', text))


def test_every_command_the_deploy_files_run_exists():
    commands = set(get_commands())
    known = commands | {alias for alias, command in ALIASES.items() if command in commands}
    used: set[str] = set()
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            used |= _backoffice_commands(path.read_text())
    assert {"serve", "worker", "migrate", "grant-app-role", "check-deploy"} <= used
    assert used - known == set()


def test_the_compose_file_runs_web_worker_and_migrations_against_postgres():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker"}
    # web and worker connect as the app role; only migrate connects as the owner
    app_url = services["web"]["environment"]["DATABASE_URL"]
    assert app_url.startswith("postgres://backoffice_app:")
    assert services["worker"]["environment"]["DATABASE_URL"] == app_url
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith(
        "postgres://backoffice_owner:"
    )
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_the_container_file_builds_from_the_wheel_and_serves():
    text = (DEPLOY / "Containerfile").read_text()
    assert "pip wheel" in text and 'CMD ["backoffice", "serve"' in text
    assert "USER backoffice" in text  # never root at run time


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_the_systemd_units_verify():
    units = sorted(str(p) for p in (DEPLOY / "systemd").iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True
    )
    # the units name the installed path (/opt/backoffice/venv), absent on a build machine
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable" not in line
    ]
    assert problems == []


def test_the_package_builds_as_a_wheel(tmp_path):
    """What the container installs: the wheel, with templates and static files inside."""
    import sys
    import zipfile

    root = DEPLOY.parent
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("backoffice-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "backoffice/web/templates/web/base.html" in names
    assert any(n.startswith("backoffice/web/static/web/") for n in names)
    assert "backoffice/core/management/commands/serve.py" in names


def test_the_grafana_dashboard_reads_only_metrics_we_export():
    import json

    from backoffice.core import metrics
    from backoffice.work import observability

    dashboard = json.loads((DEPLOY.parent / "docs" / "grafana-dashboard.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b(backoffice_[a-z_]+)", target["expr"])
    }
    source = Path(metrics.__file__).read_text() + Path(observability.__file__).read_text()
    exported = set(re.findall(r'"(backoffice_[a-z_]+)"', source))
    suffixes = ("_bucket", "_count", "_sum", "_total")
    assert {n for n in used if n not in exported and not n.endswith(suffixes)} == set()
    assert {n.removesuffix("_bucket") for n in used if n.endswith("_bucket")} <= exported
