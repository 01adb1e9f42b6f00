"""The package's folders are its architecture: imports flow one way and never in a circle.

Every import counts, including those inside functions and under `TYPE_CHECKING`: a lazy import is
still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "keras_loss_lint"

# Which layers each layer may import (its own always). The vocabulary modules (spans, diagnostics,
# fixes and their applicability; text helpers) import nothing of the package, and every layer may use them.
ALLOWED = {
    "faces": {"core", "project", "keras", "runtime"},
    "core": {"rules", "analysis", "project", "keras"},
    "project": {"keras", "rules.codes"},
    "rules": {"analysis", "keras"},
    "analysis": {"keras"},
    "keras": set(),
    "runtime": {"keras"},  # the only part that imports Keras itself
    "package": {"core", "faces", "runtime"},  # keras_loss_lint/__init__.py and __main__.py
}
VOCABULARY = {"keras_loss_lint.core.diagnostics", "keras_loss_lint.core.records", "keras_loss_lint.core.text"}
LEAVES = VOCABULARY | {"keras_loss_lint.rules.codes", "keras_loss_lint.keras.api"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("keras_loss_lint.")}


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {imported for imported in imports_of(path) if imported in MODULES} for name, path in MODULES.items()}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else "package"


def within(module: str, allowed: set[str]) -> bool:
    tail = module.split(".", 1)[1] if "." in module else module
    return any(tail == entry or tail.startswith(entry + ".") for entry in allowed)


def test_no_module_sits_flat_beside_the_layers() -> None:
    flat = [name for name in MODULES if layer_of(name) == "package"]
    assert sorted(flat) == ["keras_loss_lint", "keras_loss_lint.__main__"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_down(module: str) -> None:
    layer = layer_of(module)
    allowed = ALLOWED[layer] | {layer}
    upward = sorted(
        imported
        for imported in GRAPH[module]
        if imported not in VOCABULARY and layer_of(imported) != "package" and not within(imported, allowed)
    )
    assert not upward, f"{module} ({layer}) imports from a layer above or beside it: {upward}"


def test_leaves_import_nothing_of_the_package() -> None:
    for leaf in LEAVES:
        lazy_registry = {"keras_loss_lint.rules.registry"} if leaf == "keras_loss_lint.rules.codes" else set()
        assert GRAPH[leaf] - LEAVES - lazy_registry - {"keras_loss_lint.keras"} == set(), leaf


def test_no_import_circle() -> None:
    def parents(module: str) -> set[str]:
        # Importing a.b.c runs a/__init__ and a/b/__init__ first.
        parts = module.split(".")
        return {".".join(parts[:i]) for i in range(2, len(parts))} & set(MODULES)

    def ancestor(package: str, module: str) -> bool:
        # A submodule's import of its own package finds it already initialising: no edge.
        return module.startswith(package + ".")

    edges = {
        name: {t for t in targets | set().union(*(parents(t) for t in targets)) if t != name and not ancestor(t, name)}
        for name, targets in GRAPH.items()
    }
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)


def test_long_modules_say_why() -> None:
    long_without_reason = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 500 and "Over 500 lines" not in (ast.get_docstring(ast.parse(text)) or ""):
            long_without_reason.append(f"{name} ({text.count(chr(10))} lines)")
    assert not long_without_reason
