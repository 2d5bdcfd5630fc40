"""Layers that only point down (issue 13, item 4): an import contract checked on the source.

    faces (blueprints, api, cli)  →  services  →  permissions | pdf  →  models  →  pure core

A module may import from its own layer and from layers below it, never from one above.
The pure core (catalog, scoring, workflow) is checked further, for Flask and SQLAlchemy, in
tests/unit/test_scoring.py and test_catalog_loader.py. Imports inside functions count too:
a lazy import that points up is still an arrow pointing up.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "audit_app"

#: Layer of each part of the package, highest first; parts not named are not layered (the
#: app factory, extensions, labels, templating and the like sit beside the layers).
LAYERS = {
    "blueprints": 5, "api": 5, "cli": 5, "cli_ops": 5,
    "services": 4,
    "permissions": 3, "pdf": 3,
    "models": 2,
    "catalog": 1, "scoring": 1, "workflow": 1,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 and parts[0] == "audit_app" else None


def _imports(path: Path) -> list[tuple[int, str]]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or target in ("audit_app",):
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return found


def test_layers_only_point_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = _layer(_module_name(path))
        if own is None:
            continue
        for line, target in _imports(path):
            layer = _layer(target)
            if layer is not None and layer > own:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert upward == []


@pytest.mark.parametrize("forbidden", ["audit_app.extensions", "audit_app.services",
                                       "sqlalchemy"])
def test_the_pdf_layer_queries_nothing(forbidden):
    """pdf/ receives plain data: no session, no query, no service."""
    hits = [f"{path.name}:{line} {target}" for path in sorted((PACKAGE / "pdf").glob("*.py"))
            for line, target in _imports(path) if target.startswith(forbidden)]
    assert hits == []
