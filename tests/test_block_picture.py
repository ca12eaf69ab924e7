"""Pictures of vector programs: the block level by default (names, shapes, values, adjoints,
matrix rules on the edges), the scalar expansion with --expand, routes on elements."""

from __future__ import annotations

import shutil
import subprocess
import re
import sys
import unicodedata

import numpy as np
import pytest

import diffx
from diffx.block_picture import block_picture
from diffx.errors import DiffxError
from diffx.present import block_dot
from diffx.program import parse

MLP = "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((t - y)^2)"
AT_TEXT = ("W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], b1=[0.1,0], W2=[[0.5,-0.6],[0.7,0.8]], "
           "b2=[0,0], t=[0.5,-0.5]")
AT = {"W1": np.array([[0.1, 0.2], [-0.3, 0.4]]), "x": np.array([1.0, -2.0]),
      "b1": np.array([0.1, 0.0]), "W2": np.array([[0.5, -0.6], [0.7, 0.8]]),
      "b2": np.array([0.0, 0.0]), "t": np.array([0.5, -0.5])}
SHAPES = {k: v.shape for k, v in AT.items()}


def nfc(text: str | None) -> str | None:
    """Adjoint bars are combining macrons (y + U+0304); compare texts composed."""
    return None if text is None else unicodedata.normalize("NFC", text)


def hand_backprop() -> dict[str, np.ndarray]:
    """The lecture's vectorized backward pass, written out by hand."""
    W1, x, b1, W2, b2, t = (AT[k] for k in ("W1", "x", "b1", "W2", "b2", "t"))
    z = W1 @ x + b1
    h = 1 / (1 + np.exp(-z))
    y = W2 @ h + b2
    yb = y - t
    hb = W2.T @ yb
    zb = hb * h * (1 - h)
    return {"y": yb, "W2": np.outer(yb, h), "b2": yb, "h": hb, "z": zb,
            "W1": np.outer(zb, x), "b1": zb, "x": W1.T @ zb, "t": -yb}


def mlp_picture():
    return block_picture(parse(MLP, shapes=SHAPES), AT)


def test_nodes_are_the_named_values_and_the_ops():
    pic = mlp_picture()
    names = [n.name for n in pic.nodes if n.name]
    assert set(names) == {"W1", "x", "b1", "z", "h", "W2", "b2", "y", "t", "L"}
    ops = [n.op for n in pic.nodes if n.kind == "op" and not n.name]
    assert ops.count("@") == 2 and "Σ" in ops  # the two products and the sum
    labels = {n.name: block_dot.node_label(pic, n) for n in pic.nodes if n.name}
    assert labels["W1"].startswith("W1 (2, 2)")
    assert labels["z"].startswith("z = +  (2,)")
    assert labels["L"].startswith("L = ×  scalar")
    assert "= [0.1 0.2; -0.3 0.4]" in labels["W1"]


def test_edge_rules_are_the_lectures():
    pic = mlp_picture()
    by_id = {n.id: n for n in pic.nodes}
    rules = {(by_id[e.tail].name or by_id[e.tail].text, by_id[e.head].text): e
             for e in pic.edges if not e.constant}
    w2 = rules[("W2", "W2 h")]
    assert nfc(block_dot.edge_label(w2)).split("\\n") == ["∂L/∂W2 = ȳ hᵀ", "Jacobian (2, 2, 2)"]
    assert nfc(rules[("h", "W2 h")].rule) == "W2ᵀ ȳ"
    assert nfc(rules[("W1", "W1 x")].rule) == "z̄ xᵀ"
    sigma = rules[("z", "h")]
    assert (nfc(sigma.rule), nfc(sigma.shown)) == ("h̄ ∘ σ'(z)", "h̄ ∘ h ∘ (1 − h)")
    assert nfc(rules[("b2", "y")].rule) == "ȳ"
    assert nfc(rules[("y", "t − y")].rule) == "L̄ · (y − t)"


def test_adjoints_are_the_hand_backprop_and_the_matrix_method():
    pic = mlp_picture()
    hand = hand_backprop()
    adjoints = {n.name: n.adjoint for n in pic.nodes if n.name}
    for name, want in hand.items():
        np.testing.assert_allclose(adjoints[name], want, rtol=1e-12, atol=1e-15)
    result = diffx.grad(MLP, at=AT, method="matrix")
    for name in ("W1", "x", "b1", "W2", "b2", "t"):
        np.testing.assert_allclose(adjoints[name], np.asarray(result.gradient[name]),
                                   rtol=1e-12, atol=1e-15)
    assert float(adjoints["L"]) == 1.0
    assert abs(float([n for n in pic.nodes if n.name == "L"][0].value)
               - 0.605230169465567) < 1e-14


def test_without_a_point_shapes_and_rules_only():
    dot = nfc(diffx.render(MLP, shapes=SHAPES).source)
    assert "W1 (2, 2)" in dot and "∂L/∂W2 = ȳ hᵀ" in dot and "= [" not in dot


def test_shared_input_edges_add_shares():
    # x is used twice: each edge carries one share of x̄ ("+=")
    pic = block_picture(parse("L = sum(x * x) + dot(a, x)", shapes={"x": (3,), "a": (3,)}),
                        {"x": np.array([1.0, 2.0, 3.0]), "a": np.array([1.0, 0.0, -1.0])})
    x = next(n for n in pic.nodes if n.name == "x")
    np.testing.assert_allclose(x.adjoint, 2 * np.array([1, 2, 3]) + np.array([1, 0, -1]))
    shares = [e for e in pic.edges if e.tail == x.id]
    assert len(shares) >= 2 and all(e.shared for e in shares)
    assert all(" += " in block_dot.edge_label(e) for e in shares)


def test_big_values_are_summarised_by_norm():
    v = np.arange(1.0, 11.0)
    text = block_dot.summary(v)
    assert text.startswith("[1 2 3 …]") and f"‖·‖ = {np.linalg.norm(v):.4g}" in text


def test_expand_draws_the_scalar_graph():
    program = parse(MLP, shapes=SHAPES)
    graph = program.scalar
    live = sum(graph.reachable_from_output()[: graph.output + 1])
    dot = diffx.render(MLP, at=AT, expand=True).source
    drawn = re.findall(r"(?m)^\tn\d+ \[", dot)
    assert len(drawn) == live and live <= graph.size
    assert "W1[0,1]" in dot
    with pytest.raises(DiffxError, match=f"the graph has {live:,} nodes; pictures stop at 10"):
        diffx.render(MLP, at=AT, expand=True, max_nodes=10)


def test_block_wrt_highlights_and_captions():
    dot = diffx.render(MLP, at=AT, wrt="W1").source
    assert "∂L/∂W1 = [0.1233 -0.2466; 0.1999 -0.3998]" in dot
    pic = block_picture(parse(MLP, shapes=SHAPES), AT, wrt="W1")
    lit = {n.name for n in pic.nodes if n.highlighted and n.name}
    assert lit == {"W1", "z", "h", "y", "L"}


def test_batch_point_is_refused():
    with pytest.raises(DiffxError, match="one point"):
        diffx.render("L = sum(x)", at={"x": np.ones((3, 2))}, shapes={"x": (2,)})


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "diffx", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_cli_writes_an_svg_with_names_and_rules(tmp_path):
    out = tmp_path / "mlp.svg"
    run = _cli("graph", MLP, "--at", AT_TEXT, "-o", str(out))
    assert run.returncode == 0, run.stderr
    svg = nfc(out.read_text(encoding="utf-8"))
    for text in ("W1 (2, 2)", "z = +", "h = σ", "W2 (2, 2)", "∂L/∂W2 = ȳ hᵀ", "z̄ xᵀ",
                 "W2ᵀ ȳ", "Jacobian (2, 2, 2)"):
        assert text in svg, text


def test_cli_expand_and_max_nodes():
    run = _cli("graph", MLP, "--at", AT_TEXT, "--expand", "--max-nodes", "10")
    assert run.returncode != 0 and "pictures stop at 10 (--max-nodes)" in run.stderr
    assert "Traceback" not in run.stderr
    run = _cli("graph", MLP, "--at", AT_TEXT, "--expand")
    assert run.returncode == 0 and "W1[0,1]" in run.stdout


def test_cli_routes_on_an_element():
    run = _cli("routes", MLP, "--wrt", "W1[0,1]", "--at", AT_TEXT)
    assert run.returncode == 0, run.stderr
    want = hand_backprop()["W1"][0, 1]  # -0.2465538...
    assert f"the reverse sweep got {want:.15g}" in run.stdout.replace("\n", "")
    assert "routes from W1[0,1] to L: 2" in run.stdout
