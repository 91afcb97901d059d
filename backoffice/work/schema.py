"""JSON Schema for item data: validation with one message per field, the forms rendered from
it (the plain inputs of uploads and QA, the agent's workbench with its line grids and checks in
plain words) and finished results shown as labelled fields.

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
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from backoffice.core.errors import DomainError
from backoffice.core.numbers import MAX_EXACT, decimal_places, json_number_problem, to_decimal
from backoffice.vault.crypto import is_envelope
from backoffice.vault.fields import MASK, SHREDDED
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
            known = _prop_at(schema, path).get("properties", {})
            extra = [str(k) for k in error.instance if k not in known]
            message = f"Unknown field(s): {', '.join(extra)}."
        else:
            message = _rule_words(schema, path, str(error.validator))
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
    "x-sensitive",  # the vault seals the value (pii, phi, payment) before the check sees it
    "x-search",
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
    """One input of the schema-rendered form.

    `form_fields` gives the plain inputs the client's upload form and the QA pages post
    (arrays and objects as JSON); `entry_fields` gives the agent's workbench inputs, where
    an array of objects is a grid (`columns`, `rows` of cells named `lines-0-quantity`), an
    array of scalars a list (one per line) and a money amount a decimal input.
    """

    name: str
    label: str
    widget: str  # text, number, integer, amount, date, email, checkbox, select, textarea,
    # json; entry only: grid, list
    required: bool
    choices: tuple[str, ...] = ()
    value: Any = None
    raw: Any = None
    columns: tuple[FormField, ...] = ()
    rows: tuple[tuple[FormField, ...], ...] = ()
    errors: tuple[str, ...] = ()
    rules: str = ""  # the checks the browser runs as the agent types (JSON)
    hint: str = ""


def ordered_properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """An object schema's properties in the order people fill them in.

    PostgreSQL's JSONB keeps no key order, so a stored schema's `properties` come back
    shortest name first. The order is the schema's `x-order` list when it has one, else its
    `required` list (a list keeps its order), then the other properties as stored.
    """
    props: dict[str, Any] = schema.get("properties", {}) or {}
    order = [n for n in (schema.get("x-order") or schema.get("required") or []) if n in props]
    seen = set(order)
    return [(n, props[n]) for n in order] + [(n, p) for n, p in props.items() if n not in seen]


def _label(name: str, prop: dict[str, Any]) -> str:
    return str(prop.get("title") or name.replace("_", " ").capitalize())


def _plain_widget(name: str, prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    if "enum" in prop:
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return str(kind)
    if kind in ("array", "object"):
        return "json"
    if prop.get("format") in ("date", "email"):
        return str(prop["format"])
    if prop.get("minLength", 0) > 60 or name in ("transcript", "answer", "question"):
        return "textarea"
    return "text"


def form_fields(schema: dict[str, Any], values: dict[str, Any] | None = None) -> list[FormField]:
    """Top-level properties as form inputs; arrays and objects are edited as JSON."""
    values = values or {}
    required = set(schema.get("required", []))
    out = []
    for name, prop in ordered_properties(schema):
        widget = _plain_widget(name, prop)
        raw = values.get(name)
        value = json.dumps(raw) if widget == "json" and raw is not None else raw
        if is_envelope(raw):  # a sealed value is never put in a form, not even its cipher
            raw = value = MASK
        out.append(
            FormField(
                name=name,
                label=_label(name, prop),
                widget=widget,
                required=name in required,
                choices=tuple(str(c) for c in prop.get("enum", ())),
                value=value,
                raw=raw,
            )
        )
    return out


# --- the agent's workbench form ----------------------------------------------------------------

_AMOUNT_NAME = re.compile(r"(^|_)(amount|total|subtotal|price|cost|fee|tax|net|gross)(_|$)")
_SCALARS = ("string", "number", "integer", "boolean")


def is_amount(name: str, prop: dict[str, Any]) -> bool:
    """A money amount: a number marked `"format": "amount"` (the schema builder's amount
    type) or named like one (total, unit_price, claimed_amount)."""
    if prop.get("type") != "number":
        return False
    return prop.get("format") in ("amount", "money") or bool(_AMOUNT_NAME.search(name))


def currency_field(schema: dict[str, Any]) -> str | None:
    """The property that names the currency of the amounts (a `currency` text field)."""
    prop = schema.get("properties", {}).get("currency")
    return "currency" if prop and prop.get("type", "string") == "string" else None


def _entry_widget(name: str, prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    if kind == "array":
        items = prop.get("items", {})
        if items.get("type") == "object" and all(
            p.get("type", "string") in _SCALARS and p.get("type") != "array"
            for p in items.get("properties", {}).values()
        ):
            return "grid"
        if items.get("type", "string") in _SCALARS and items.get("type") != "boolean":
            return "list"
        return "json"
    if kind == "number" and is_amount(name, prop):
        return "amount"
    return _plain_widget(name, prop)


def _num(value: Any) -> str:
    number = Decimal(str(value))
    return f"{number:,f}" if number == number.to_integral() else f"{number.normalize():,f}"


def _messages(prop: dict[str, Any], widget: str) -> dict[str, str]:
    """Each rule of the field in plain words: the same text beside the field whether the
    browser or the server found the problem."""
    m = {"required": "This field is required."}
    if widget == "integer" or prop.get("type") == "integer":
        m["type"] = "Enter a whole number, like 12."
    elif widget in ("number", "amount"):
        m["type"] = "Enter a number, like 12.50."
    elif widget == "date":
        m["type"] = m["format"] = "Enter a date."
    elif widget == "email":
        m["format"] = "Enter an email address, like name@example.com."
    else:
        m["type"] = "This value is not accepted here."
    if "minimum" in prop:
        m["minimum"] = f"Enter {_num(prop['minimum'])} or more."
    if "exclusiveMinimum" in prop:
        m["exclusiveMinimum"] = f"Enter more than {_num(prop['exclusiveMinimum'])}."
    if "maximum" in prop:
        m["maximum"] = f"Enter {_num(prop['maximum'])} or less."
    if "exclusiveMaximum" in prop:
        m["exclusiveMaximum"] = f"Enter less than {_num(prop['exclusiveMaximum'])}."
    if prop.get("minLength", 0) > 1:
        m["minLength"] = f"Enter at least {prop['minLength']} characters."
    elif "minLength" in prop:
        m["minLength"] = m["required"]
    if "maxLength" in prop:
        m["maxLength"] = f"Enter at most {prop['maxLength']} characters."
    if "pattern" in prop:
        examples = prop.get("examples") or []
        example = f", like {examples[0]}" if examples else ""
        m["pattern"] = f"This is not in the expected form{example}."
    if "enum" in prop:
        m["enum"] = "Choose one of: " + ", ".join(str(c) for c in prop["enum"]) + "."
    if "minItems" in prop:
        n = prop["minItems"]
        m["minItems"] = f"Add at least {n} {'line' if n == 1 else 'lines'}."
    if "maxItems" in prop:
        m["maxItems"] = f"Enter at most {prop['maxItems']} lines."
    if widget == "amount":
        m["places"] = "Amounts in {currency} have at most {places} decimals."
    m.update({k: str(v) for k, v in (prop.get("x-messages") or {}).items()})
    return m


_RULE_KEYS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "minItems",
    "maxItems",
)


def _rules(prop: dict[str, Any], widget: str, required: bool) -> str:
    rules: dict[str, Any] = {k: prop[k] for k in _RULE_KEYS if k in prop}
    rules.update(widget=widget, required=required, messages=_messages(prop, widget))
    if prop.get("type") == "integer":
        rules["integer"] = True
    return json.dumps(rules, sort_keys=True)


def _as_text(value: Any, widget: str, places: int | None) -> Any:
    """A stored value as the text an input shows (amounts with the currency's decimals)."""
    if value is None:
        return ""
    if widget == "checkbox":
        return bool(value)
    if widget in ("number", "integer", "amount") and isinstance(value, int | float):
        if isinstance(value, bool):
            return str(value)
        number = Decimal(str(value))
        if widget == "amount" and places is not None and decimal_places(number) <= places:
            return f"{number.quantize(Decimal(1).scaleb(-places)):f}"
        return f"{number:f}"
    if widget == "list" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if widget == "json":
        return json.dumps(value)
    return str(value)


def entry_fields(
    schema: dict[str, Any],
    *,
    values: dict[str, Any] | None = None,
    typed: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    exponents: dict[str, int] | None = None,
) -> list[FormField]:
    """The agent's inputs: from stored `values`, or from what was `typed` (after a refusal,
    so nothing typed is lost), with each input's `errors` beside it."""
    values = values or {}
    errors = errors or {}
    currency = values.get(currency_field(schema) or "")
    if typed is not None:
        currency = typed.get(currency_field(schema) or "")
    places = (exponents or {}).get(str(currency)) if currency else None
    required = set(schema.get("required", []))
    out = []
    for name, prop in ordered_properties(schema):
        widget = _entry_widget(name, prop)
        raw = values.get(name)
        columns: tuple[FormField, ...] = ()
        rows: tuple[tuple[FormField, ...], ...] = ()
        if widget == "grid":
            columns, rows = _grid(name, prop, raw, typed, errors, places)
            value: Any = None
        elif typed is not None:
            value = typed.get(name, "")
        else:
            value = _as_text(raw, widget, places)
        out.append(
            FormField(
                name=name,
                label=_label(name, prop),
                widget=widget,
                required=name in required,
                choices=tuple(str(c) for c in prop.get("enum", ())),
                value=value,
                raw=raw,
                columns=columns,
                rows=rows,
                errors=tuple(errors.get(name, ())),
                rules=_rules(prop, widget, name in required),
                hint=str(prop.get("description", "")),
            )
        )
    return out


def _grid(
    name: str,
    prop: dict[str, Any],
    raw: Any,
    typed: dict[str, Any] | None,
    errors: FieldErrors,
    places: int | None,
) -> tuple[tuple[FormField, ...], tuple[tuple[FormField, ...], ...]]:
    items = prop.get("items", {})
    needed = set(items.get("required", []))
    columns = tuple(
        FormField(
            name=col,
            label=_label(col, cprop),
            widget=_entry_widget(col, cprop),
            required=col in needed,
            choices=tuple(str(c) for c in cprop.get("enum", ())),
            rules=_rules(cprop, _entry_widget(col, cprop), col in needed),
        )
        for col, cprop in ordered_properties(items)
    )
    if typed is not None:
        texts = list(typed.get(name) or [])
    else:
        texts = [
            {c.name: _as_text(row.get(c.name), c.widget, places) for c in columns}
            for row in (raw if isinstance(raw, list) else [])
            if isinstance(row, dict)
        ]
    texts = texts or [{}]  # an empty grid starts with one blank line to type into
    rows = tuple(
        tuple(
            FormField(
                name=f"{name}-{i}-{c.name}",
                label=f"{c.label}, line {i + 1}",
                widget=c.widget,
                required=c.required,
                choices=c.choices,
                value=row.get(c.name, False if c.widget == "checkbox" else ""),
                errors=tuple(errors.get(f"{name}-{i}-{c.name}", ())),
            )
            for c in columns
        )
        for i, row in enumerate(texts)
    )
    return columns, rows


@dataclass
class FormRead:
    """What the agent posted: the output as the schema's types, the problems per input
    (named as the inputs are, `lines-0-quantity`), and the text as typed."""

    output: dict[str, Any]
    errors: FieldErrors
    typed: dict[str, Any]


_GRID_KEY = re.compile(r"^(?P<index>\d{1,4})-(?P<col>.+)$")


def read_form(
    schema: dict[str, Any], post: Any, *, exponents: dict[str, int] | None = None
) -> FormRead:
    """Read the workbench form and check it against the schema, every problem in the words
    `_messages` gives (the browser shows the same ones as the agent types)."""
    result = FormRead({}, {}, {})
    cur_name = currency_field(schema)
    currency = str(post.get(cur_name, "")).strip() if cur_name else ""
    places = (exponents or {}).get(currency) if currency else None
    for name, prop in ordered_properties(schema):
        widget = _entry_widget(name, prop)
        if widget == "grid":
            _read_grid(result, name, prop, post, currency, places)
        elif widget == "checkbox":
            result.typed[name] = bool(post.get(name))
            result.output[name] = result.typed[name]
        elif widget == "list":
            text = str(post.get(name, ""))
            result.typed[name] = text
            item_prop = prop.get("items", {})
            values = []
            for line in (s.strip() for s in text.splitlines()):
                if line:
                    value, problem = _read_text(line, item_prop, _entry_widget(name, item_prop))
                    if problem:
                        result.errors.setdefault(name, []).append(f"{line}: {problem}")
                    values.append(value)
            if values:
                result.output[name] = values
        else:
            text = str(post.get(name, ""))
            result.typed[name] = text
            value, problem = _read_text(text, prop, widget, currency, places)
            if problem:
                result.errors[name] = [problem]
            elif value is not None:
                result.output[name] = value
    for error in validator_for(schema).iter_errors(result.output):
        key, message = _plain_error(schema, error)
        if key not in result.errors:
            result.errors.setdefault(key, []).append(message)
        elif message not in result.errors[key] and error.validator != "required":
            result.errors[key].append(message)
    return result


def _read_grid(
    result: FormRead,
    name: str,
    prop: dict[str, Any],
    post: Any,
    currency: str,
    places: int | None,
) -> None:
    """The grid's rows in their order on the page; rows left blank are no lines."""
    cols = dict(ordered_properties(prop.get("items", {})))
    by_index: dict[int, dict[str, str]] = {}
    for key in post:
        if not key.startswith(f"{name}-"):
            continue
        match = _GRID_KEY.match(key[len(name) + 1 :])
        if match and match["col"] in cols:
            by_index.setdefault(int(match["index"]), {})[match["col"]] = str(post.get(key, ""))
    typed_rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for _, row in sorted(by_index.items()):
        if not any(v.strip() for col, v in row.items() if cols[col].get("type") != "boolean"):
            continue
        i = len(lines)
        line: dict[str, Any] = {}
        shown: dict[str, Any] = {}
        for col, cprop in cols.items():
            widget = _entry_widget(col, cprop)
            if widget == "checkbox":
                shown[col] = line[col] = bool(row.get(col))
                continue
            text = row.get(col, "")
            shown[col] = text
            value, problem = _read_text(text, cprop, widget, currency, places)
            if problem:
                result.errors[f"{name}-{i}-{col}"] = [problem]
            elif value is not None:
                line[col] = value
        typed_rows.append(shown)
        lines.append(line)
    result.typed[name] = typed_rows
    if lines:
        result.output[name] = lines


def number_text(text: str) -> str:
    """Typed number text as a plain decimal: spaces and apostrophes dropped; with both a dot
    and a comma the last one is the decimal mark ("1,180.40" and "1.180,40" are 1180.40); a
    lone comma not followed by exactly three digits is a decimal comma ("9,5" is 9.5, "1,180"
    is 1180). The browser's check reads numbers by the same rule (workbench.js)."""
    text = re.sub(r"[\s\u00a0\u202f']", "", text)
    if "." in text and "," in text:
        if text.rindex(",") > text.rindex("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "." in text:
        return text
    head, comma, tail = text.partition(",")
    if comma and "," not in tail and len(tail) != 3:
        return f"{head}.{tail}"
    return text.replace(",", "")


def _read_text(
    text: str,
    prop: dict[str, Any],
    widget: str,
    currency: str = "",
    places: int | None = None,
) -> tuple[Any, str | None]:
    """One typed value as the schema's type, or the plain words of why it cannot be."""
    text = text.strip()
    if not text:
        return None, None
    messages = _messages(prop, widget)
    kind = prop.get("type", "string")
    if kind not in ("number", "integer"):
        if widget == "json":
            try:
                return json.loads(text), None
            except ValueError:
                return None, "This value is not accepted here."
        return text, None
    try:
        number = to_decimal(number_text(text), places=0 if kind == "integer" else None)
    except ValueError:
        return None, messages["type"]
    if abs(number) > MAX_EXACT:
        return None, f"Enter at most {MAX_EXACT:,}."
    if widget == "amount" and places is not None and decimal_places(number) > places:
        return None, messages["places"].format(currency=currency, places=places)
    if kind == "integer" or decimal_places(number) == 0:
        return int(number), None
    return float(number), None


def _prop_at(schema: dict[str, Any], path: list[str]) -> dict[str, Any]:
    prop = schema
    for part in path:
        if part.isdigit() and prop.get("type") == "array":
            prop = prop.get("items", {})
        else:
            prop = prop.get("properties", {}).get(part, {})
    return prop


def _rule_words(schema: dict[str, Any], path: list[str], rule: str) -> str:
    """A broken schema rule in the words the agent's form uses: jsonschema's own text
    quotes the value, the pattern (a regular expression) and the schema's internals."""
    prop = _prop_at(schema, path) if path else schema
    widget = _entry_widget(path[-1], prop) if path and prop else "text"
    return _messages(prop, widget).get(rule, "This value is not accepted here.")


def _plain_error(schema: Any, error: Any) -> tuple[str, str]:
    """Where a schema problem goes on the form (the input's name) and its plain words."""
    path = [str(p) for p in error.absolute_path]
    rule = error.validator
    if rule == "required":
        path.append(error.message.split("'")[1] if "'" in error.message else "")
    if not path:
        if rule == "additionalProperties":
            return "", "The form has a field this service does not know; reload the page."
        return "", "The form is not complete."
    top = schema.get("properties", {}).get(path[0], {})
    widget = _entry_widget(path[0], top)
    key = path[0]
    if widget == "grid" and len(path) >= 3:
        key = "-".join(path[:3])
    prop = _prop_at(schema, path)
    messages = _messages(prop, _entry_widget(path[-1], prop) if prop else "text")
    if rule == "required":
        return key, messages["required"]
    if rule == "additionalProperties":
        return key, "This line has a column this service does not know."
    return key, messages.get(str(rule), "This value is not accepted here.")


# --- a result as labelled fields ------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One labelled value of a finished result or the client's data; a line group has its
    columns, rows of cell texts and the totals of its number columns."""

    label: str
    text: str
    kind: str  # text, amount, number, lines, empty, masked
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    totals: tuple[str, ...] = ()
    numeric: tuple[bool, ...] = ()
    path: str = ""  # "data.iban": a confidential field shown masked, which may be revealed


def shown_fields(
    schema: dict[str, Any],
    data: Any,
    *,
    exponents: dict[str, int] | None = None,
    prefix: str = "data",
) -> list[Shown]:
    """Every field of `data` with the schema's label, in the schema's order (fields the
    schema does not name follow), as people read them: Yes/No, amounts with the currency's
    decimals and code, lines as a table with totals."""
    data = data if isinstance(data, dict) else {}
    props = dict(ordered_properties(schema))
    for extra in data:
        props.setdefault(extra, {})
    cur = data.get(currency_field(schema) or "")
    currency = str(cur) if isinstance(cur, str) else ""
    places = (exponents or {}).get(currency)
    out = []
    for name, prop in props.items():
        value = data.get(name)
        widget = _entry_widget(name, prop)
        if widget == "grid" and isinstance(value, list):
            out.append(_shown_lines(name, prop, value, currency, places))
            continue
        if prop.get("x-sensitive") and _masked(value):
            text = value if isinstance(value, str) else MASK  # never a sealed value's text
            out.append(Shown(_label(name, prop), text, "masked", path=f"{prefix}.{name}"))
            continue
        kind = "empty" if value is None else ("amount" if widget == "amount" else "text")
        out.append(Shown(_label(name, prop), _text(value, widget, currency, places), kind))
    return out


def _masked(value: Any) -> bool:
    return is_envelope(value) or (isinstance(value, str) and value.startswith((MASK, SHREDDED)))


def _text(value: Any, widget: str, currency: str, places: int | None) -> str:
    if value is None or value == "":
        return "—"
    if is_envelope(value):
        return MASK
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        if widget == "amount" and places is not None and decimal_places(number) <= places:
            number = number.quantize(Decimal(1).scaleb(-places))
            return f"{number:,f} {currency}".strip()
        return f"{number:,f}"
    if isinstance(value, list):
        return ", ".join(_text(v, "text", currency, places) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(
            f"{_label(k, {})}: {_text(v, 'text', currency, places)}" for k, v in value.items()
        )
    return str(value)


def _shown_lines(
    name: str, prop: dict[str, Any], lines: list[Any], currency: str, places: int | None
) -> Shown:
    cols = dict(ordered_properties(prop.get("items", {})))
    widgets = {c: _entry_widget(c, p) for c, p in cols.items()}
    numeric = tuple(w in ("number", "integer", "amount") for w in widgets.values())
    rows = []
    sums = [Decimal(0)] * len(cols)
    for line in lines:
        line = line if isinstance(line, dict) else {}
        cells = []
        for i, (col, widget) in enumerate(widgets.items()):
            value = line.get(col)
            cells.append(_text(value, widget, currency, places))
            if numeric[i] and isinstance(value, int | float) and not isinstance(value, bool):
                sums[i] += Decimal(str(value))
        rows.append(tuple(cells))
    totals = tuple(
        _text(sums[i], w, currency, places) if numeric[i] else ""
        for i, w in enumerate(widgets.values())
    )
    return Shown(
        label=_label(name, prop),
        text=f"{len(rows)} {'line' if len(rows) == 1 else 'lines'}",
        kind="lines",
        columns=tuple(_label(c, p) for c, p in cols.items()),
        rows=tuple(rows),
        totals=totals,
        numeric=numeric,
    )


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
