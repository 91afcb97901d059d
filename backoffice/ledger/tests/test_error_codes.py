"""Error codes are named, not typed inline: no `code="…"` literal in ledger or tenancy, and
every ledger code is documented for API clients in docs/api.md."""

from __future__ import annotations

import ast
from pathlib import Path

from backoffice.ledger.error_codes import ErrorCode

ROOT = Path(__file__).resolve().parents[3]


def _sources() -> list[Path]:
    apps = [ROOT / "backoffice" / "ledger", ROOT / "backoffice" / "tenancy"]
    return [
        p
        for app in apps
        for p in sorted(app.rglob("*.py"))
        if "tests" not in p.parts and "migrations" not in p.parts
    ]


ERRORS = {"DomainError", "NotFound", "Conflict", "Forbidden"}


def _raised_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def test_no_code_is_a_string_literal():
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or _raised_name(node) not in ERRORS:
                continue
            for kw in node.keywords:
                if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                    found.append(f"{path.relative_to(ROOT)}:{kw.value.lineno}")
    assert found == []


def test_every_ledger_code_is_in_the_api_docs():
    docs = (ROOT / "docs" / "api.md").read_text()
    assert [c.value for c in ErrorCode if f"`{c.value}`" not in docs] == []
