"""Imports flow one way: features -> core services -> nothing above them; models import no views; no cycles.

Read from the source with `ast` (every import statement, those inside functions too), so a rule
broken in a module no test happens to import still fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from mfo.features import FEATURES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mfo"

# What each core service may import of ours (beyond itself). Listed here, not read from the code:
# a new dependency between core services is a design decision, made by changing this table.
CORE_ALLOWED = {
    "mfo.feature": set(),
    "mfo.text": set(),
    "mfo.xlsx": set(),
    "mfo.config": set(),
    "mfo.extensions": set(),
    # The SQLite collation compares with mfo.text's reading key, so SQL and Python sort text alike.
    "mfo.database": {"mfo.text"},
    "mfo.features": {"mfo.feature"},
    "mfo.permissions": {"mfo.features", "mfo.feature"},
    "mfo.audit": {"mfo.database", "mfo.feature"},
    "mfo.headers": {"mfo.extensions"},
    "mfo.hosts": set(),
    "mfo.i18n": set(),
    "mfo.request_log": set(),
    "mfo.errors": {"mfo.database"},
    "mfo.jobs": {"mfo.database", "mfo.feature", "mfo.features"},
    "mfo.security": {"mfo.audit", "mfo.database", "mfo.extensions", "mfo.feature", "mfo.features", "mfo.permissions"},
    "mfo.app": {
        "mfo.config", "mfo.database", "mfo.extensions", "mfo.feature", "mfo.features", "mfo.headers",
        "mfo.hosts", "mfo.i18n", "mfo.errors", "mfo.request_log",
    },
}


def module_name(path: Path) -> str:
    """Return the dotted module name of a source file under the repository."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Return every module of the mfo package by name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path) -> Iterator[str]:
    """Yield the mfo modules a file imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from mfo import features` imports the module mfo.features, not just the package.
                candidate = f"{base}.{alias.name}"
                yield candidate if candidate in modules() else base


def ours(name: str) -> bool:
    """Tell whether an imported name is one of mfo's modules."""
    return name == "mfo" or name.startswith("mfo.")


def top(name: str) -> str:
    """Return the first-level package or module of an mfo module (mfo.security.mfa -> mfo.security)."""
    return ".".join(name.split(".")[:2])


@cache
def graph() -> dict[str, set[str]]:
    """Return module -> the mfo modules it imports."""
    return {name: {i for i in imports_of(path) if ours(i) and i != name} for name, path in modules().items()}


def feature_packages() -> set[str]:
    """Return the installed feature packages."""
    return set(FEATURES)


def test_nothing_imports_the_application_module():
    """Nothing imports mfo.app (use current_app); only the package itself exports create_app."""
    offenders = sorted(name for name, imported in graph().items() if "mfo.app" in imported and name != "mfo")
    assert offenders == []


def test_core_services_import_no_feature_and_nothing_above_them():
    """Each core service imports only the core services below it, never a feature."""
    features = feature_packages()
    problems = []
    for name, imported in graph().items():
        if name == "mfo" or top(name) in features:
            continue
        owner = top(name)
        assert owner in CORE_ALLOWED, f"{name} belongs to no core service nor installed feature: add it to a table"
        for target in imported:
            if target == "mfo":
                continue
            if top(target) in features:
                problems.append(f"{name} imports the feature module {target}")
            elif top(target) != owner and top(target) not in CORE_ALLOWED[owner]:
                problems.append(f"{name} imports {target}, above it")
    assert problems == []


def test_a_feature_imports_only_the_features_listed_before_it():
    """A feature package imports itself, core services and the features before it in FEATURES, never one after it."""
    order = {name: index for index, name in enumerate(FEATURES)}
    problems = []
    for name, imported in graph().items():
        owner = top(name)
        if owner not in order:
            continue
        for target in imported:
            above = top(target)
            if above in order and order[above] > order[owner]:
                problems.append(f"{name} imports {target}, listed after {owner} in FEATURES")
    assert problems == []


def test_models_import_no_views_forms_or_blueprints():
    """A models module imports only the database set-up, other models and mfo.text (never views, forms or a blueprint)."""
    problems = []
    for name, path in modules().items():
        if not (name.endswith(".models") or name == "mfo.database.setup"):
            continue
        for target in graph()[name]:
            if not (target.startswith("mfo.database") or target.endswith(".models") or target == "mfo.text"):
                problems.append(f"{name} imports {target}")
        if "Blueprint" in path.read_text():
            problems.append(f"{name} mentions a Blueprint")
    assert problems == []


def test_there_is_no_import_cycle():
    """No chain of imports leads a module back to itself."""
    edges = graph()
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target == "mfo" or target not in edges:
                continue  # the package's own __init__ only re-exports create_app
            if seen.get(target) == 1:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in seen:
                visit(target)
        stack.pop()
        seen[node] = 2

    for node in sorted(edges):
        if node not in seen:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("from mfo.app import create_app\n", test_nothing_imports_the_application_module),
        ("from mfo.home.views import bp\n", test_core_services_import_no_feature_and_nothing_above_them),
        ("from mfo.account.views import bp\n", test_models_import_no_views_forms_or_blueprints),
        ("from mfo.security.lockout import is_locked\n", test_there_is_no_import_cycle),
    ],
)
def test_each_rule_catches_a_broken_import(source, rule, monkeypatch):
    """Planting a forbidden import in the accounts' models module makes each rule fail."""
    plant(source, "mfo.database.models", rule, monkeypatch)


def test_the_feature_order_rule_catches_an_import_of_a_later_feature(monkeypatch):
    """Planting an import of a later feature (the schedule) in an earlier one (the syllabus) makes the rule fail."""
    assert FEATURES.index("mfo.syllabus") < FEATURES.index("mfo.schedule")
    rule = test_a_feature_imports_only_the_features_listed_before_it
    plant("from mfo.schedule.models import Session\n", "mfo.syllabus.services", rule, monkeypatch)


def plant(source: str, module: str, rule, monkeypatch) -> None:
    """Make `module` import what `source` imports (as the rules read it), and check that `rule` fails."""
    target = modules()[module]
    original = imports_of

    def planted(path: Path) -> Iterator[str]:
        yield from original(path)
        if path == target:
            yield from (i for i in original_from_source(source))

    def original_from_source(text: str) -> Iterator[str]:
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                yield node.module

    monkeypatch.setattr(f"{__name__}.imports_of", planted)
    graph.cache_clear()
    try:
        with pytest.raises(AssertionError):
            rule()
    finally:
        graph.cache_clear()
