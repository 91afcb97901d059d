"""JSON Schema for item data: validation with one message per field, and form rendering.

Validators are compiled once per schema (schemas are few, items are many) and report every
problem with a dotted field path (`lines.0.quantity`), so the API, the upload report and
the agent's form all name the field that is wrong.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from backoffice.core.errors import DomainError
from backoffice.core.numbers import MAX_EXACT, json_number_problem
from backoffice.work.error_codes import ErrorCode

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
        raise DomainError(
            f"Invalid JSON Schema: {exc.message}", code=ErrorCode.INVALID_SCHEMA
        ) from exc
    if schema.get("type", "object") != "object":
        raise DomainError("An item schema must describe an object.", code=ErrorCode.INVALID_SCHEMA)


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
    for path_parts, problem in _number_problems(data, ()):
        errors.setdefault(".".join(path_parts), []).append(f"{problem.capitalize()}.")
    return errors


def _number_problems(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Paths of numbers JSON cannot carry faithfully (`core.numbers.json_number_problem`):
    NaN and infinities, and magnitudes past 2**53 - 1, so they are refused."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        problem = json_number_problem(value)
        if problem:
            yield path, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _number_problems(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _number_problems(item, (*path, str(index)))


_SIMPLE_TYPES = {"string", "number", "integer", "boolean"}
_PROP_KEYS = {
    "type",
    "title",
    "description",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minLength",
    "maxLength",
    "enum",
    "format",
    "pattern",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=512)
def _fast(schema_json: str) -> Callable[[Any], bool] | None:
    """A quick sufficient check for flat schemas: True means valid for certain.

    Intake validates every row; jsonschema's general machinery costs tens of µs a row.
    For the common flat schema (scalars with bounds, enums, dates) this closure answers
    "valid" in a few µs. Anything it is unsure about returns False and the full validator
    decides (and words the messages), so it can never accept what jsonschema refuses.
    """
    schema = json.loads(schema_json)
    if set(schema) - {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "title",
        "description",
        "$schema",
    }:
        return None
    if schema.get("type", "object") != "object":
        return None
    props: dict[str, Any] = schema.get("properties", {})
    checks: list[tuple[str, Callable[[Any], bool]]] = []
    for name, prop in props.items():
        if set(prop) - _PROP_KEYS or prop.get("type") not in _SIMPLE_TYPES:
            return None
        if prop.get("format") not in (None, "date"):
            return None
        checks.append((name, _scalar_check(prop)))
    required = tuple(schema.get("required", ()))
    closed = schema.get("additionalProperties", True) is False
    known = frozenset(props)

    def check(data: Any) -> bool:
        if type(data) is not dict:
            return False
        for name in required:
            if name not in data:
                return False
        if closed and not known.issuperset(data):
            return False
        return all(ok(data[name]) for name, ok in checks if name in data)

    return check


def _scalar_check(prop: dict[str, Any]) -> Callable[[Any], bool]:
    kind = prop["type"]
    lo, hi = prop.get("minimum"), prop.get("maximum")
    xlo = prop.get("exclusiveMinimum")
    min_len, max_len = prop.get("minLength"), prop.get("maxLength")
    enum = (
        frozenset(prop["enum"])
        if "enum" in prop and all(isinstance(e, str) for e in prop["enum"])
        else None
    )
    if "enum" in prop and enum is None:
        return lambda v: False
    pattern = re.compile(prop["pattern"]) if "pattern" in prop else None
    is_date = prop.get("format") == "date"

    def ok(v: Any) -> bool:
        t = type(v)
        if kind == "string":
            if t is not str:
                return False
            if min_len is not None and len(v) < min_len:
                return False
            if max_len is not None and len(v) > max_len:
                return False
            if pattern is not None and not pattern.search(v):
                return False
            if is_date and not _is_date(v):
                return False
        elif kind == "boolean":
            return t is bool
        else:
            if t is not int and (kind == "integer" or t is not float or not math.isfinite(v)):
                return False
            if v > MAX_EXACT or v < -MAX_EXACT:
                return False
            if lo is not None and v < lo:
                return False
            if hi is not None and v > hi:
                return False
            if xlo is not None and v <= xlo:
                return False
        return enum is None or v in enum

    return ok


def _is_date(v: str) -> bool:
    if not _DATE.match(v):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def validate(schema: dict[str, Any], data: Any, *, what: str = "data") -> None:
    errors = field_errors(schema, data)
    if errors:
        raise DomainError(
            f"The item's {what} does not match the service's schema.",
            code=ErrorCode.SCHEMA_VIOLATION,
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


def fast_check(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    """The fast sufficient check for `schema`, or None when it has none."""
    return _fast(json.dumps(schema, sort_keys=True))
