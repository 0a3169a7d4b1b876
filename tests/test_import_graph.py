"""The package's layering, read from the source: every ``import`` of every module (those
under ``TYPE_CHECKING`` and inside functions too, since a cycle hidden in a function is
still a cycle) forms a graph that must have no cycles and must point downwards:

- the core: ``engine`` at the bottom, then ``data``, ``training``, ``files``; nothing in
  the core imports the app;
- the app: shared modules (theme, widgets, pictures, scatter, pacing, the notation, ...)
  below the views; the canvas, the panels and the plots do not import one another.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bpstudio"

#: Modules of the app that several kinds of view share. A view may import these, and
#: these import no view (canvas, panels, plots).
SHARED = (
    "bpstudio.app.theme",
    "bpstudio.app.widgets",
    "bpstudio.app.pictures",
    "bpstudio.app.scatter",
    "bpstudio.app.pacing",
    "bpstudio.app.notation",
)
VIEWS = ("bpstudio.app.canvas", "bpstudio.app.panels", "bpstudio.app.plots")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the nodes inside ``if TYPE_CHECKING:`` blocks (never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def imported_modules(
    path: Path, name: str, modules: set[str], runtime_only: bool = False
) -> set[str]:
    """The modules of ``modules`` that ``path`` (module ``name``) imports: ``import m`` and
    ``from m import x`` import ``m``, unless ``m.x`` is itself a module, which is then what
    is imported. With ``runtime_only``, imports for type checkers alone are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = _type_checking_only(tree) if runtime_only else set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in modules else module)
    return (found & modules) - {name}


def build_graph(root: Path = PACKAGE, runtime_only: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    modules = set(paths)
    return {
        name: imported_modules(path, name, modules, runtime_only) for name, path in paths.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def within(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def violations(
    graph: dict[str, set[str]], sources: Iterable[str], forbidden: Iterable[str]
) -> list[str]:
    sources, forbidden = tuple(sources), tuple(forbidden)
    return sorted(
        f"{name} imports {target}"
        for name, targets in graph.items()
        if within(name, sources)
        for target in targets
        if within(target, forbidden) and not within(target, SHARED)
    )


GRAPH = build_graph()
#: What runs: a module may name a lower one's dependants for type checkers alone
#: (``if TYPE_CHECKING:``), the usual way to type a value without importing its module.
RUNTIME_GRAPH = build_graph(runtime_only=True)

LAYERS = [
    (
        "bpstudio.core.engine",
        ("bpstudio.core.data", "bpstudio.core.training", "bpstudio.core.files"),
    ),
    ("bpstudio.core.data", ("bpstudio.core.training", "bpstudio.core.files")),
    ("bpstudio.core.training", ("bpstudio.core.files",)),
    ("bpstudio.core", ("bpstudio.app", "bpstudio.cli")),
    ("bpstudio.app.canvas", ("bpstudio.app.panels", "bpstudio.app.plots")),
    ("bpstudio.app.panels", ("bpstudio.app.plots", "bpstudio.app.canvas")),
    ("bpstudio.app.plots", ("bpstudio.app.panels", "bpstudio.app.canvas")),
    (SHARED, VIEWS + ("bpstudio.app.dialogs", "bpstudio.app.main_window")),
]


def test_the_graph_is_read_from_the_source() -> None:
    assert "bpstudio.core.engine.network" in GRAPH["bpstudio.core.engine.backprop"]
    assert "bpstudio.app.document" in GRAPH["bpstudio.app.commands"]
    assert len(GRAPH) > 60


def test_no_import_cycles() -> None:
    cycle = find_cycle(RUNTIME_GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("sources", "forbidden"),
    LAYERS,
    ids=[s if isinstance(s, str) else "shared" for s, _ in LAYERS],
)
def test_layers_point_downwards(sources: str | tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    found = violations(GRAPH, (sources,) if isinstance(sources, str) else sources, forbidden)
    assert found == []


def test_the_checks_see_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    root = tmp_path / "bpstudio"
    (root / "core").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "core" / "__init__.py").write_text("")
    (root / "core" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bpstudio.core import b\n"
    )
    (root / "core" / "b.py").write_text(
        "def f():\n    from .a import g\n    import bpstudio.app.x\n"
    )
    graph = build_graph(root)
    assert find_cycle(graph) == ["bpstudio.core.a", "bpstudio.core.b", "bpstudio.core.a"]
    graph["bpstudio.core.b"].add("bpstudio.app.x")
    assert violations(graph, ("bpstudio.core",), ("bpstudio.app",)) == [
        "bpstudio.core.b imports bpstudio.app.x"
    ]
