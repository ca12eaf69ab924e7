"""The interactive page as a newcomer meets it, in a real headless Chromium: the notation of
adjoints (ā) and local partials (∂d/∂a), node formulas with their parentheses, the .htm
suffix, bad text in a number box, collapsed statements drawn as one node, the output's
adjoint, stepping past the end and a wide graph beside the side panel; and the CLI's parse
error coming before its --at check. Numbers are derived by hand (d = a(a + b) at a = 4,
b = 3: ∂d/∂a = c = 7 directly and 1·a = 4 through c, ā = 11).
"""

from __future__ import annotations

import math
import os

import pytest

import diffx
from diffx.errors import DiffxError

from browser_page import browser, open_page  # noqa: F401 (browser: a fixture)
from conftest import invoke

ROUTE_SUM = "c = a + b; d = a * c"
MLPISH = "z = w*x + b; h = tanh(z) * exp(-z*z/4); y = h*h + sigmoid(x - w)"
BAR = "\u0304"  # the combining macron, as --backward and the quiz write adjoints


def bar(name: str) -> str:
    return name + BAR


# ---------------------------------------------------------------- 1. notation

def test_adjoints_are_barred_and_local_partials_are_partials(browser, tmp_path):
    page = open_page(browser, tmp_path, ROUTE_SUM, at={"a": 4, "b": 3})
    p = page.page
    a, c, d = bar("a"), bar("c"), bar("d")
    assert page.lines("dx_n0")[2] == f"{a} = 11"  # the node's adjoint, not ∂d/∂a
    p.click("#dx-start")
    for _ in range(4 + 1 + 1):  # the forward sweep, the seed, the first edge (d → a)
        p.click("#dx-step")
    status = p.text_content("#dx-status")
    assert f"reverse: {a} += {d} · ∂d/∂a = 1 · 7 = 7" in status, status
    p.click("#dx_n0")
    assert p.text_content(".dx-adjoint") == f"{a} = {c}·∂c/∂a + {d}·∂d/∂a = 4·1 + 1·7 = 11"
    items = sorted(p.eval_on_selector_all(".dx-route-item", "ls => ls.map(l => l.textContent)"))
    assert items == ["a → c → d: ∂c/∂a·∂d/∂c = 1·a = 1·4 = 4",  # the formula, once each
                     "a → d: ∂d/∂a = c = 7"]
    p.click("#dx_n3")
    assert p.eval_on_selector_all(".dx-partial", "ls => ls.map(l => l.textContent)") == [
        "∂d/∂a = c = 7", "∂d/∂c = a = 4"]
    page.close()


# ---------------------------------------------------------------- 2. formulas keep parentheses

def test_the_side_panel_writes_a_node_with_its_parentheses(browser, tmp_path):
    source = open(os.path.join(os.path.dirname(__file__), "..", "examples",
                               "logistic_map.dx")).read()
    g = diffx.parse(source)
    page = open_page(browser, tmp_path, source, at={"x": 0.3})
    page.page.click(f"#dx_n{g.assigned['l4']}")
    assert page.page.text_content("#dx-details h3") == "l4 = 4*l3*(1 - l3)"
    page.close()
    # precedence by hand: each text must read back as the same operation
    cases = [("y = a-(b-c)", "y = a - (b - c)", 2 - (3 - 5)),
             ("y = (a+b)*c", "y = (a + b)*c", (2 + 3) * 5),
             ("y = a^(b^c)", "y = a^b^c", 2 ** (3 ** 5)),  # ^ groups to the right
             ("y = (a^b)^c", "y = (a^b)^c", (2 ** 3) ** 5),
             ("y = -(a+b)", "y = -(a + b)", -(2 + 3)),
             ("y = a/(b*c)", "y = a/(b*c)", 2 / (3 * 5))]
    at = {"a": 2.0, "b": 3.0, "c": 5.0}
    for k, (source, shown, value) in enumerate(cases):
        point = {n: v for n, v in at.items() if n in source}
        page = open_page(browser, tmp_path, source, name=f"p{k}.html", at=point)
        g = diffx.parse(source)
        page.page.click(f"#dx_n{g.output}")
        assert page.page.text_content("#dx-details h3") == shown
        again = diffx.evaluate(shown, at=point)
        assert math.isclose(float(getattr(again, "value", again)), value, rel_tol=1e-12)
        page.close()


# ---------------------------------------------------------------- 3. .htm

def test_htm_is_a_page_suffix_everywhere_and_the_messages_say_so(tmp_path):
    out = tmp_path / "page.htm"
    res = invoke("graph", ROUTE_SUM, "--at", "a=4,b=3", "-o", str(out))
    assert res.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    assert diffx.explore(ROUTE_SUM, at={"a": 4, "b": 3}, path=tmp_path / "x.htm").nodes == 4
    with pytest.raises(DiffxError, match=r"a file ending in \.html or \.htm; got"):
        diffx.explore(ROUTE_SUM, at={"a": 4, "b": 3}, path=tmp_path / "x.txt")
    res = invoke("graph", "-h")
    assert ".html (or .htm)" in " ".join(res.output.split())
    res = invoke("graph", ROUTE_SUM, "--at", "a=4,b=3", "--tree", "-o", str(out))
    assert res.exit_code == 2 and "(.html or .htm)" in " ".join(res.output.split())


# ---------------------------------------------------------------- 4. bad text in a number box

def test_a_bad_number_is_named_and_the_last_good_value_kept(browser, tmp_path):
    page = open_page(browser, tmp_path, ROUTE_SUM, at={"a": 4, "b": 3})
    p = page.page
    for text, why in (("1e400", "1e400 is not a finite number"), ("abc", "abc is not a number"),
                      ("4x", "4x is not a number")):
        p.fill("#dx-in-0", text)
        assert p.text_content("#dx-bad-0") == f"{why}; still at a = 4"
        assert p.get_attribute('.dx-grad-cell[data-input="a"]', "data-adjoint") == "11"
        p.press("#dx-in-0", "Enter")  # the box takes back the value the page computes at
        p.locator("#dx-in-0").blur()
        assert p.input_value("#dx-in-0") == "4"
        assert p.text_content("#dx-bad-0") == ""
    p.fill("#dx-in-0", "1e2")  # a good value clears the message: ∂d/∂a = 2a + b = 203
    assert p.get_attribute('.dx-grad-cell[data-input="a"]', "data-adjoint") == "203"
    assert p.text_content("#dx-bad-0") == ""
    page.close()


# ---------------------------------------------------------------- 5. collapsed statements

def _box(p, selector):
    return p.eval_on_selector(selector, "g => { const b = g.getBBox(); "
                              "return [b.x, b.y, b.x + b.width, b.y + b.height]; }")


def test_a_collapsed_statement_reads_as_one_node(browser, tmp_path):
    page = open_page(browser, tmp_path, MLPISH, at={"w": 0.7, "x": -1.3, "b": 0.4})
    p = page.page
    g = diffx.parse(MLPISH)
    h = g.assigned["h"]
    p.click("#dx-toggle-1")  # h = tanh(z) * exp(-z*z/4)
    group = _box(p, "#dx_g1 > polygon")
    node = _box(p, f"#dx_n{h}")
    # the box hugs the statement's own node (a few points of margin), not the old cluster
    assert all(abs(u - v) <= 8 for u, v in zip(group, node)), (group, node)
    label = p.text_content("#dx_g1 > text")
    assert label.startswith("▸ h = ") and p.is_visible("#dx_g1 > text")
    assert page.lines(f"dx_n{h}")[0].startswith("h")  # the node: its name, value, adjoint
    assert page.lines(f"dx_n{h}")[1].startswith("= ")
    # every visible edge ends on a visible node or on the collapsed box
    targets = p.evaluate("""() => {
        const out = [];
        document.querySelectorAll('#dx-svg g.edge').forEach(e => {
          if (!e.getClientRects().length || e.classList.contains('dx-hidden')) return;
          const path = e.querySelector('path'), head = e.querySelector('polygon');
          const tip = head.points.getItem(0), pts = [];
          for (let i = 0; i < head.points.numberOfItems; i++) {
            const q = head.points.getItem(i); pts.push([q.x, q.y]); }
          out.push([e.id, pts]);
        });
        return out; }""")
    boxes = [_box(p, f"#dx_n{n}") for n in range(g.output + 1)
             if p.is_visible(f"#dx_n{n}")] + [group]

    def touches(pt):
        return any(b[0] - 3 <= pt[0] <= b[2] + 3 and b[1] - 3 <= pt[1] <= b[3] + 3
                   for b in boxes)

    assert targets
    for ident, pts in targets:  # some corner of the arrowhead touches a box
        assert any(touches(q) for q in pts), (ident, pts)
    # stepping through the hidden nodes names the statement, not a hidden node
    p.click("#dx-start")
    z = g.assigned["z"]
    hidden = [n for n in range(z + 1, h) if not g.is_const(n) and not g.is_input(n)]
    forward = p.evaluate("window.diffxExplore.steps")
    statuses = []
    for _ in range(forward):
        p.click("#dx-step")
        statuses.append(p.text_content("#dx-status"))
    inside = [s for s in statuses if "inside the collapsed statement h = " in s]
    assert len(inside) >= len(hidden), statuses
    page.close()


# ---------------------------------------------------------------- 6. small things

def test_the_output_adjoint_is_shown_and_step_stops_at_the_end(browser, tmp_path):
    page = open_page(browser, tmp_path, ROUTE_SUM, at={"a": 4, "b": 3})
    p = page.page
    assert p.text_content('.dx-grad-cell[data-output="d"]') == "1"
    n = p.evaluate("window.diffxExplore.steps")
    p.click("#dx-start")
    for _ in range(n + 3):
        p.click("#dx-step")
    assert p.text_content("#dx-pos") == f"{n} / {n}"
    assert "both sweeps done" in p.text_content("#dx-status")
    p.click("#dx-start")
    assert p.text_content("#dx-pos") == f"0 / {n}"
    page.close()


def test_a_wide_graph_fits_beside_the_side_panel(browser, tmp_path):
    wide = "; ".join(f"v{k} = sin(v{k - 1})" if k else "v0 = cos(x)" for k in range(14))
    page = open_page(browser, tmp_path, wide, at={"x": 0.5}, width=900)
    p = page.page
    side = p.eval_on_selector("#dx-side", "e => e.getBoundingClientRect().left")
    svg = p.eval_on_selector("#dx-svg svg", "e => e.getBoundingClientRect().right")
    assert svg <= side + 1  # the whole drawing is left of the side panel
    last = p.eval_on_selector(f"#dx_n{diffx.parse(wide).output}",
                              "e => e.getBoundingClientRect().right")
    assert last <= side + 1  # its last node too
    p.click("#dx-zoom")  # at its own size it scrolls, the scroll bar within the window
    box = p.eval_on_selector("#dx-svg", "e => [e.scrollWidth, e.clientWidth, "
                             "e.getBoundingClientRect().bottom, innerHeight]")
    assert box[0] > box[1] and box[2] <= box[3]
    assert p.text_content("#dx-zoom") == "fit to width"
    page.close()


# ---------------------------------------------------------------- the CLI: parse error first

def test_the_expressions_parse_error_comes_before_the_points_check():
    res = invoke("grad", "y = α*2", "--at", "α=1")
    assert res.exit_code != 0
    assert "outside ASCII" in res.output and "not an input name" not in res.output
    res = invoke("grad", "y = x*2", "--at", "α=1")  # a good expression: the point's error
    assert res.exit_code != 0 and "'α' is not an input name" in res.output
