"""The set-up pages' forms: they read what was typed into the values the services take.

Reading text into values (hours, dates, JSON) is the form's job and its messages stand
beside the field; the rules those values must keep are the services' (`check_*`), called
here too so a refusal is shown beside the field it concerns.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import holidays as holidays_lib
from django import forms

from backoffice.core.errors import DomainError
from backoffice.work import catalog
from backoffice.work.calendar import WEEKDAYS, CalendarError, parse_hours
from backoffice.work.models import BillingUnit, Engagement
from backoffice.work.schema import check_schema

WEEKDAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
WORKFLOWS = {
    "capture_review_done": ("Capture, then QA review, then done", catalog.CAPTURE_REVIEW_DONE),
    "capture_done": ("Capture, then done", catalog.CAPTURE_DONE),
}
CURRENT_WORKFLOW = "current"
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")
MAX_SLA_HOURS = Decimal(100_000)


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [(z, z.replace("_", " ")) for z in zones]


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    from holidays.registry import COUNTRIES

    names = {meta[1]: key.replace("_", " ").title() for key, meta in COUNTRIES.items()}
    known = sorted(
        ((code, f"{name} ({code})") for code, name in names.items() if len(code) == 2),
        key=lambda pair: pair[1],
    )
    return [("", "No public holidays"), *known]


def subdivisions_of(country: str) -> list[str]:
    return list(holidays_lib.list_supported_countries().get(country, []))


def _json_field(label: str, help_text: str = "", rows: int = 8) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "false", "class": "code"}),
    )


def _read_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            f"The {what} is not valid JSON: {exc.msg.lower()} on line {exc.lineno}, "
            f"column {exc.colno}."
        ) from exc


def _hours_to_minutes(hours: Decimal) -> int:
    return int((hours * 60).to_integral_value())


def _minutes_to_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize()


class SetupForm(forms.Form):
    """A form that takes a service's refusal beside the field it names."""

    def add_domain_error(self, exc: DomainError) -> None:
        placed = False
        for key, msgs in exc.fields.items():
            name = self.field_for(key)
            for msg in msgs if isinstance(msgs, list | tuple) else [msgs]:
                self.add_error(name, str(msg) if name else exc.message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)

    def field_for(self, key: str) -> str | None:
        return key if key in self.fields else None

    def set_choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


# --- service types -----------------------------------------------------------------------------


class ServiceTypeForm(SetupForm):
    code = forms.SlugField(
        label="Code", max_length=50, help_text="Letters, digits and hyphens; fixed once saved."
    )
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    instructions = forms.CharField(
        label="Instructions to agents",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown beside the agent's form.",
    )
    output_schema = _json_field(
        "The agent's form (JSON Schema)", "Built with the field builder; experts may edit it."
    )
    input_schema = _json_field(
        "The client's data (JSON Schema)", "What a client sends with each item.", rows=6
    )
    workflow = forms.ChoiceField(label="Workflow")
    default_sla_hours = forms.DecimalField(
        label="Default SLA (business hours)",
        min_value=Decimal("0.02"),
        max_value=MAX_SLA_HOURS,
        decimal_places=2,
        initial=8,
    )
    qa_sample_percent = forms.IntegerField(
        label="QA sample (% of items reviewed)", min_value=0, max_value=100, initial=10
    )
    billing_unit = forms.ChoiceField(label="Billed per", choices=BillingUnit.choices)
    is_active = forms.BooleanField(label="Active (new engagements may use it)", required=False)

    def __init__(self, *args: Any, editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        choices = [(key, label) for key, (label, _) in WORKFLOWS.items()]
        if editing is not None:
            del self.fields["code"]
            if all(steps != editing.workflow for _, steps in WORKFLOWS.values()):
                steps = " → ".join(s.get("step", "?") for s in editing.workflow)
                choices.insert(0, (CURRENT_WORKFLOW, f"Keep the current steps ({steps})"))
        else:
            del self.fields["is_active"]
        self.set_choices("workflow", choices)

    @classmethod
    def initial_for(cls, service_type: Any) -> dict[str, Any]:
        workflow = next(
            (key for key, (_, steps) in WORKFLOWS.items() if steps == service_type.workflow),
            CURRENT_WORKFLOW,
        )
        return {
            "name": service_type.name,
            "description": service_type.description,
            "instructions": service_type.instructions,
            "output_schema": json.dumps(service_type.output_schema, indent=2),
            "input_schema": json.dumps(service_type.input_schema, indent=2),
            "workflow": workflow,
            "default_sla_hours": _minutes_to_hours(service_type.default_sla_minutes),
            "qa_sample_percent": service_type.qa_sample_percent,
            "billing_unit": service_type.billing_unit,
            "is_active": service_type.is_active,
        }

    def _clean_schema(self, key: str, what: str) -> dict[str, Any]:
        text = (self.cleaned_data.get(key) or "").strip()
        if not text:
            return {"type": "object", "properties": {}}
        schema = _read_json(text, what)
        if not isinstance(schema, dict):
            raise forms.ValidationError(f"The {what} must be a JSON object.")
        try:
            check_schema(schema)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return schema

    def clean_output_schema(self) -> dict[str, Any]:
        return self._clean_schema("output_schema", "agent's form")

    def clean_input_schema(self) -> dict[str, Any]:
        return self._clean_schema("input_schema", "client's data")

    def field_for(self, key: str) -> str | None:
        return {"default_sla_minutes": "default_sla_hours"}.get(key, super().field_for(key))

    def values(self) -> dict[str, Any]:
        """What the service takes, from the cleaned form."""
        data = self.cleaned_data
        values = {
            "name": data["name"].strip(),
            "description": data["description"],
            "instructions": data["instructions"],
            "input_schema": data["input_schema"],
            "output_schema": data["output_schema"],
            "default_sla_minutes": _hours_to_minutes(data["default_sla_hours"]),
            "qa_sample_percent": data["qa_sample_percent"],
            "billing_unit": data["billing_unit"],
        }
        if data["workflow"] != CURRENT_WORKFLOW:
            values["workflow"] = WORKFLOWS[data["workflow"]][1]
        if "is_active" in self.fields:
            values["is_active"] = data["is_active"]
        return values


# --- calendars ---------------------------------------------------------------------------------


def hours_text(ranges: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in ranges)


class CalendarForm(SetupForm):
    client = forms.TypedChoiceField(label="Client", coerce=int)
    name = forms.CharField(label="Name", max_length=100)
    timezone = forms.ChoiceField(label="Time zone")
    holiday_country = forms.ChoiceField(label="Public holidays of", required=False)
    holiday_subdivision = forms.CharField(
        label="Region (state, province)",
        max_length=10,
        required=False,
        help_text="Its code, e.g. NY for New York or BY for Bavaria; empty: national holidays.",
    )
    closures = forms.CharField(
        label="Closed on (your own dates)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One date a line, YYYY-MM-DD.",
    )

    def __init__(self, *args: Any, clients: list[Any], editing: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["client"]
        else:
            self.set_choices("client", [(c.pk, c.name) for c in clients])
        self.set_choices("timezone", timezone_choices())
        self.set_choices("holiday_country", country_choices())
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=WEEKDAY_NAMES[day],
                required=False,
                max_length=200,
                help_text="e.g. 09:00-12:00, 13:00-17:00; empty when closed.",
            )

    @classmethod
    def initial_for(cls, calendar: Any) -> dict[str, Any]:
        initial = {
            "name": calendar.name,
            "timezone": calendar.timezone,
            "holiday_country": calendar.holiday_country,
            "holiday_subdivision": calendar.holiday_subdivision,
            "closures": "\n".join(calendar.closures),
        }
        for day in WEEKDAYS:
            initial[f"hours_{day}"] = hours_text(calendar.working_hours.get(day, []))
        return initial

    @classmethod
    def initial_new(cls, client: Any | None) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "timezone": getattr(client, "timezone", "UTC"),
            "holiday_country": getattr(client, "country", ""),
        }
        for day in WEEKDAYS[:5]:
            initial[f"hours_{day}"] = "09:00-17:00"
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            text = (data.get(f"hours_{day}") or "").strip()
            if not text:
                continue
            ranges = []
            for part in text.split(","):
                match = _RANGE.match(part)
                if not match:
                    self.add_error(
                        f"hours_{day}", f"“{part.strip()}” is not a range like 09:00-17:00."
                    )
                    break
                start, end = (
                    f"{int(t.split(':')[0]):02d}:{t.split(':')[1]}" for t in match.groups()
                )
                ranges.append([start, end])
            else:
                try:
                    parse_hours({day: ranges})
                except CalendarError as exc:
                    self.add_error(f"hours_{day}", _hours_message(str(exc)))
                    continue
                hours[day] = ranges
        if not hours and not any(f"hours_{d}" in self.errors for d in WEEKDAYS):
            self.add_error("hours_mon", "Open the calendar on at least one day of the week.")
        data["working_hours"] = hours
        data["closure_dates"] = self._closures(data.get("closures") or "")
        self._check_region(data)
        return data

    def _closures(self, text: str) -> list[str]:
        dates = []
        for word in re.split(r"[\s,;]+", text.strip()):
            if not word:
                continue
            try:
                dates.append(date.fromisoformat(word).isoformat())
            except ValueError:
                self.add_error("closures", f"“{word}” is not a date like 2026-12-24.")
        return sorted(set(dates))

    def _check_region(self, data: dict[str, Any]) -> None:
        country = data.get("holiday_country") or ""
        region = (data.get("holiday_subdivision") or "").strip().upper()
        data["holiday_subdivision"] = region
        if region and not country:
            self.add_error("holiday_subdivision", "Choose the country of this region first.")
        elif region and region not in subdivisions_of(country):
            known = ", ".join(subdivisions_of(country)[:30]) or "none"
            self.add_error(
                "holiday_subdivision",
                f"{region} is not a region of {country} we know holidays for (known: {known}).",
            )

    def field_for(self, key: str) -> str | None:
        return {"timezone_name": "timezone"}.get(key, super().field_for(key))


def _hours_message(problem: str) -> str:
    if "overlap" in problem:
        return "These ranges overlap."
    if "forward" in problem:
        return "Each range must end after it starts (at most 24:00)."
    return "Write times as HH:MM, e.g. 09:00-17:00."


# --- engagements -------------------------------------------------------------------------------


class EngagementForm(SetupForm):
    client = forms.TypedChoiceField(label="Client", coerce=int)
    service_type = forms.TypedChoiceField(label="Service type", coerce=int)
    code = forms.SlugField(
        label="Code", max_length=50, help_text="Letters, digits and hyphens; fixed once saved."
    )
    name = forms.CharField(
        label="Name", max_length=200, required=False, help_text="Empty: the service type's name."
    )
    calendar = forms.TypedChoiceField(label="Business calendar", coerce=int)
    sla_hours = forms.DecimalField(
        label="SLA (hours)", min_value=Decimal("0.02"), max_value=MAX_SLA_HOURS, decimal_places=2
    )
    sla_basis = forms.ChoiceField(label="SLA clock", choices=Engagement.SlaBasis.choices)
    sla_target_percent = forms.IntegerField(
        label="SLA target (% of items on time)", min_value=1, max_value=100, initial=95
    )
    at_risk_percent = forms.IntegerField(
        label="At risk once this % of the SLA is used", min_value=1, max_value=100, initial=75
    )
    idle_timeout_minutes = forms.IntegerField(
        label="Release an idle item after (minutes)", min_value=1, max_value=1440, initial=30
    )
    double_key = forms.BooleanField(label="Double key (two agents key each item)", required=False)
    is_active = forms.BooleanField(label="Active (takes new work)", required=False)
    add_queue = forms.BooleanField(
        label="Add a queue that agents claim this engagement's work from", required=False
    )
    queue_name = forms.CharField(label="Queue name", max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        clients: list[Any],
        service_types: list[Any],
        calendars: list[Any],
        editing: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.calendars = {c.pk: c for c in calendars}
        if editing is not None:
            for name in ("client", "service_type", "code", "add_queue", "queue_name"):
                del self.fields[name]
            calendars = [c for c in calendars if c.tenant_id == editing.tenant_id]
            self.fields["sla_hours"].required = True
        else:
            del self.fields["is_active"]
            self.set_choices("client", [(c.pk, c.name) for c in clients])
            self.set_choices("service_type", [(s.pk, s.name) for s in service_types if s.is_active])
            self.fields["sla_hours"].required = False
            self.fields["sla_hours"].help_text = "Empty: the service type's default."
        self.set_choices("calendar", [(c.pk, f"{c.tenant.name} — {c.name}") for c in calendars])

    @classmethod
    def initial_for(cls, engagement: Any) -> dict[str, Any]:
        return {
            "name": engagement.name,
            "calendar": engagement.calendar_id,
            "sla_hours": _minutes_to_hours(engagement.sla_minutes),
            "sla_basis": engagement.sla_basis,
            "sla_target_percent": engagement.sla_target_percent,
            "at_risk_percent": engagement.at_risk_percent,
            "idle_timeout_minutes": engagement.idle_timeout_minutes,
            "double_key": engagement.double_key,
            "is_active": engagement.is_active,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        calendar = self.calendars.get(data.get("calendar") or 0)
        client_id = self.editing.tenant_id if self.editing is not None else data.get("client")
        if calendar is not None and client_id and calendar.tenant_id != client_id:
            self.add_error("calendar", "Choose a calendar of this client.")
        if data.get("add_queue") and not (data.get("queue_name") or "").strip():
            self.add_error("queue_name", "Name the queue, or leave the box unticked.")
        return data

    def field_for(self, key: str) -> str | None:
        return {"sla_minutes": "sla_hours", "priority_rules": None}.get(key, super().field_for(key))

    def sla_minutes(self) -> int | None:
        hours = self.cleaned_data.get("sla_hours")
        return _hours_to_minutes(hours) if hours else None


# --- queues ------------------------------------------------------------------------------------


class QueueForm(SetupForm):
    code = forms.SlugField(
        label="Code", max_length=50, help_text="Letters, digits and hyphens; fixed once saved."
    )
    name = forms.CharField(label="Name", max_length=200)
    engagement = forms.TypedChoiceField(
        label="Engagement", coerce=int, required=False, empty_value=None
    )
    service_type = forms.TypedChoiceField(
        label="Service type", coerce=int, required=False, empty_value=None
    )
    skill = forms.CharField(
        label="Skill", max_length=50, required=False, help_text="Items that need this skill."
    )
    language = forms.CharField(
        label="Language", max_length=10, required=False, help_text="e.g. en, de."
    )
    min_priority = forms.IntegerField(
        label="Lowest priority (0 all, 9 only the most urgent)", min_value=0, max_value=9, initial=0
    )

    def __init__(
        self,
        *args: Any,
        engagements: list[Any],
        service_types: list[Any],
        editing: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["code"]
        self.set_choices(
            "engagement",
            [("", "Any engagement"), *((e.pk, f"{e.tenant.name} — {e.name}") for e in engagements)],
        )
        self.set_choices(
            "service_type", [("", "Any service type"), *((s.pk, s.name) for s in service_types)]
        )

    @classmethod
    def initial_for(cls, queue: Any) -> dict[str, Any]:
        return {
            "name": queue.name,
            "engagement": queue.engagement_id or "",
            "service_type": queue.service_type_id or "",
            "skill": queue.skill,
            "language": queue.language,
            "min_priority": queue.min_priority,
        }


# --- priority rules ----------------------------------------------------------------------------

RULE_OPERATORS = (("equals", "is"), ("gte", "is at least"))
BLANK_RULE_ROWS = 2


def rule_rows(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Saved rules as the rows of the rules table, plus blank rows to add more."""
    rows = []
    for rule in rules:
        op = "gte" if "gte" in rule else "equals"
        value = rule.get(op)
        shown = json.dumps(value) if isinstance(value, bool) else str(value)
        rows.append(
            {"field": rule["field"], "op": op, "value": shown, "priority": str(rule["priority"])}
        )
    return rows + [{"field": "", "op": "equals", "value": "", "priority": ""}] * BLANK_RULE_ROWS


def _rule_value(text: str, op: str) -> Any:
    lowered = text.lower()
    if op == "equals" and lowered in ("true", "false", "yes", "no"):
        return lowered in ("true", "yes")
    try:
        number = Decimal(text)
    except ArithmeticError:
        if op == "gte":
            raise ValueError(text) from None
        return text
    if not number.is_finite():
        raise ValueError(text)
    return int(number) if number == number.to_integral_value() else float(number)


def read_priority_rules(
    post: Any, known_fields: set[str] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rules typed into the table: the rules, and the rows as typed with their error.

    A row with nothing in it is skipped; a row half filled is an error on that row, and so
    is a field the client's data does not have (`known_fields`, when known): such a rule
    would never match.
    """
    rules: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    typed = str(post.get("rule_rows", "0"))
    count = min(int(typed), 50) if typed.isdigit() else 0
    for i in range(count):
        row = {
            key: (post.get(f"rule_{key}_{i}") or "").strip()
            for key in ("field", "op", "value", "priority")
        }
        row["op"] = row["op"] if row["op"] in dict(RULE_OPERATORS) else "equals"
        rows.append(row)
        if not (row["field"] or row["value"] or row["priority"]):
            continue
        if not (row["field"] and row["value"] and row["priority"]):
            row["error"] = "Give the field, the value and the priority."
            continue
        if known_fields is not None and row["field"] not in known_fields:
            row["error"] = f"The client's data has no field “{row['field']}”."
            continue
        if not row["priority"].isdigit() or not 0 <= int(row["priority"]) <= 9:
            row["error"] = "The priority is a whole number from 0 to 9."
            continue
        try:
            value = _rule_value(row["value"], row["op"])
        except ValueError:
            row["error"] = "“At least” compares numbers: give a number."
            continue
        rules.append({"field": row["field"], row["op"]: value, "priority": int(row["priority"])})
    blanks = [{"field": "", "op": "equals", "value": "", "priority": ""}] * BLANK_RULE_ROWS
    return rules, [r for r in rows if any(r[k] for k in ("field", "value", "priority"))] + blanks
