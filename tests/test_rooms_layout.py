"""Each room holds one thing: routes, labels, formulas, tree copies, the evaluation fallback and
the warnings, the picture model, its Graphviz form and its files live in their own modules,
with no names left behind where they used to be."""

import ast
import math
from pathlib import Path

import pytest

import diffx
from diffx import diagnose, evaluation, node_labels, route_formulas, routes, tree_copies
from diffx.present import dot, picture_files

ROOT = Path(diffx.__file__).parent
ROOMS = ["routes.py", "node_labels.py", "route_formulas.py", "tree_copies.py", "listing.py",
         "counts.py", "picture.py", "draw.py", "present/dot.py", "present/picture_files.py",
         "diagnose.py", "diagnose_adjoints.py", "evaluation.py"]


@pytest.mark.parametrize("name", ROOMS)
def test_every_room_is_small_and_says_what_it_holds(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert len(text.splitlines()) < 350
    assert ast.get_docstring(ast.parse(text))


@pytest.mark.parametrize("module, moved", [
    (routes, ["Labels", "labels", "Formulas", "tree_copies", "count_routes", "factor_text"]),
    (diagnose, ["evaluate", "sweep", "may_hide_strong_zero"]),
    (dot, ["render_bytes", "write", "picture_format"]),
])
def test_no_name_is_left_behind_where_it_moved_from(module, moved):
    assert [name for name in moved if hasattr(module, name)] == []


def test_the_rooms_hold_what_their_names_say():
    g = diffx.parse("c = a + b; d = a * c")
    found, complete = routes.list_routes(g, "a")
    labels = node_labels.labels(g)
    assert complete and [[labels(n) for n in r.nodes] for r in found] == [["a", "d"],
                                                                       ["a", "c", "d"]]
    formulas = route_formulas.Formulas(g, labels)
    with formulas.as_written():
        assert [str(formulas.edge(e)) for e in found[1].edges] == ["1", "a"]
    vals = diffx.grad(g, at={"a": 4, "b": 3}, method="reverse").details.values
    rows = tree_copies.tree_copies(g, vals, 100)  # d = a*(a + b): 5 copies, a twice
    assert [labels(node) for _, node, _, _, _ in rows].count("a") == 2 and len(rows) == 5
    # the path products on the copies of a are its route products c = 7 and a*1 = 4
    assert sorted(p for _, node, _, _, p in rows if labels(node) == "a") == [4.0, 7.0]


def test_the_fallback_evaluates_and_the_warnings_explain():
    g = diffx.parse("log(x) + sqrt(relu(y))")
    vals, ns = evaluation.evaluate(g, {"x": -1.0, "y": -1.0}, False)
    assert ns == "numpy" and math.isnan(vals[g.output])  # math.log(-1) raised: numpy's nan
    warned = diagnose.value_warnings(g, vals)
    assert len(warned) == 1 and "log" in warned[0] and "x = -1" in warned[0]
    adj, _ = evaluation.sweep(g, vals, ("y",), ns, False)
    assert adj[g.input_nodes["y"]] == 0  # strong zero: relu' = 0 times sqrt' = inf is 0


def test_dot_source_renders_to_a_file(tmp_path):
    from diffx.picture import picture

    source = dot.to_digraph(picture("x*x")).source
    path = picture_files.write(source, tmp_path / "g.dot")
    assert path.read_text(encoding="utf-8") == source and "∂f/∂x" in source
