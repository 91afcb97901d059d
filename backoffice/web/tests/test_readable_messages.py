"""No message a person can be shown speaks the code's language: not "minor units", not a
raw field path (`lines[0]`, `output.amount`), not a regular expression.

Three sources are walked: every error message written in the code (the first argument and
the field messages of each `DomainError`, `ValidationError`, `NumberError`…, and each
`messages.error`), the schema validation messages for bad data of every service type in
the catalogue, and the errors of every Django form of the project given bad input."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from django import forms

import backoffice
from backoffice.work.catalog import TEMPLATES
from backoffice.work.schema import field_errors

PACKAGE = Path(backoffice.__file__).resolve().parent
# Messages of the command line and of operators' tools are for those who run them.
NOT_SHOWN_TO_USERS = ("tests", "migrations", "management", "bench")

JARGON = {
    "minor units": re.compile(r"minor units?\b", re.I),
    "a raw field path": re.compile(
        r"\b[a-z_]+\[(?:\d+|\{[^}]*\})\]"  # lines[0], lines[{i}]
        r"|\b(?:lines|entries|output|input|data|values|verdicts|items|body|charges)"
        r"\.(?:\d+|[a-z_]+)\b",  # output.amount, lines.0
        re.I,
    ),
    "a regular expression": re.compile(
        r"\^\S*\$|\\[dwsbDWS]|\[0-9|\[a-z|\[A-Z|\(\?[:=!P<]|\.\*|\.\+"
    ),
}
ERROR_CALLS = {"DomainError", "NotFound", "Conflict", "Forbidden", "ValidationError"}


def jargon_in(text: str) -> list[str]:
    return [name for name, pattern in JARGON.items() if pattern.search(text)]


def test_jargon_in_finds_what_it_must():
    assert jargon_in("Overpaid by 1200 minor units.") == ["minor units"]
    assert jargon_in("lines[0].amount: must be positive") == ["a raw field path"]
    assert jargon_in("output.total is required") == ["a raw field path"]
    assert jargon_in("'ab' does not match '^[A-Z]{3}$'") == ["a regular expression"]
    assert jargon_in("Line 1, amount: enter 0 or more.") == []
    assert jargon_in("Enter an email address, like name@example.com.") == []


def _template(node: ast.expr, source: str) -> str | None:
    """A message as written: literal text, with each placeholder as `{its expression}`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(v.value)
            if isinstance(v, ast.Constant)
            else "{" + (ast.get_source_segment(source, v.value) or "") + "}"  # type: ignore[attr-defined]
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left, source), _template(node.right, source)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def _messages_in(node: ast.Call) -> list[ast.expr]:
    name = getattr(node.func, "attr", None) or getattr(node.func, "id", None) or ""
    if isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "messages":
        return node.args[1:2] if name in {"error", "warning"} else []
    if name not in ERROR_CALLS and not name.endswith("Error"):
        return []
    found = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "message")]
    for k in node.keywords:
        if k.arg == "fields" and isinstance(k.value, ast.Dict):
            for value in k.value.values:
                if isinstance(value, ast.List | ast.Tuple):
                    found += value.elts
    return found


def written_messages() -> list[tuple[str, str]]:
    """(where, message) for every error message written in the code people see."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if set(path.relative_to(PACKAGE).parts) & set(NOT_SHOWN_TO_USERS):
            continue
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                for arg in _messages_in(node):
                    text = _template(arg, source)
                    if text:
                        found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", text))
    return found


def _literal(text: str) -> str:
    """The literal words of a message: placeholders are values, checked where they are made;
    a placeholder that is itself a path or a pattern is named for what it is."""
    return re.sub(
        r"\{([^{}]*)\}",
        lambda m: "lines[0]" if re.search(r"\b(path|pattern|regex)\b", m[1]) else "…",
        text,
    )


def test_no_written_error_message_speaks_the_codes_language():
    messages = written_messages()
    assert len(messages) > 300, "the walk found too few messages to mean anything"
    bad = [
        f"{where}: {text!r} ({', '.join(jargon_in(_literal(text)))})"
        for where, text in messages
        if jargon_in(_literal(text))
    ]
    assert not bad, "\n".join(bad)


def _bad_values(prop: dict[str, Any]) -> list[Any]:
    """Values that break each rule of a schema property."""
    kind = prop.get("type")
    values: list[Any] = [{"nested": True}]
    if kind in ("number", "integer"):
        values += ["twelve", 1.5 if kind == "integer" else None]
        if "minimum" in prop:
            values.append(prop["minimum"] - 1)
        if "maximum" in prop:
            values.append(prop["maximum"] + 1)
    elif kind == "string":
        values += [12, "" if prop.get("minLength") else None, "x" * 5000]
        if prop.get("format") == "date":
            values.append("30/11/2026")
        if "pattern" in prop:
            values.append("!!")
        if "enum" in prop:
            values.append("not-a-choice")
    elif kind == "array":
        values += ["a list", [{"unknown": 1}, {}], [5]]
    return [v for v in values if v is not None]


def _schemas() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for code, template in TEMPLATES.items():
        for key in ("input_schema", "output_schema"):
            if template.get(key):
                found.append((f"{code}.{key}", template[key]))
    found.append(
        (
            "patterned",
            {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z]{3}$", "title": "Code"},
                    "lines": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {"amount": {"type": "number", "minimum": 0}},
                            "required": ["amount"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["code"],
                "additionalProperties": False,
            },
        )
    )
    return found


@pytest.mark.parametrize(
    ("where", "schema"), _schemas(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_schema_validation_messages_are_in_plain_words(where, schema):
    checked = 0
    props = schema.get("properties", {})
    for name, prop in props.items():
        for value in _bad_values(prop):
            data = {name: value, "surprise": 1}
            if prop.get("type") == "array" and isinstance(value, list):
                data = {name: value}
            for field, messages in field_errors(schema, data).items():
                for message in messages:
                    checked += 1
                    assert not jargon_in(message), f"{where} {field}={value!r}: {message!r}"
                    assert repr(value) not in message or isinstance(value, int), message
    assert checked > len(props)


def _form_classes() -> list[type[forms.BaseForm]]:
    found: dict[str, type[forms.BaseForm]] = {}
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="backoffice."):
        parts = info.name.split(".")
        if set(parts) & set(NOT_SHOWN_TO_USERS) or parts[-1] in {"__main__", "wsgi"}:
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__name__}"] = cls
    return list(found.values())


def _garbage(field: forms.Field) -> Any:
    if isinstance(field, forms.BooleanField):
        return "maybe"
    return "!!not-valid-" + "x" * 300


@pytest.mark.django_db
def test_every_forms_errors_are_in_plain_words():
    checked = 0
    classes = _form_classes()
    assert len(classes) >= 5, [c.__name__ for c in classes]
    for cls in classes:
        base_fields = getattr(cls, "base_fields", {})
        for data in ({}, {name: _garbage(f) for name, f in base_fields.items()}):
            try:
                form = cls(data=data)
            except TypeError:
                continue  # a form that needs its context (a user, a tenant) to exist
            try:
                errors = form.errors
            except Exception:  # a form whose checks need its context (a user, a tenant)
                continue
            for field, messages in errors.items():
                for message in messages:
                    checked += 1
                    assert not jargon_in(str(message)), f"{cls.__name__}.{field}: {message!r}"
    assert checked > 10
