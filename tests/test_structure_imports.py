"""The import structure of diffx/, read from the source: no import cycles, and the model never
imports a presenter.

Every ``import`` counts, lazy ones inside functions too: a lazy import still ties the two
modules together, it only hides the tie until the function runs.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "diffx"

# The presenters and the front ends sit above the model; the package ``diffx`` (the facade,
# which re-exports the library and registers the notebook display) sits above everything.
# ``diffx.picture`` is model: it builds a picture's data from the graph and one reverse run and
# formats nothing (``diffx.present.dot`` draws it, ``diffx.draw`` holds the entry points).
PRESENTERS = ("diffx.present", "diffx.draw", "diffx.cli", "diffx.__main__")
FACADE = "diffx"


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name)."""
    mods = {}
    for f in sorted(root.rglob("*.py")):
        parts = f.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = f
    return mods


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    """The module ``name`` lives in: itself, or the nearest enclosing module that exists."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """The diffx modules that ``name`` imports anywhere in its source, at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found = [_resolve(a.name, mods) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    raise AssertionError(f"{path}: relative import above the package")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module
            found = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else _resolve(base, mods)
                     for a in node.names]
        else:
            continue
        out.update(m for m in found if m is not None and m != name)
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    mods = module_files(root)
    return {name: imports_of(name, path, mods) for name, path in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion),
    each as one cycle through all its modules where there is one, else as its members."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(sorted(graph[start])))]
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def a_cycle(graph: dict[str, set[str]], members: list[str]) -> list[str]:
    """One closed path through a strongly connected component, to show in the failure: the
    shortest way back to its first module (breadth-first)."""
    start, inside = members[0], set(members)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & inside):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in came_from:
                    came_from[w] = v
                    nxt.append(w)
        frontier = nxt
    return members  # pragma: no cover  (a component always has a cycle)


def is_presenter(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PRESENTERS)


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    """Model modules that import a presenter or the facade."""
    bad = []
    for name, targets in sorted(graph.items()):
        if name == FACADE or is_presenter(name):
            continue
        for t in sorted(targets):
            if is_presenter(t) or t == FACADE:
                bad.append(f"{name} imports {t}")
    return bad


# ---------------------------------------------------------------- the checks themselves -------

def test_diffx_has_no_import_cycle():
    graph = import_graph()
    found = cycles(graph)
    shown = [f"{len(c)} modules: " + " -> ".join(a_cycle(graph, c)) for c in found]
    assert not found, "import cycles:\n  " + "\n  ".join(shown)


def test_the_model_imports_no_presenter():
    bad = layering_violations(import_graph())
    assert not bad, "the model imports the presentation layer:\n  " + "\n  ".join(bad)


def test_every_module_is_in_the_graph_with_its_known_imports():
    graph = import_graph()
    assert {"diffx", "diffx.graph", "diffx.result", "diffx.methods", "diffx.methods.reverse",
            "diffx.present.plot", "diffx.present.notebook"} <= set(graph)
    assert "diffx.ops" in graph["diffx.graph"]  # from . import ops as _ops
    assert "diffx.graph" in graph["diffx.draw"]  # from .graph import Graph
    assert "diffx.present.dot" in graph["diffx.draw"]  # from .present import dot as _dot
    assert "diffx.picture" in graph["diffx.present.dot"]  # the presenter reads the model
    assert "diffx.swell" in graph["diffx.present.plot"]  # from ..swell import SwellTable


# ---------------------------------------------------------------- the checker, on made-up trees

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "diffx"
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    return root


def test_a_lazy_import_inside_a_function_closes_a_cycle(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "graph.py": "def show():\n    if True:\n        from .draw import svg\n",
        "draw.py": "from .graph import Graph\n",
        "ops.py": "import math\n",
    })
    graph = import_graph(root)
    assert cycles(graph) == [["diffx.draw", "diffx.graph"]]
    assert a_cycle(graph, ["diffx.draw", "diffx.graph"]) == ["diffx.draw", "diffx.graph",
                                                             "diffx.draw"]
    assert layering_violations(graph) == ["diffx.graph imports diffx.draw"]


def test_relative_imports_resolve_at_every_level(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "from .api import grad\n",
        "api.py": "from . import methods\nimport diffx.result\n",
        "result.py": "",
        "methods/__init__.py": "from .base import register\nfrom . import fwd\n",
        "methods/base.py": "from ..result import Gradient\n",
        "methods/fwd.py": "from .base import register\nfrom .. import result\n",
        "present/__init__.py": "",
        "present/plot.py": "from ..api import grad\n",
    })
    graph = import_graph(root)
    assert graph["diffx"] == {"diffx.api"}
    assert graph["diffx.api"] == {"diffx.methods", "diffx.result"}
    assert graph["diffx.methods"] == {"diffx.methods.base", "diffx.methods.fwd"}
    assert graph["diffx.methods.fwd"] == {"diffx.methods.base", "diffx.result"}
    assert graph["diffx.present.plot"] == {"diffx.api"}
    assert cycles(graph) == [] and layering_violations(graph) == []


def test_a_submodule_importing_its_package_is_a_cycle(tmp_path):
    # a registry in a package's __init__ that imports its submodules, which import it back
    root = _tree(tmp_path, {
        "__init__.py": "",
        "methods/__init__.py": "def register(f):\n    return f\nfrom . import fwd\n",
        "methods/fwd.py": "from . import register\n",
    })
    assert cycles(import_graph(root)) == [["diffx.methods", "diffx.methods.fwd"]]


@pytest.mark.parametrize("line", ["import diffx", "from diffx import grad", "from .. import x"])
def test_the_model_may_not_import_the_facade(tmp_path, line):
    root = _tree(tmp_path, {"__init__.py": "", "sub/__init__.py": "",
                            "sub/engine.py": line + "\n"})
    assert layering_violations(import_graph(root)) == ["diffx.sub.engine imports diffx"]
