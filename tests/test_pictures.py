"""Pictures and route listings: DOT text, SVG as XML, PNG bytes, with and without dot."""

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import ROUTE_SUM, logistic_program

import diffx
from diffx.cli import app
from diffx.present.picture_files import render_bytes

HAVE_DOT = shutil.which("dot") is not None
REQUIRE_DOT = os.environ.get("DIFFX_REQUIRE_DOT") == "1"  # set by .ci/run, which installs dot


def labels(source: str) -> dict[str, str]:
    """node id -> label, and 'tail->head' -> label, from DOT text."""
    out = {}
    for m in re.finditer(r'^\s*(\w+)(?: -> (\w+))? \[label="((?:[^"\\]|\\.)*)"', source, re.M):
        key = m.group(1) if m.group(2) is None else f"{m.group(1)}->{m.group(2)}"
        out[key] = m.group(3).replace("\\n", "\n")
    return out


def test_seed_example_dot_has_values_adjoints_and_local_derivatives():
    g = diffx.parse(ROUTE_SUM)
    source = diffx.render(g, at={"a": 4, "b": 3}, wrt="a").source
    lab = labels(source)
    a, b, c, d = (f"n{g.input_nodes['a']}", f"n{g.input_nodes['b']}",
                  f"n{g.assigned['c']}", f"n{g.output}")
    assert lab[a] == "a\n= 4\n∂d/∂a = 11"
    assert lab[b] == "b\n= 3\n∂d/∂b = 4"
    assert lab[c] == "c = +\n= 7\n∂d/∂c = 4"
    assert lab[d] == "d = ×\n= 28\n∂d/∂d = 1"
    assert lab[f"{a}->{d}"] == "∂d/∂a = c\n= 7"
    assert lab[f"{c}->{d}"] == "∂d/∂c = a\n= 4"
    assert lab[f"{a}->{c}"] == "∂c/∂a = 1"
    assert lab[f"{b}->{c}"] == "∂c/∂b = 1"
    assert "∂d/∂a = 7 + 4·1 = 11   (2 routes)" in source
    # the routes from a are red, b's edge is not
    assert re.search(rf"{a} -> {c} \[[^]]*color=\"#d62728\"", source)
    assert re.search(rf"{b} -> {c} \[[^]]*color=\"#9a9a9a\"", source)


def test_formulas_without_a_point_and_two_edges_for_x_times_x():
    source = diffx.render("x*x").source
    edges = re.findall(r"n0 -> n1 \[label=\"([^\"]*)\"", source)
    assert edges == ["∂f/∂x = x", "∂f/∂x = x"]


def test_single_route_and_caption():
    source = diffx.render(ROUTE_SUM, at={"a": 4, "b": 3}, wrt="a", route=2).source
    assert "route 2 of 2: a → c → d: 4·1 = 4" in source
    with pytest.raises(diffx.DiffxError, match="only 2 routes"):
        diffx.render(ROUTE_SUM, at={"a": 4, "b": 3}, wrt="a", route=3)


def test_tree_copies_shared_nodes_and_refuses_huge_trees():
    source = diffx.render("a*(a+b)", at={"a": 4, "b": 3}, wrt="a", tree=True).source
    assert "as a tree: 5 nodes; as a DAG: 4" in source
    assert source.count("label=\"a\\n= 4") == 2  # a is drawn twice
    with pytest.raises(diffx.DiffxError, match="as a tree this expression has"):
        diffx.render(logistic_program(30), tree=True)


def test_large_graphs_are_refused_with_advice():
    big = " + ".join(f"x{i}" for i in range(400))
    with pytest.raises(diffx.DiffxError, match="pictures stop at 300"):
        diffx.render(big)
    assert diffx.render(big, max_nodes=1000).source.startswith("digraph")


def test_svg_is_xml_with_the_labels(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no system dot: in-process SVG
    from diffx.draw import render_svg

    svg = render_svg(ROUTE_SUM, at={"a": 4, "b": 3}, wrt="a")
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for expected in ("c = +", "= 28", "∂d/∂a = 11", "∂d/∂c = a", "= 7"):
        assert expected in texts, expected
    with pytest.raises(diffx.DiffxError, match="needs Graphviz's dot"):
        render_bytes("digraph { a }", "png")


@pytest.mark.skipif(not HAVE_DOT and not REQUIRE_DOT, reason="Graphviz dot not installed")
def test_png_and_pdf_with_dot(tmp_path):
    from diffx.draw import save

    png = save(ROUTE_SUM, tmp_path / "g.png", at={"a": 4, "b": 3}, wrt="a")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = save(ROUTE_SUM, tmp_path / "g.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    svg = save(ROUTE_SUM, tmp_path / "g.svg")
    ET.fromstring(svg.read_text())


def test_graph_command_writes_every_format(runner, tmp_path):
    res = runner.invoke(app, ["graph", ROUTE_SUM, "--at", "a=4,b=3", "--wrt", "a",
                              "-o", str(tmp_path / "g.dot")])
    assert res.exit_code == 0, res.output
    assert "∂d/∂c = a" in (tmp_path / "g.dot").read_text()
    res = runner.invoke(app, ["graph", ROUTE_SUM, "-o", str(tmp_path / "g.svg")])
    assert res.exit_code == 0
    ET.fromstring((tmp_path / "g.svg").read_text())
    res = runner.invoke(app, ["graph", ROUTE_SUM, "-o", str(tmp_path / "g.jpg")])
    assert res.exit_code == 2 and "unknown picture format" in res.output
    res = runner.invoke(app, ["graph", ROUTE_SUM, "--route", "1"])
    assert res.exit_code == 2 and "--route needs --wrt" in res.output
    res = runner.invoke(app, ["graph", "a*(a+b)", "--direction", "TB"])
    assert "rankdir=TB" in res.output


def test_routes_command(runner):
    res = runner.invoke(app, ["routes", ROUTE_SUM, "--wrt", "a", "--at", "a=4,b=3"])
    assert res.exit_code == 0, res.output
    assert "a → d:      ∂d/∂a = c = 7" in res.output
    assert "a → c → d:  ∂d/∂c · ∂c/∂a = a · 1 = 4 · 1 = 4" in res.output
    res = runner.invoke(app, ["routes", "x*x", "--json"])
    data = json.loads(res.output)
    assert data["routes"] == {"x": 2} and len(data["listing"]["x"]["routes"]) == 2


@pytest.mark.parametrize("n", [3, 10, 25])
def test_routes_of_the_logistic_map_are_counted_exactly(runner, n):
    res = runner.invoke(app, ["routes", logistic_program(n), "--at", "x=0.3", "--limit", "5",
                              "--json"])
    data = json.loads(res.output)
    assert data["routes"]["x"] == 2 ** (n - 1)
    listed = data["listing"]["x"]
    assert len(listed["routes"]) == min(5, 2 ** (n - 1))
    assert listed["complete"] == (2 ** (n - 1) <= 5)
    assert data["sweep_multiply_adds"] == 4 * (n - 1)


def test_graphs_and_results_show_themselves_in_jupyter(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    from diffx.present import notebook  # what the package registers with IPython

    svg = notebook.graph_svg(diffx.parse(ROUTE_SUM))
    assert svg is not None and "<svg" in svg
    result = diffx.grad(ROUTE_SUM, at={"a": 4, "b": 3}, wrt="a")
    assert "∂d/∂a = 11" in notebook.gradient_svg(result)
    assert notebook.graph_svg(diffx.parse(" + ".join(f"x{i}" for i in range(400)))) is None
