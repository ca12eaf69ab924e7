"""The float sweeps must not be silently wrong: lost precision is found and recovered.

Every expected value is computed here with mpmath at 60+ digits from the closed-form
derivative, independently of diffx.
"""

from __future__ import annotations

import math

import mpmath
import pytest

import diffx

mpmath.mp.dps = 60


def _d(f, **at):
    """d f / d each input at ``at``, by mpmath's own differentiation at high precision."""
    out = {}
    with mpmath.workdps(400):
        for name in at:
            def g(t, name=name):
                return f(**{k: (t if k == name else mpmath.mpf(v)) for k, v in at.items()})
            out[name] = float(mpmath.diff(g, mpmath.mpf(at[name])))
    return out


CASES = [
    # cancellation of large contributions at one node
    ("x/x + x", lambda x: x / x + x, {"x": 1e-200}),
    ("sin(atan(z/z) + z)", lambda z: mpmath.sin(mpmath.atan(z / z) + z), {"z": 1e-16}),
    # a product of local derivatives that underflows, then meets a huge one
    ("relu(1.25)/(a/x)", lambda a, x: mpmath.mpf(1.25) / (a / x), {"a": 1.0, "x": -8e-175}),
]


@pytest.mark.parametrize("method", ["reverse", "forward"])
@pytest.mark.parametrize("src, f, at", CASES, ids=[c[0] for c in CASES])
def test_lost_precision_is_recovered_with_a_warning(method, src, f, at):
    g = diffx.grad(src, at=at, method=method)
    true = _d(f, **at)
    for w, v in true.items():
        assert g[w] == pytest.approx(v, rel=1e-12), (w, g[w], v)
    float_was_right = all(  # forward mode gets x/x exactly (1e200 - 1e200 = 0 on one node)
        v == pytest.approx(true[w], rel=1e-12) for w, v in _plain_sweep(src, at, method).items())
    if not float_was_right:
        assert any("lost precision" in w and "digit arithmetic gives" in w for w in g.warnings)


def _plain_sweep(src, at, method):
    from diffx import engine, evaluation

    graph = diffx.parse(src)
    vals, _ = evaluation.evaluate(graph, at, False)
    if method == "reverse":
        adj = engine.sweep(graph, vals, graph.inputs)
        return {w: adj[graph.input_nodes[w]] for w in graph.inputs}
    return {w: engine.tangents(graph, vals, w)[graph.output] for w in graph.inputs}


def test_reverse_was_wrong_before_the_check():
    # the fast float sweep alone: these are the silent errors the audit exists for
    assert _plain_sweep("x/x + x", {"x": 1e-200}, "reverse")["x"] == 0.0
    assert _plain_sweep("relu(1.25)/(a/x)", {"a": 1.0, "x": -8e-175}, "reverse")["x"] == 0.0


@pytest.mark.parametrize("src, at", [
    ("x - x", {"x": 3.0}), ("x*y + sin(x)", {"x": 0.5, "y": 2.0}),
    ("c = 4*x*(1 - x); d = 4*c*(1 - c)", {"x": 0.3}),
])
def test_ordinary_sweeps_raise_no_precision_warning(src, at):
    for method in ("reverse", "forward"):
        g = diffx.grad(src, at=at, method=method)
        assert not any("precision" in w for w in g.warnings)


def test_tails_of_tanh_and_sigmoid_in_a_program():
    g = diffx.grad("tanh(x) + sigmoid(y)", at={"x": 20.0, "y": 40.0})
    assert g["x"] == pytest.approx(float(mpmath.sech(20) ** 2), rel=1e-14)
    s = 1 / (1 + mpmath.exp(-40))
    assert g["y"] == pytest.approx(float(s * (1 - s)), rel=1e-14)
    h = diffx.grad("tanh(x)", at={"x": 14.5})
    assert h["x"] == pytest.approx(float(mpmath.sech(14.5) ** 2), rel=1e-14)
    assert math.isfinite(h["x"])


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_array_points_warn_where_the_sweep_lost_precision(method):
    import numpy as np

    g = diffx.grad("x/x + x", at={"x": np.array([1e-200, 1.0])}, method="reverse")
    (w,) = [w for w in g.warnings if "lost precision" in w]
    assert "1 of 2 points" in w and "input x" in w
    # exact cancellations (equal terms of opposite sign) are no loss: no warning
    for src in ("x - x", "x/x", "x*y - y*x"):
        at = {"x": np.array([3.0, 1e-300, -2.0]), "y": np.array([1.0, 2.0, 1e200])}
        g = diffx.grad(src, at={k: v for k, v in at.items() if k in src}, method=method)
        assert not any("precision" in w for w in g.warnings), (src, g.warnings)
