"""The work app's own shape: its modules import one another one way (no circle, no import
inside a function to dodge one), and none calls another module's private `_name`."""

from __future__ import annotations

import ast
from pathlib import Path

WORK = Path(__file__).resolve().parents[1]
ROOT = WORK.parents[1]


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(WORK.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(WORK).parts):
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text())
    return found


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    return {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in ast.walk(node)
    }


def _imports(name: str, tree: ast.Module, modules: dict[str, ast.Module]) -> set[str]:
    """Work modules `name` imports at run time (a submodule imports its packages too)."""
    skip = _type_checking_nodes(tree)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            targets.add(node.module)
            targets.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            targets.update(a.name for a in node.names)
    found = set()
    for target in targets:
        parts = target.split(".")
        for end in range(3, len(parts) + 1):
            candidate = ".".join(parts[:end])
            inside = name == candidate or name.startswith(candidate + ".")
            if candidate in modules and not inside:
                found.add(candidate)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(path)
                elif nxt not in path and nxt > start:
                    stack.append((nxt, [*path, nxt]))
    return cycles


def test_no_circle_between_work_modules():
    modules = _modules()
    graph = {name: _imports(name, tree, modules) for name, tree in modules.items()}
    assert _cycles(graph) == []
    for low in ("transitions", "qa", "double_key", "selectors", "access", "events"):
        assert not any(
            m.startswith("backoffice.work.services") for m in graph[f"backoffice.work.{low}"]
        ), low


def test_no_work_module_imports_inside_a_function():
    late = [
        f"{name}:{node.lineno}"
        for name, tree in _modules().items()
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("backoffice")
    ]
    assert late == []


def test_no_module_calls_another_modules_private_names():
    modules = _modules()
    short = {name.rsplit(".", 1)[-1] for name in modules}
    reached = []
    for name, tree in modules.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in short
            ):
                reached.append(f"{name}:{node.lineno} {node.value.id}.{node.attr}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("backoffice"):
                reached.extend(
                    f"{name}:{node.lineno} {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                )
    assert reached == []
