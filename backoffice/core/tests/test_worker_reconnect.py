"""`backoffice worker` outlives a database restart: django-tasks' loop raises, ours carries on."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError

from backoffice.core.management.commands import worker

OPTIONS = {"queue_name": "*", "interval": 0.0, "batch": True, "verbosity": 0}


def test_the_worker_loop_starts_again_after_the_database_went_away(monkeypatch):
    calls: list[str] = []
    outcomes = [
        OperationalError("server closed the connection unexpectedly"),
        OperationalError("connection refused"),
        None,  # the database is back: the loop runs (here: drains the queue) and returns
    ]

    def db_worker(name: str, **kwargs: object) -> None:
        calls.append(name)
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(worker, "call_command", db_worker)
    slept: list[float] = []
    worker.run_jobs(OPTIONS, sleep=slept.append)
    assert calls == ["db_worker"] * 3
    assert slept == [0.5, 1.0]  # backs off while the database stays away


def test_other_errors_still_end_the_worker(monkeypatch):
    def db_worker(name: str, **kwargs: object) -> None:
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(worker, "call_command", db_worker)
    with pytest.raises(ValueError):
        worker.run_jobs(OPTIONS, sleep=lambda s: None)
