"""What pages show in words: times with their zone named, audit events as phrases and
labelled values. `{% load readable %}`:

- `{{ item.sla_due_at|when }}` -> "2026-11-30 17:05 Manila time" (the viewer's zone);
- `{{ item.sla_due_at|in_zone:engagement.timezone }}` -> "2026-11-30 04:05 New York time";
- `{% due_time item.sla_due_at item.engagement.tenant.timezone %}` -> the viewer's time, and
  the client's beside it when the client's clock differs ("… · 04:05 New York time for the
  client"): an agent in Manila sees when the client in New York expects the work;
- `{{ row|audit_value:"after" }}` -> one field of an audit event's change, formatted;
- `{{ event|audit_phrase }}` -> "Queue “Claims” created" (one event; lists use
  `audit.descriptions.present`, which reads the objects' names in bulk).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

from backoffice.audit.descriptions import FieldRow, code_words, object_names, phrase_for
from backoffice.audit.models import AuditEvent
from backoffice.core.dates import local_text, zone_label
from backoffice.ledger.money import display

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    return local_text(value)


@register.filter
def when_exact(value: datetime | None) -> str:
    return local_text(value, seconds=True)


@register.filter
def in_zone(value: datetime | None, zone: str) -> str:
    return local_text(value, zone or "UTC")


@register.simple_tag
def due_time(value: datetime | None, client_zone: str | None) -> SafeString | str:
    if value is None:
        return "—"
    mine = local_text(value)
    if not client_zone or zone_label(client_zone) == zone_label(timezone.get_current_timezone()):
        return mine
    theirs = local_text(value, client_zone)
    return format_html(
        '{} <span class="muted client-time">· {} for the client</span>', mine, theirs
    )


@register.filter
def audit_phrase(event: AuditEvent) -> str:
    names = object_names([event])
    return phrase_for(event, object_name=names.get((event.object_type, event.object_id)))


def _amount(value: Any, currency: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return _plain(value)
    return display(value, currency)


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{code_words(str(k))}: {_plain(v)}" for k, v in value.items())
    return str(value)


def _rows(rows: list[str]) -> SafeString:
    return format_html_join("", "<div>{}</div>", ((r,) for r in rows)) if rows else SafeString("—")


def _entry_line(line: Any) -> str:
    """`[account code, currency, signed amount]` (debits positive) -> "1100 debit $12.00"."""
    if isinstance(line, list) and len(line) == 3 and isinstance(line[2], int):
        code, currency, amt = line
        side = "debit" if amt >= 0 else "credit"
        return f"{code} {side} {display(abs(amt), str(currency))}"
    return _plain(line)


@register.filter
def audit_value(row: FieldRow, side: str) -> SafeString | str:
    """One side ("before" or "after") of a field of an audit event, as people read it."""
    value = row.before if side == "before" else row.after
    if value is None:
        return "—"
    kind = row.kind
    if kind == "money":
        return _amount(value, row.currency)
    if kind == "code" and isinstance(value, str):
        return code_words(value)
    if kind == "datetime" and isinstance(value, str):
        try:
            return local_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    if kind == "lines" and isinstance(value, list):
        return _rows([_entry_line(line) for line in value])
    if kind == "allocations" and isinstance(value, list):
        return _rows(
            [
                f"{pair[0]}: {_amount(pair[1], row.currency)}"
                if isinstance(pair, list) and len(pair) == 2
                else _plain(pair)
                for pair in value
            ]
        )
    return conditional_escape(_plain(value))
