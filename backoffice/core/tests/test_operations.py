"""Settings refusal, deploy checks, the worker, and the CLI wrapper."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from backoffice.audit.tasks import verify_tenant_audit_chain


def _settings_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.DEBUG"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "backoffice.settings", **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_insecure_defaults(tmp_path):
    result = _settings_import(
        {"BACKOFFICE_ENV": "production", "BACKOFFICE_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_proper_settings(tmp_path):
    result = _settings_import(
        {
            "BACKOFFICE_ENV": "production",
            "BACKOFFICE_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "backoffice.example.com",
        }
    )
    assert result.returncode == 0, result.stderr


def test_check_deploy_flags_the_development_secret():
    with pytest.raises(SystemCheckError, match=r"backoffice\.E001"):
        call_command("check_deploy")


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_real_task(client_a):
    # given a verification job queued through the tasks framework
    result = verify_tenant_audit_chain.enqueue(tenant_id=client_a.pk)
    assert result.status == "READY"
    # when the worker drains the queue
    call_command("worker", "--batch", "--interval", "0")
    # then the job ran and its result is stored
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"intact": True, "broken": None}


@pytest.mark.django_db(transaction=True)
def test_verification_job_through_the_api(api_a, api_b):
    started = api_a.post("/api/v1/audit/verifications")
    assert started.status_code == 202
    job_id = started.json()["id"]
    assert api_b.get(f"/api/v1/audit/verifications/{job_id}").status_code == 404
    call_command("worker", "--batch", "--interval", "0")
    done = api_a.get(f"/api/v1/audit/verifications/{job_id}").json()
    assert done["status"] == "SUCCESSFUL"
    assert done["result"]["intact"] is True


@pytest.fixture
def fake_tasks(settings, monkeypatch):
    from backoffice.core import scheduler

    settings.BACKOFFICE = {**settings.BACKOFFICE, "PERIODIC_TASKS": {"a.task": 60, "b.task": 300}}
    enqueued: list[str] = []

    class FakeTask:
        def __init__(self, path: str) -> None:
            self.path = path

        def enqueue(self) -> None:
            enqueued.append(self.path)

    monkeypatch.setattr(scheduler, "import_string", FakeTask)
    return enqueued


def _at(seconds: float):
    from datetime import UTC, datetime, timedelta

    return datetime(2026, 12, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=seconds)


@pytest.mark.django_db
def test_scheduler_enqueues_each_periodic_task_when_due(fake_tasks):
    from backoffice.core.scheduler import enqueue_due

    assert enqueue_due(_at(0)) == ["a.task", "b.task"]
    assert enqueue_due(_at(30)) == []
    assert enqueue_due(_at(60)) == ["a.task"]
    assert enqueue_due(_at(300)) == ["a.task", "b.task"]
    assert fake_tasks == ["a.task", "b.task", "a.task", "a.task", "b.task"]


@pytest.mark.django_db
def test_many_workers_enqueue_a_periodic_task_once_per_interval(fake_tasks):
    """Three workers tick at the same moments; each task is enqueued once per interval."""
    from backoffice.core.scheduler import enqueue_due

    for second in (0, 5, 60, 65):
        for _worker in range(3):
            enqueue_due(_at(second))
    assert fake_tasks == ["a.task", "b.task", "a.task"]


@pytest.mark.django_db(transaction=True)
def test_the_sla_sweep_is_a_real_periodic_task(client_a):
    from backoffice.core import scheduler

    # the configured sweep imports and enqueues; the worker runs it
    assert "backoffice.work.tasks.sweep_sla" in scheduler.enqueue_due()
    call_command("worker", "--batch", "--interval", "0")
    from django_tasks_db.models import DBTaskResult

    from backoffice.work.tasks import sweep_sla

    row = DBTaskResult.objects.get(task_path=sweep_sla.module_path)
    assert row.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_died_goes_back_to_the_queue():
    from django_tasks_db.models import DBTaskResult

    from backoffice.core.scheduler import requeue_abandoned_jobs
    from backoffice.work.tasks import sweep_sla

    old, recent = sweep_sla.enqueue(), sweep_sla.enqueue()
    DBTaskResult.objects.filter(id=old.id).update(status="RUNNING", started_at=_at(0))
    DBTaskResult.objects.filter(id=recent.id).update(status="RUNNING", started_at=_at(1700))

    assert requeue_abandoned_jobs(_at(1801), stale_after=1800) == 1
    assert DBTaskResult.objects.get(id=old.id).status == "READY"
    assert DBTaskResult.objects.get(id=recent.id).status == "RUNNING"
    call_command("worker", "--batch", "--interval", "0")
    assert DBTaskResult.objects.get(id=old.id).status == "SUCCESSFUL"
