"""JSON Schema for item data: validation with one message per field, and form rendering.

Validators are compiled once per schema (schemas are few, items are many) and report every
problem with a dotted field path (`lines.0.quantity`), so the API, the upload report and
the agent's form all name the field that is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from backoffice.core.errors import DomainError

FieldErrors = dict[str, list[str]]


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Draft202012Validator:
    schema = json.loads(schema_json)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    return _validator(json.dumps(schema, sort_keys=True))


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse a schema that is not valid JSON Schema (when a service type is defined)."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise DomainError(f"Invalid JSON Schema: {exc.message}", code="invalid_schema") from exc
    if schema.get("type", "object") != "object":
        raise DomainError("An item schema must describe an object.", code="invalid_schema")


def field_errors(schema: dict[str, Any], data: Any) -> FieldErrors:
    """Every problem with `data`, keyed by dotted field path ("" for the whole object)."""
    errors: FieldErrors = {}
    validator = validator_for(schema)
    for error in validator.iter_errors(data):
        path = [str(p) for p in error.absolute_path]
        message = error.message
        if error.validator == "required":
            missing = message.split("'")[1] if "'" in message else ""
            path.append(missing)
            message = "This field is required."
        elif error.validator == "additionalProperties":
            message = "Unknown field(s): " + message.split("(")[-1].rstrip(")")
        errors.setdefault(".".join(path), []).append(message)
    return errors


def validate(schema: dict[str, Any], data: Any, *, what: str = "data") -> None:
    errors = field_errors(schema, data)
    if errors:
        raise DomainError(
            f"The item's {what} does not match the service's schema.",
            code="schema_violation",
            fields=errors,
        )


@dataclass(frozen=True)
class FormField:
    """One input of the schema-rendered form."""

    name: str
    label: str
    widget: str  # text, number, integer, date, email, checkbox, select, textarea, json
    required: bool
    choices: tuple[str, ...] = ()
    value: Any = None


def form_fields(schema: dict[str, Any], values: dict[str, Any] | None = None) -> list[FormField]:
    """Top-level properties as form inputs; arrays and objects are edited as JSON."""
    values = values or {}
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type", "string")
        if "enum" in prop:
            widget = "select"
        elif kind == "boolean":
            widget = "checkbox"
        elif kind in ("number", "integer"):
            widget = kind
        elif kind in ("array", "object"):
            widget = "json"
        elif prop.get("format") in ("date", "email"):
            widget = prop["format"]
        elif prop.get("minLength", 0) > 60 or name in ("transcript", "answer", "question"):
            widget = "textarea"
        else:
            widget = "text"
        value = values.get(name)
        if widget == "json" and value is not None:
            value = json.dumps(value)
        out.append(
            FormField(
                name=name,
                label=prop.get("title") or name.replace("_", " ").capitalize(),
                widget=widget,
                required=name in required,
                choices=tuple(str(c) for c in prop.get("enum", ())),
                value=value,
            )
        )
    return out


def coerce(schema: dict[str, Any], raw: dict[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    """Turn text cells (CSV, XLSX, form posts) into the types the schema asks for.

    Empty cells are dropped (so `required` reports them). Values that cannot be converted
    are reported per field instead of raising.
    """
    props = schema.get("properties", {})
    out: dict[str, Any] = {}
    errors: FieldErrors = {}
    for name, value in raw.items():
        if value is None or (isinstance(value, str) and value.strip() == ""):
            continue
        kind = props.get(name, {}).get("type")
        if not isinstance(value, str) or kind in (None, "string"):
            out[name] = value.strip() if isinstance(value, str) else value
            continue
        text = value.strip()
        try:
            if kind == "integer":
                out[name] = int(text)
            elif kind == "number":
                number = float(text)
                out[name] = int(number) if number.is_integer() and "." not in text else number
            elif kind == "boolean":
                lowered = text.lower()
                if lowered not in ("true", "false", "yes", "no", "1", "0", "on"):
                    raise ValueError(text)
                out[name] = lowered in ("true", "yes", "1", "on")
            else:
                out[name] = json.loads(text)
        except ValueError:
            errors.setdefault(name, []).append(f"{text!r} is not a valid {kind}.")
    return out, errors
