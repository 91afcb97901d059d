"""Audit events in words: a phrase per action and labelled fields for its before/after.

Each app's `events.py` registers a phrase next to the builder of the event, with one call:

    describe(Action.QUEUE_CREATED, "Queue {object} created")

A phrase is a format string over the event: `{object}` is the changed object as people
name it (its name, number or reference, quoted; `#id` when it is gone), `{id}` its id,
`{after[name]}` / `{before[state]}` a value of the recorded change (a missing key reads
"?"). `labels` names fields whose plain name would read badly; `kinds` tells the page how
to show a value ("money": an amount in minor units of the row's `currency`, else the
tenant's; "code": a stored code such as `in_progress`; "lines": `[account, currency,
amount]` rows; "allocations": `[document, amount]` rows; "datetime": an ISO timestamp).

An action nobody described still reads as words ("Work: something new"), and
`tests/test_descriptions.py` fails until it gets its own phrase.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from backoffice.audit.models import AuditEvent


@dataclass(frozen=True)
class Description:
    phrase: str
    labels: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)


_REGISTRY: dict[str, Description] = {}

# Labels for field names that several events share; an event's own `labels` win.
COMMON_LABELS = {
    "is_locked": "Locked",
    "is_lead": "Team lead",
    "is_active": "Active",
    "external_ref": "Reference",
    "source_ref": "Source reference",
    "tax_id": "Tax ID",
    "sku": "SKU",
    "account_code": "Account",
    "expires_at": "Expires",
    "open_after": "Still open afterwards",
    "credit_left": "Credit left",
    "fields_reviewed": "Fields reviewed",
    "fields_correct": "Fields correct",
    "first_id": "First entry",
    "last_id": "Last entry",
    "allow_negative_stock": "Negative stock allowed",
    "tax_rounding": "Tax rounding",
    "sale_price": "Sale price",
    "journal_entry": "Journal entry",
    "at_risk": "At risk",
}

# Fields whose values are stored codes (`in_progress`): shown with spaces, not underscores.
COMMON_KINDS = {
    "state": "code",
    "status": "code",
    "kind": "code",
    "role": "code",
    "decision": "code",
    "direction": "code",
    "type": "code",
    "valuation": "code",
    "expires_at": "datetime",
}


def describe(
    action: str,
    phrase: str,
    *,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> None:
    """Register how `action` reads; call it beside the event's builder."""
    _REGISTRY[str(action)] = Description(phrase, dict(labels or {}), dict(kinds or {}))


def load_all() -> None:
    """Import every app's `events` module, so every registration has run."""
    autodiscover_modules("events")


def registered() -> dict[str, Description]:
    load_all()
    return dict(_REGISTRY)


def description_of(action: str) -> Description | None:
    if action not in _REGISTRY:
        load_all()
    return _REGISTRY.get(action)


def generic_phrase(action: str) -> str:
    """How an action nobody described reads: `work.queue_paused` -> "Work: queue paused"."""
    app, _, verb = action.rpartition(".")
    words = verb.replace("_", " ").strip() or action
    return f"{app.replace('_', ' ').capitalize()}: {words}" if app else words.capitalize()


class _Values(dict):
    """Event values for a phrase: a key the event did not record reads "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


class _Formatter(string.Formatter):
    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        try:
            return super().get_field(field_name, args, kwargs)
        except (KeyError, IndexError, AttributeError, TypeError):
            return "?", field_name


def phrase_for(event: AuditEvent, *, object_name: str | None = None) -> str:
    """The event in words; `object_name` is the object as people name it, if known."""
    described = description_of(event.action)
    if described is None:
        text = generic_phrase(event.action)
        return f"{text} ({object_name})" if object_name else text
    shown = object_name or (f"#{event.object_id}" if event.object_id else "")
    kinds = {**COMMON_KINDS, **described.kinds}
    values = {
        "object": shown,
        "id": event.object_id,
        "after": _phrase_values(event.after, kinds),
        "before": _phrase_values(event.before, kinds),
    }
    try:
        text = _Formatter().vformat(described.phrase, (), values)
    except (ValueError, IndexError):
        return generic_phrase(event.action)
    return text[:1].upper() + text[1:]


def _phrase_values(recorded: Any, kinds: Mapping[str, str]) -> _Values:
    """A recorded change for a phrase: stored codes read with spaces (`in progress`)."""
    if not isinstance(recorded, dict):
        return _Values()
    return _Values(
        {
            k: code_words(v) if kinds.get(k) == "code" and isinstance(v, str) else v
            for k, v in recorded.items()
        }
    )


def code_words(code: str) -> str:
    """A stored code as words: `in_progress` -> "in progress", `client_admin` -> "client admin"."""
    return code.replace("_", " ")


@dataclass(frozen=True)
class FieldRow:
    """One labelled field of an event's change; `kind` tells the page how to show it."""

    name: str
    label: str
    before: Any
    after: Any
    kind: str
    currency: str


def _label(name: str, described: Description | None) -> str:
    if described and name in described.labels:
        return described.labels[name]
    return COMMON_LABELS.get(name) or name.replace("_", " ").capitalize()


def field_rows(event: AuditEvent, *, currency: str = "") -> list[FieldRow]:
    """The change as rows of (label, before, after), in the order the event recorded them.

    A value that is not a mapping (a list, a number) is one row labelled "Value"."""
    described = description_of(event.action)
    before, after = event.before, event.after
    if not isinstance(before, dict) and before is not None:
        before = {"value": before}
    if not isinstance(after, dict) and after is not None:
        after = {"value": after}
    before, after = before or {}, after or {}
    kinds = {**COMMON_KINDS, **(described.kinds if described else {})}
    row_currency = str(after.get("currency") or before.get("currency") or currency)
    names = list(dict.fromkeys([*before, *after]))
    return [
        FieldRow(
            name=name,
            label=_label(name, described),
            before=before.get(name),
            after=after.get(name),
            kind=kinds.get(name, "text"),
            currency=row_currency,
        )
        for name in names
    ]


def object_names(events: Iterable[AuditEvent]) -> dict[tuple[str, str], str]:
    """Each event's object as people name it (its `str`), one query per kind of object.

    Objects are read within each event's own tenant; an object that is gone, or a kind the
    project no longer has, is simply left out (the phrase then shows `#id`)."""
    wanted: dict[tuple[str, int], set[str]] = {}
    for e in events:
        described = description_of(e.action)
        if described is not None and "{object" not in described.phrase:
            continue
        if e.object_type and e.object_id and e.object_id.isdigit():
            wanted.setdefault((e.object_type, e.tenant_id), set()).add(e.object_id)
    found: dict[tuple[str, str], str] = {}
    for (object_type, tenant_id), ids in wanted.items():
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        manager = model._default_manager
        rows = manager.filter(pk__in=[int(i) for i in ids])
        if hasattr(rows, "for_tenant"):
            rows = rows.for_tenant(tenant_id)
        for obj in rows:
            found[(object_type, str(obj.pk))] = f"\u201c{obj}\u201d"
    return found


@dataclass(frozen=True)
class Described:
    """An event ready for a page: the event, its phrase and its labelled fields."""

    event: AuditEvent
    phrase: str
    fields: list[FieldRow]


def present(events: Iterable[AuditEvent], *, currency: str = "") -> list[Described]:
    """Events in words for the audit pages (object names read in one query per kind)."""
    events = list(events)
    names = object_names(events)
    return [
        Described(
            event=e,
            phrase=phrase_for(e, object_name=names.get((e.object_type, e.object_id))),
            fields=field_rows(e, currency=currency),
        )
        for e in events
    ]
