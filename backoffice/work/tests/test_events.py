"""Audit event names and shapes (work/events.py) against what the claim writes in SQL, and
error codes named in one place (work/error_codes.py)."""

from __future__ import annotations

import ast
import json
from importlib import import_module
from pathlib import Path

from backoffice.work import events
from backoffice.work.error_codes import ErrorCode
from backoffice.work.events import Action
from backoffice.work.models import State, WorkItem

WORK = Path(__file__).resolve().parents[1]


def _claim_function_sql() -> str:
    """The claim function as the newest work migration that (re)defines it leaves it."""
    found = ""
    for path in sorted((WORK / "migrations").glob("0*.py")):
        module = import_module(f"backoffice.work.migrations.{path.stem}")
        found = getattr(module, "CLAIM_FUNCTION", found)
    assert found, "no work migration defines CLAIM_FUNCTION"
    return found


def test_the_claim_function_writes_the_event_events_py_builds():
    sql = _claim_function_sql()
    item = WorkItem(pk=7, tenant_id=3)
    claimed = events.item_moved_event(
        item,
        action=Action.ITEM_CLAIMED,
        from_state=State.QUEUED,
        to_state=State.IN_PROGRESS,
        note="",
    )
    assert claimed.action == "work.item_claimed" and claimed.object_type == "work.workitem"
    # the stored columns
    assert f"'{claimed.action}'" in sql and f"'{claimed.object_type}'" in sql
    assert f"'{json.dumps(claimed.after)}'" in sql  # after, as Python's json writes it
    assert "jsonb_build_object('state', v_from)" in sql  # before: {"state": <from>}
    assert claimed.before == {"state": State.QUEUED}
    # the canonical JSON the hash is taken over
    assert f'"action":"{claimed.action}"' in sql
    assert '"after":' + json.dumps(claimed.after, separators=(",", ":")) in sql
    assert f'"object_type":"{claimed.object_type}"' in sql


def test_a_move_records_the_note_only_when_there_is_one():
    item = WorkItem(pk=1, tenant_id=1)
    quiet = events.item_moved_event(
        item, action=Action.ITEM_SKIPPED, from_state="in_progress", to_state="queued", note=""
    )
    noted = events.item_moved_event(
        item,
        action=Action.ITEM_SKIPPED,
        from_state="in_progress",
        to_state="queued",
        note="x" * 300,
    )
    assert quiet.after == {"state": "queued"}
    assert noted.after == {"state": "queued", "note": "x" * 200}
    assert type(noted.action) is str  # the plain name, as the hash chain stores it


def test_names_and_codes_are_unique_and_namespaced():
    assert len({a.value for a in Action}) == len(Action)
    assert all(a.value.startswith("work.") for a in Action)
    assert len({c.value for c in ErrorCode}) == len(ErrorCode)


ERRORS = {"DomainError", "Conflict", "Forbidden", "NotFound", "FileRejected"}


def _code_files() -> list[Path]:
    """The work app's code (tests, migrations and demo data aside)."""
    return [
        p
        for p in WORK.rglob("*.py")
        if not {"tests", "migrations"} & set(p.relative_to(WORK).parts) and p.name != "demo.py"
    ]


def test_error_codes_and_audit_actions_are_never_written_inline():
    inline = []
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for kw in node.keywords:
                named = kw.arg == "action" or (kw.arg == "code" and name in ERRORS)
                if named and isinstance(kw.value, ast.Constant):
                    inline.append(f"{path.name}:{node.lineno} {kw.arg}={kw.value.value!r}")
    assert inline == []


def test_only_events_py_writes_to_the_audit_chain():
    writers = [p.name for p in _code_files() if "backoffice.audit" in p.read_text()]
    assert writers == ["events.py"]
