"""The interactive page (diffx.explore, diffx graph -o FILE.html), in a real headless Chromium.

The page's numbers are compared with diffx's library results (evaluate, grad) and with values
derived by hand; the op table's JavaScript form is compared op by op with its Python form at
random points and at the kinks (docs/conventions.md). Without Chromium (Debian's ``chromium``)
or Playwright the browser tests skip, except under DIFFX_REQUIRE_BROWSER=1 (set by .ci/run,
which installs the browser). Measurements are printed, never asserted as timings.
"""

from __future__ import annotations

import json
import math
import re
import time

import numpy as np
import pytest

import diffx
from diffx import ops
from diffx.errors import DiffxError
from diffx.present.text import number

from browser_page import Page, browser, open_page  # noqa: F401 (browser: a fixture)
from conftest import invoke

ROUTE_SUM = "c = a + b; d = a * c"
MLPISH = "z = w*x + b; h = tanh(z) * exp(-z*z/4); y = h*h + sigmoid(x - w)"


# ---------------------------------------------------------------- the op table in JavaScript

def _sample(op, rng):
    """Random arguments inside the op's real domain (and a few outside, where both give nan)."""
    lo, hi = (-0.99, 0.99) if op.name in ("asin", "acos") else (-6.0, 6.0)
    x = rng.uniform(lo, hi)
    y = rng.uniform(-3.0, 3.0)
    if op.name in ("log", "sqrt"):
        x = abs(x) + 1e-3
    if op.name == "pow":
        x = abs(x) + 0.1
    if op.name == "div" and abs(y) < 1e-3:
        y = 1.0
    return (x, y)[: op.arity]


def _python(op, args):
    """The op's value and partials by its Python (numpy float64) form."""
    with np.errstate(all="ignore"):
        a = tuple(np.float64(v) for v in args)
        out = op.evaluate(*a, ns="numpy")
        return float(out), [float(p) for p in op.local_partials(a, out, ns="numpy")]


def _js_eval(page, cases):
    return page.evaluate("""cases => cases.map(([code, args]) => {
        const op = DIFFX_OPS[code], out = op.value(...args);
        const ps = op.partials(...args, out);
        return [String(out), ps.map(String)];
    })""", cases)


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


def test_every_op_in_javascript_matches_python_at_random_points(browser, tmp_path):
    rng = np.random.default_rng(20261124)
    cases = [(op.code, list(_sample(op, rng))) for op in ops.OPS for _ in range(40)]
    # plus points where the kinks and the special values decide
    cases += [(ops.BY_NAME[n].code, list(a)) for n, a in [
        ("relu", (0.0,)), ("abs", (0.0,)), ("max", (2.0, 2.0)), ("min", (2.0, 2.0)),
        ("pow", (0.0, 2.0)), ("pow", (0.0, 0.0)), ("pow", (-2.0, 3.0)), ("pow", (1.0, 50.0)),
        ("tanh", (400.0,)), ("sigmoid", (-800.0,)), ("softplus", (800.0,)),
        ("atan", (1e200,)), ("log", (-1.0,)), ("sqrt", (-1.0,)), ("div", (1.0, 0.0))]]
    page = Page(browser, _blank(tmp_path))
    got = _js_eval(page.page, cases)
    for (code, args), (value, partials) in zip(cases, got):
        op = ops.BY_CODE[code]
        want_value, want_partials = _python(op, args)
        assert _same(float(value), want_value), (op.name, args, value, want_value)
        for g, w in zip(partials, want_partials):
            assert _same(float(g), w), (op.name, args, partials, want_partials)
    # the conventions, by hand (docs/conventions.md)
    kinks = dict(zip(["relu", "abs", "max", "min"], got[-15:-11]))
    assert kinks["relu"][1] == ["0"]
    assert kinks["abs"][1] == ["0"]
    assert kinks["max"][1] == ["0.5", "0.5"] and kinks["min"][1] == ["0.5", "0.5"]
    page.close()


def _blank(tmp_path):
    path = tmp_path / "ops.html"
    path.write_text(f"<!DOCTYPE html><body data-ready=1><script>{ops.js_source()}</script>")
    return path


# ---------------------------------------------------------------- the sweeps, step by step

def test_stepping_shows_the_forward_then_the_reverse_sweep(browser, tmp_path):
    page = open_page(browser, tmp_path, ROUTE_SUM, at={"a": 4, "b": 3})
    p = page.page
    g = diffx.grad(ROUTE_SUM, at={"a": 4, "b": 3})
    assert g.gradient == {"a": 11.0, "b": 4.0}  # by hand: d = a(a + b): 2a + b, a
    p.click("#dx-start")
    assert p.get_attribute("#dx_n2", "data-value") == ""  # nothing computed yet
    # forward: a, b, c, d, one per step (arrow key and button)
    for node, value in [(0, "4"), (1, "3"), (2, "7"), (3, "28")]:
        p.keyboard.press("ArrowRight")
        assert page.lines(f"dx_n{node}")[1] == f"= {value}"
        assert "forward" in p.text_content("#dx-status")
    assert page.lines("dx_n3")[2] == "d̄ = ?"
    p.click("#dx-step")  # the seed
    assert page.lines("dx_n3")[2] == "d̄ = 1"
    # reverse, edge by edge: d's edges (a: ∂d/∂a = c = 7, c: ∂d/∂c = a = 4), then c's
    expected = [("dx_n0", "ā = 7", "running sum 0 + 7 = 7"),
                ("dx_n2", "c̄ = 4", "running sum 0 + 4 = 4"),
                ("dx_n0", "ā = 11", "running sum 7 + 4 = 11"),
                ("dx_n1", "b̄ = 4", "running sum 0 + 4 = 4")]
    for ident, line, status in expected:
        p.keyboard.press("ArrowRight")
        assert page.lines(ident)[2] == line
        assert status in p.text_content("#dx-status")
        assert p.get_attribute("#dx-status", "data-phase") is not None
    # the displayed adjoints are the library's
    for name, node in (("a", 0), ("b", 1)):
        assert float(p.get_attribute(f"#dx_n{node}", "data-adjoint")) == g.gradient[name]
        cell = p.text_content(f'.dx-grad-cell[data-input="{name}"]')
        assert cell == number(g.gradient[name], 6)
    p.keyboard.press("ArrowLeft")
    assert page.lines("dx_n1")[2] == "b̄ = 0"  # one step back: b's contribution undone
    page.close()


def test_stepping_a_larger_program_ends_at_the_library_gradient(browser, tmp_path):
    at = {"w": 0.7, "x": -1.3, "b": 0.4}
    page = open_page(browser, tmp_path, MLPISH, at=at)
    p = page.page
    p.click("#dx-start")
    steps = p.evaluate("window.diffxExplore.steps")
    for _ in range(steps):
        p.click("#dx-step")
    g = diffx.grad(MLPISH, at=at)
    for name in at:
        shown = float(p.get_attribute(f'.dx-grad-cell[data-input="{name}"]', "data-adjoint"))
        assert math.isclose(shown, g.gradient[name], rel_tol=1e-14, abs_tol=1e-15)
    page.close()


# ---------------------------------------------------------------- routes and node details

def test_clicking_an_input_highlights_its_routes_and_their_sum(browser, tmp_path):
    page = open_page(browser, tmp_path, ROUTE_SUM, at={"a": 4, "b": 3})
    p = page.page
    p.click("#dx_n0")
    items = p.eval_on_selector_all(".dx-route-item", "ls => ls.map(l => [l.textContent, "
                                   "l.getAttribute('data-product')])")
    # by hand: a → d carries ∂d/∂a = c = 7, a → c → d carries 1·4 = 4
    assert sorted((t.split(":")[0], float(v)) for t, v in items) == [
        ("a → c → d", 4.0), ("a → d", 7.0)]
    assert float(p.get_attribute(".dx-route-sum", "data-sum")) == 11.0
    assert float(p.get_attribute(".dx-route-sum", "data-adjoint")) == 11.0
    lit = p.eval_on_selector_all("g.edge.dx-route", "gs => gs.map(g => g.id).sort()")
    edges = diffx.explore(ROUTE_SUM, at={"a": 4, "b": 3}).html
    data = json.loads(re.search(r'id="dx-data">(.*?)</script>', edges).group(1))
    want = sorted(f"dx_e{k}" for k, e in enumerate(data["edges"])
                  if (e["tail"], e["head"]) in {(0, 3), (0, 2), (2, 3)})
    assert lit == want  # every edge of a route, and b → c not
    assert p.eval_on_selector_all("g.node.dx-route", "gs => gs.map(g => g.id).sort()") == [
        "dx_n0", "dx_n2", "dx_n3"]
    page.close()


def test_clicking_a_node_shows_its_partials_and_adjoint(browser, tmp_path):
    page = open_page(browser, tmp_path, ROUTE_SUM, at={"a": 4, "b": 3})
    p = page.page
    p.click("#dx_n3")
    partials = p.eval_on_selector_all(".dx-partial", "ls => ls.map(l => l.textContent)")
    assert partials == ["∂d/∂a = c = 7", "∂d/∂c = a = 4"]
    p.click("#dx_n2")
    assert p.text_content(".dx-adjoint") == "c̄ = d̄·∂d/∂c = 1·4 = 4"
    p.click("#dx_n0")
    assert p.text_content(".dx-adjoint") == \
        "ā = c̄·∂c/∂a + d̄·∂d/∂a = 4·1 + 1·7 = 11"
    page.close()


# ---------------------------------------------------------------- moving an input

def test_changing_an_input_recomputes_everything(browser, tmp_path):
    at = {"w": 0.7, "x": -1.3, "b": 0.4}
    page = open_page(browser, tmp_path, MLPISH, at=at)
    p = page.page
    p.fill("#dx-in-1", "2.25")  # x, by its number box
    new = {"w": 0.7, "x": 2.25, "b": 0.4}
    g = diffx.grad(MLPISH, at=new)
    out = float(p.evaluate("window.diffxExplore.values[%d]" % g.graph.output))
    assert math.isclose(out, diffx.evaluate(MLPISH, at=new), rel_tol=1e-14)
    for name in new:
        shown = float(p.get_attribute(f'.dx-grad-cell[data-input="{name}"]', "data-adjoint"))
        assert math.isclose(shown, g.gradient[name], rel_tol=1e-13, abs_tol=1e-15)
    # every node's value and adjoint on the picture
    vals, adjs = g.details.values, g.details.adjoints
    for node in range(g.graph.output + 1):
        if p.query_selector(f"#dx_n{node}") is None:
            continue
        assert math.isclose(float(p.get_attribute(f"#dx_n{node}", "data-value")), vals[node],
                            rel_tol=1e-14, abs_tol=1e-300)
        if not g.graph.is_const(node):
            assert math.isclose(float(p.get_attribute(f"#dx_n{node}", "data-adjoint")),
                                adjs[node], rel_tol=1e-13, abs_tol=1e-15)
    # the slider moves w
    p.fill("#dx-range-0", "1.5")
    assert p.input_value("#dx-in-0") == "1.5"
    g2 = diffx.grad(MLPISH, at={"w": 1.5, "x": 2.25, "b": 0.4})
    shown = float(p.get_attribute('.dx-grad-cell[data-input="w"]', "data-adjoint"))
    assert math.isclose(shown, g2.gradient["w"], rel_tol=1e-13)
    page.close()


def test_moving_an_input_across_a_kink_follows_the_conventions(browser, tmp_path):
    src = "y = relu(x) + abs(x) + max(x, 0)"
    page = open_page(browser, tmp_path, src, at={"x": 1.0})
    p = page.page
    assert p.get_attribute('.dx-grad-cell[data-input="x"]', "data-adjoint") == "3"
    p.fill("#dx-in-0", "0")  # relu'(0) = 0, abs'(0) = 0, max tie: 1/2
    assert p.get_attribute('.dx-grad-cell[data-input="x"]', "data-adjoint") == "0.5"
    assert diffx.grad(src, at={"x": 0.0}).gradient["x"] == 0.5
    page.close()


# ---------------------------------------------------------------- groups

def test_collapsing_and_expanding_a_statement(browser, tmp_path):
    page = open_page(browser, tmp_path, MLPISH, at={"w": 0.7, "x": -1.3, "b": 0.4})
    p = page.page
    g = diffx.parse(MLPISH)
    h = g.assigned["h"]
    members = [n for n in range(g.assigned["z"] + 1, h)
               if not g.is_const(n) and not g.is_input(n)]
    assert members and all(p.is_visible(f"#dx_n{n}") for n in members)
    p.click("#dx-toggle-1")  # h = tanh(z) * exp(-z*z/4)
    assert not any(p.is_visible(f"#dx_n{n}") for n in members)
    assert p.is_visible(f"#dx_n{h}")  # the statement's own node stands for the group
    assert "dx-collapsed" in p.get_attribute("#dx_g1", "class")
    p.click("#dx-toggle-1")
    assert all(p.is_visible(f"#dx_n{n}") for n in members)
    page.close()


def test_a_graph_above_max_nodes_opens_collapsed(browser, tmp_path):
    page = open_page(browser, tmp_path, MLPISH, at={"w": 0.7, "x": -1.3, "b": 0.4},
                     max_nodes=5)
    p = page.page
    assert p.get_attribute("#dx-toggle-1", "aria-pressed") == "true"
    assert p.eval_on_selector_all("g.cluster.dx-collapsed", "gs => gs.length") >= 2
    page.close()


def test_a_vector_program_pages_its_expansion_with_one_group_per_block(browser, tmp_path):
    src = "z = W @ x + b; y = sum(sigmoid(z))"
    at = {"W": [[1, 2], [3, -4]], "x": [0.5, -0.25], "b": [0, 1]}
    page = open_page(browser, tmp_path, src, at=at)
    p = page.page
    g = diffx.grad(src, at=at)
    for name, want in (("W[1,0]", g.gradient["W"][1][0]), ("x[1]", g.gradient["x"][1]),
                       ("b[0]", g.gradient["b"][0])):
        shown = float(p.get_attribute(f'.dx-grad-cell[data-input="{name}"]', "data-adjoint"))
        assert math.isclose(shown, want, rel_tol=1e-14)
    assert p.text_content("#dx-toggle-0") == "collapse z: 2 elements"
    p.click("#dx-toggle-0")
    z0, z1 = (int(p.get_attribute("#dx-toggle-0", "data-ends").split(",")[k]) for k in (0, 1))
    assert p.is_visible(f"#dx_n{z0}") and p.is_visible(f"#dx_n{z1}")  # both elements stay
    assert p.eval_on_selector_all("g.node.dx-hidden", "gs => gs.length") == 6  # 4 ×, 2 +
    page.close()


# ---------------------------------------------------------------- labels and Jupyter

def test_labels_do_not_overlap_while_stepping_and_after_a_move(browser, tmp_path):
    page = open_page(browser, tmp_path, MLPISH, at={"w": 0.7, "x": -1.3, "b": 0.4})
    p = page.page
    assert p.evaluate("window.diffxExplore.overlaps()") == []
    p.click("#dx-start")
    for _ in range(p.evaluate("window.diffxExplore.steps") // 2):
        p.keyboard.press("ArrowRight")
    assert p.evaluate("window.diffxExplore.overlaps()") == []
    p.fill("#dx-in-0", "-2.5")
    assert p.evaluate("window.diffxExplore.overlaps()") == []
    page.close()


def test_the_notebook_frame_holds_the_same_page_and_runs_it(browser, tmp_path):
    import html as _html

    page = diffx.explore(ROUTE_SUM, at={"a": 4, "b": 3}, title=HOSTILE)
    frame = page._repr_html_()
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert _html.unescape(srcdoc) == page.html
    assert type(diffx.render(ROUTE_SUM)).__name__ == "Digraph"  # render stays static
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html><body data-ready=1>{frame}</body>")
    opened = Page(browser, path)
    inner = opened.page.frames[1]
    inner.wait_for_selector("body[data-ready]", state="attached")
    assert inner.get_attribute('.dx-grad-cell[data-input="a"]', "data-adjoint") == "11"
    assert inner.text_content("#dx-title") == HOSTILE
    assert inner.evaluate("window.pwned") is None
    opened.close()


# ---------------------------------------------------------------- hostile text

HOSTILE = "</script><script>window.pwned = 1</script><img src=x onerror='window.pwned = 2'>\"'&"


def test_hostile_names_and_labels_display_as_text_and_run_nothing(browser, tmp_path):
    def fn(x, y):
        return diffx.name(x * y, "q_") + x

    page = open_page(browser, tmp_path, fn, at={"x": 2.0, "y": 3.0}, title=HOSTILE)
    p = page.page
    assert p.evaluate("window.pwned") is None
    assert p.text_content("#dx-title") == HOSTILE
    assert p.query_selector("img") is None
    page.close()
    page = open_page(browser, tmp_path, "y = x² · π + √x  # </script><b>x</b>",
                     name="unicode.html", at={"x": 4.0})
    assert page.page.evaluate("window.pwned") is None
    assert page.page.query_selector("#dx-side b") is None
    assert float(page.attr('.dx-grad-cell[data-input="x"]', "data-adjoint")) == \
        diffx.grad("y = x^2*pi + sqrt(x)", at={"x": 4.0}).gradient["x"]
    page.close()


# ---------------------------------------------------------------- measurements (printed)

def chain(n_statements: int, per: int) -> str:
    """A program of ``n_statements`` statements, each about ``per`` nodes (a term is three:
    a product, its sine and a sum; the constants are shared)."""
    lines = ["s0 = x"]
    for k in range(1, n_statements + 1):
        terms = " + ".join(f"sin(s{k - 1} + {j + 1}.5)" for j in range(per // 3))
        lines.append(f"s{k} = ({terms})*0.03 + y*s{k - 1}")
    return "\n".join(lines)


def logistic(n: int) -> str:
    """The logistic map unrolled: three nodes a step."""
    return "\n".join(["l1 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(1, n)])


def test_measure_page_size_and_times(browser, tmp_path, capsys):
    small = logistic(100)  # 300 nodes
    start = time.perf_counter()
    page300 = diffx.explore(small, at={"x": 0.3}, path=tmp_path / "p300.html")
    build_s = time.perf_counter() - start
    size = len(page300.html.encode())
    assert 250 <= page300.nodes <= 400
    assert size < 1_000_000  # the bound on the page of a 300-node graph
    opened = Page(browser, tmp_path / "p300.html")
    ready_ms = opened.page.evaluate("window.diffxExplore.readyMs")
    load_s = opened.ready_s
    opened.close()
    big = chain(100, 100)
    page10k = diffx.explore(big, at={"x": 0.3, "y": 0.5}, path=tmp_path / "p10k.html")
    assert page10k.nodes >= 10_000 and not page10k.drawn
    opened = Page(browser, tmp_path / "p10k.html")
    times = opened.page.evaluate("""() => { const t = [];
        for (let k = 0; k < 5; k++) {
          const box = document.getElementById('dx-in-0');
          box.value = String(0.3 + 0.01 * k); const s = performance.now();
          box.dispatchEvent(new Event('input'));
          t.push([performance.now() - s, window.diffxExplore.lastRecomputeMs]); }
        return t; }""")
    g = diffx.grad(big, at={"x": float(opened.page.input_value("#dx-in-0")), "y": 0.5})
    shown = float(opened.attr('.dx-grad-cell[data-input="x"]', "data-adjoint"))
    assert math.isclose(shown, g.gradient["x"], rel_tol=1e-11)
    opened.close()
    with capsys.disabled():
        print(f"\n[explore] 300-node page: {page300.nodes} nodes, {size:,} bytes, built in "
              f"{build_s:.2f} s; in the browser {load_s * 1000:.0f} ms from load to "
              f"interactive ({ready_ms:.0f} ms of it the page's script)")
        print(f"[explore] {page10k.nodes:,}-node page: {len(page10k.html.encode()):,} bytes; "
              f"an input's change: values, partials and adjoints in "
              f"{min(c for _, c in times):.1f}-{max(c for _, c in times):.1f} ms, with the page "
              f"updated {min(t for t, _ in times):.1f}-{max(t for t, _ in times):.1f} ms")


# ---------------------------------------------------------------- without a browser

def test_page_is_self_contained_and_its_data_cannot_close_the_script():
    bare = diffx.explore(ROUTE_SUM, at={"a": 4, "b": 3}).html
    bare = bare.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert "http" not in bare and " src=" not in bare and "<link" not in bare  # no network
    html = diffx.explore(ROUTE_SUM, at={"a": 4, "b": 3}, title=HOSTILE).html
    assert html.count("</script>") == 2  # the data block and the script, nothing else
    data = re.search(r'id="dx-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in data and json.loads(data)["title"] == HOSTILE
    assert 'id="dx_n3"' in html and 'id="dx_e0"' in html


def test_explore_needs_a_point_and_a_page_name(tmp_path):
    with pytest.raises(DiffxError, match="starts from a point"):
        diffx.explore(ROUTE_SUM)
    with pytest.raises(DiffxError, match="ending in .html"):
        diffx.explore(ROUTE_SUM, at={"a": 1, "b": 2}, path=tmp_path / "x.svg")
    page = diffx.explore(ROUTE_SUM, at={"a": 1, "b": 2})
    frame = page._repr_html_()
    assert frame.startswith("<iframe") and "<script" not in frame  # escaped into srcdoc


def cli_error(*args: str) -> str:
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    return res.output


def test_cli_writes_the_page(tmp_path):
    out = tmp_path / "explore.html"
    res = invoke("graph", ROUTE_SUM, "--at", "a=4,b=3", "-o", str(out))
    assert res.exit_code == 0 and f"wrote {out}" in res.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "error: an interactive page starts from a point: give --at" in cli_error(
        "graph", ROUTE_SUM, "-o", str(out))
    vec = tmp_path / "vector.html"
    res = invoke("graph", "z = W @ x; y = sum(sigmoid(z))", "--at", "W=[[1,2],[3,4]],x=[1,-1]",
                 "-o", str(vec))
    assert res.exit_code == 0 and "(15 nodes," in res.output  # 6 inputs, 4 ×, 2 +, 2 σ, 1 +
    routes = tmp_path / "routes.html"
    assert invoke("graph", ROUTE_SUM, "--at", "a=4,b=3", "--wrt", "b", "-o",
                  str(routes)).exit_code == 0
    data = json.loads(re.search(r'id="dx-data">(.*?)</script>', routes.read_text()).group(1))
    assert data["wrt"] == 1  # the page opens with b's routes shown
    assert "error: --tree draws a static picture" in cli_error(
        "graph", ROUTE_SUM, "--at", "a=1,b=1", "--tree", "-o", str(out))
