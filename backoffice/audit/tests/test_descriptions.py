"""Every audit action the code can emit reads as words, and an event's change is a table
of labelled fields (not a Python dict)."""

from __future__ import annotations

import ast
import importlib
import inspect
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps

from backoffice.audit import descriptions
from backoffice.audit.models import AuditEvent

PACKAGE = Path(__file__).resolve().parents[2]


def _events_modules() -> list[ModuleType]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("backoffice."):
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.events"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.events":
                raise
    return found


def _enum_actions(module: ModuleType) -> set[str]:
    """Every member of every string enum an `events` module defines (its `Action`)."""
    return {
        member.value
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, StrEnum) and cls.__module__ == module.__name__
        for member in cls
    }


def _literal_actions(path: Path) -> set[str]:
    """Action names written as literals: `PendingEvent("x.y", ...)`, `action="x.y"` in a
    call to `record_event`/`PendingEvent`, so an event built outside an enum is caught too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name not in {"PendingEvent", "record_event"}:
            continue
        candidates = [node.args[0]] if name == "PendingEvent" and node.args else []
        candidates += [kw.value for kw in node.keywords if kw.arg == "action"]
        for value in candidates:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
    return found


def emittable_actions() -> set[str]:
    """The action names the code can emit, found in the code itself (never listed by hand)."""
    names: set[str] = set()
    for module in _events_modules():
        names |= _enum_actions(module)
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        names |= _literal_actions(path)
    return names


def test_the_collector_finds_every_app_with_events_and_their_builders():
    names = emittable_actions()
    # each app that records events is found, with actions from enums and builders alike
    for prefix in ("work.", "ledger.", "commerce.", "organization.", "membership."):
        assert any(n.startswith(prefix) for n in names), prefix
    assert {"work.queue_created", "ledger.entry_posted", "work.item_claimed"} <= names


def test_every_audit_action_has_a_human_description():
    described = descriptions.registered()
    missing = sorted(a for a in emittable_actions() if a not in described)
    assert not missing, (
        "Audit actions without a description; add "
        '`describe(Action.X, "...")` beside the builder in the app\'s events.py: '
        + ", ".join(missing)
    )


def test_a_new_enum_action_without_a_description_is_caught():
    class Action(StrEnum):
        NEW = "work.something_brand_new"

    module = ModuleType("backoffice.fake.events")
    Action.__module__ = module.__name__
    module.Action = Action  # type: ignore[attr-defined]
    assert _enum_actions(module) == {"work.something_brand_new"}
    assert "work.something_brand_new" not in descriptions.registered()


def test_a_literal_action_in_a_builder_is_caught(tmp_path):
    source = tmp_path / "events.py"
    source.write_text('def built():\n    return PendingEvent("billing.run_started", "", "")\n')
    assert _literal_actions(source) == {"billing.run_started"}


def _event(action: str, *, before=None, after=None, object_id="7") -> AuditEvent:
    return AuditEvent(
        tenant_id=1,
        seq=1,
        action=action,
        object_type="",
        object_id=object_id,
        before=before,
        after=after,
    )


def test_an_undescribed_action_still_reads_as_words_at_runtime():
    event = _event("billing.run_paused_for_lunch")
    assert descriptions.phrase_for(event) == "Billing: run paused for lunch"
    assert descriptions.generic_phrase("work.queue_paused") == "Work: queue paused"


def test_phrases_fill_in_the_recorded_values():
    moved = _event(
        "work.item_transitioned", before={"state": "in_progress"}, after={"state": "in_review"}
    )
    text = descriptions.phrase_for(moved, object_name="\u201cINV-1\u201d")
    assert text == "Item \u201cINV-1\u201d moved from in progress to in review"
    # a value the event did not record reads "?" rather than failing
    assert descriptions.phrase_for(_event("ledger.period_locked", after={})) == (
        "Period \u201c?\u201d locked"
    )
    # without the object's name, its id
    assert descriptions.phrase_for(_event("work.queue_created")) == "Queue #7 created"


def test_the_change_is_rows_of_labelled_fields_in_recorded_order():
    event = _event(
        "commerce.payment_recorded",
        after={"number": "RC-1", "amount": 12345, "currency": "USD", "direction": "in"},
    )
    rows = descriptions.field_rows(event, currency="EUR")
    assert [(r.label, r.after, r.kind) for r in rows] == [
        ("Number", "RC-1", "text"),
        ("Amount", 12345, "money"),
        ("Currency", "USD", "text"),
        ("Direction", "in", "code"),
    ]
    # the row's currency is the event's own, else the tenant's
    assert {r.currency for r in rows} == {"USD"}
    locked = _event("ledger.period_locked", before={"is_locked": False}, after={"is_locked": True})
    (row,) = descriptions.field_rows(locked, currency="EUR")
    assert (row.label, row.before, row.after, row.currency) == ("Locked", False, True, "EUR")


@pytest.mark.django_db
def test_object_names_are_read_within_the_events_tenant(client_a, client_b):
    """An event's object is named from its own tenant's rows only."""
    from backoffice.work.tests.factories import make_engagement, make_service_type

    st = make_service_type(client_a.provider)
    engagement = make_engagement(client_a, st, code="claims", name="Claims")
    mine = AuditEvent(
        tenant_id=client_a.pk,
        action="work.engagement_created",
        object_type="work.engagement",
        object_id=str(engagement.pk),
    )
    theirs = AuditEvent(
        tenant_id=client_b.pk,
        action="work.engagement_created",
        object_type="work.engagement",
        object_id=str(engagement.pk),
    )
    names = descriptions.object_names([theirs])
    assert names == {}
    names = descriptions.object_names([mine])
    assert names == {("work.engagement", str(engagement.pk)): "\u201cClaims\u201d"}
