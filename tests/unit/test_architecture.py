"""The package's layers import only downwards (docs/architecture.md), and no module imports itself back."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "leadconv"
# lower layers first; a module may import its own layer or a lower one
LAYERS = ["core", "components", "engine", "tracking", "sweeps", "tasks", "bench", "commands"]
CORE = {"__init__", "errors", "schema", "settings", "utils"}


def layer_of(module: str) -> str:
    """`leadconv.engine.run` -> engine; top-level modules are the core or a command alias."""
    parts = module.split(".")[1:]
    if not parts:
        return "core"
    if (PACKAGE / parts[0]).is_dir():
        return parts[0]
    return "core" if parts[0] in CORE else "commands"


def imports_of(path: Path) -> set[str]:
    """Every leadconv module `path` imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("leadconv"):
            found |= {node.module} | {
                f"{node.module}.{a.name}" for a in node.names if is_module(f"{node.module}.{a.name}")
            }
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("leadconv")}
    return {m for m in found if is_module(m)}


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_layers_cover_every_subpackage():
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} == set(LAYERS) - {"core", "commands"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name):
    own = LAYERS.index(layer_of(name))
    upward = sorted(m for m in imports_of(MODULES[name]) if LAYERS.index(layer_of(m)) > own)
    assert not upward, f"{name} ({layer_of(name)}) imports a higher layer: {upward}"


def test_no_import_cycle():
    graph = {name: imports_of(path) - {name} for name, path in MODULES.items()}
    done, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(node) :], node]))
        if node in done:
            return
        stack.append(node)
        for child in graph.get(node, ()):
            visit(child)
        stack.pop()
        done.add(node)

    for name in graph:
        visit(name)


MAX_MODULE_LINES = 350  # issue 21: a module past this mixes concepts; split it by concept


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_stays_short(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines (limit {MAX_MODULE_LINES}): split it by concept"
