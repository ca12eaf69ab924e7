"""The precision audit over many points: the magnitude screen clears only points the full
audit would clear, and the detections over arrays are those of single points.

Expected derivatives are hand-derived (d/dx (x/x + x) = 1, d/dx 1.25/(a/x) = 1.25/a); the
screen is checked against the full per-edge audit run on every point (no screen, no sample).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffx
from conftest import expression_strategy
from diffx import evaluation, magnitudes, precision

# the tests call the engine's sweeps directly, outside the methods' numpy error state: the
# overflow and division warnings they raise are the extreme points under test
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

EXPRESSIONS = expression_strategy(
    ["x", "y", "0", "1", "0.5", "2", "1e200", "1e-200"],
    ["sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "atan", "sigmoid", "relu", "-"],
    max_leaves=8)
POINTS = [0.0, 1.0, -1.0, 0.5, 3.0, 1e-200, -1e-200, 1e200, -8e-175, 1e-16, 20.0, 1e-310,
          5e-324, 1e308, -400.0]


def _full_audit(graph, vals, D, wrt, reverse, shape):
    """The per-edge audit on every point, without the screen: which points it flags."""
    hi = graph.output + 1
    n = int(np.prod(shape))
    V, Dm = np.empty((hi + 1, n)), np.empty((hi, n))
    for rows, source in ((V, vals), (Dm, D)):
        for i in range(hi):
            rows[i] = np.ravel(np.broadcast_to(source[i], shape))
    V[hi] = 1.0
    found, _, bad = precision._scan(graph, V, Dm, wrt, reverse)
    return bad


def _check_superset(src, at):
    graph = diffx.parse(src)
    at = {k: v for k, v in at.items() if k in graph.input_nodes}
    wrt = tuple(graph.inputs)
    if not wrt:
        return
    vals, ns = evaluation.evaluate(graph, at, True)
    if any(np.iscomplexobj(v) for v in vals[:graph.output + 1]):
        return
    shape = np.broadcast_shapes(*(np.shape(v) for v in at.values()))
    G, _ = evaluation.sweep(graph, vals, wrt, ns, True)
    for reverse, D, w in [(True, G, wrt)] + [
            (False, diffx.engine.tangents(graph, vals, v, "numpy"), (v,)) for v in wrt]:
        full = _full_audit(graph, vals, D, w, reverse, shape)
        screened = magnitudes.screen(graph, vals, D, w, reverse, shape)
        assert not (full & ~screened).any(), (src, reverse, np.flatnonzero(full & ~screened))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_the_screen_clears_no_point_the_full_audit_flags(src):
    try:
        diffx.parse(src)
    except diffx.DiffxError:
        return
    xs, ys = np.meshgrid(np.array(POINTS), np.array(POINTS))
    _check_superset(src, {"x": xs.ravel(), "y": ys.ravel()})


@pytest.mark.parametrize("src", [
    "x/x + x", "sin(atan(z/z) + z)", "relu(1.25)/(a/x)", "x*y - y*x", "exp(x) - exp(x)",
    "s1 = exp(acos(a))^(acos(a) - (a - a)); s2 = exp(log(s1)); s3 = s1/s2; "
    "s3*1e300 + sqrt(a/a) + cosh(softplus(s2))^0.5",
    "log(tanh(x) * c)", "tanh(1e300*x) + sigmoid(x)"])
def test_the_screen_keeps_the_known_losses(src):
    at = {k: np.array([1e-200, 1e-16, -8e-175, 0.5, 1.0, 1000.0, 1e300])
          for k in ("x", "y", "z")}
    at["a"] = np.array([1.0, 0.5, 1.0, 0.5, 2.0, 0.5, 1.0])
    at["c"] = np.full(7, 1e-310)
    _check_superset(src, at)


def test_ordinary_points_go_nowhere_near_the_full_audit():
    # the benchmark's expression at 10^4 ordinary points: nothing to find, so the screen
    # clears every point and the per-edge audit never runs
    graph = diffx.parse("sin(x)*exp(-(y*y)) + tanh(x*y)/(1 + x*x) + 0.5*cos(x - y)")
    rng = np.random.default_rng(0)
    at = {"x": rng.uniform(-2, 2, 10_000), "y": rng.uniform(-2, 2, 10_000)}
    vals, ns = evaluation.evaluate(graph, at, True)
    G, _ = evaluation.sweep(graph, vals, graph.inputs, ns, True)
    assert not magnitudes.screen(graph, vals, G, graph.inputs, True, (10_000,)).any()
    assert precision.audit_points(graph, vals, G, graph.inputs, True) is None
    assert not diffx.grad(graph, at=at).warnings


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_lost_points_among_many_are_found_and_recovered(method):
    # d/dx (x/x + x) = 1 everywhere; the float sweep gives 0 at x = 1e-200 (1 + 1e200 -
    # 1e200); d/dx 1.25/(a/x) = 1.25/a, which underflows at x = -8e-175
    x = np.linspace(0.5, 2.0, 1000)
    x[[3, 500, 998]] = 1e-200
    g = diffx.grad("x/x + x", at={"x": x}, method=method)
    assert np.allclose(g["x"], 1.0, rtol=1e-14, atol=0)  # 1 + 1/x - 1/x: rounding elsewhere
    assert (g["x"][[3, 500, 998]] == 1.0).all()
    if method == "reverse":
        assert any("at 3 of 1,000 points" in w for w in g.warnings)
    x = np.linspace(-3.0, -1.0, 1000)
    x[[0, 10, 999]] = -8e-175
    g = diffx.grad("relu(1.25)/(a/x)", at={"a": np.full(1000, 2.0), "x": x}, method=method)
    assert np.allclose(g["x"], 1.25 / 2.0, rtol=1e-15, atol=0)


def test_more_lost_points_than_are_recovered_are_counted_in_a_warning():
    x = np.linspace(0.5, 2.0, 1000)
    x[::4] = 1e-200  # 250 points, past the 200 re-run exactly
    g = diffx.grad("x/x + x", at={"x": x})
    (w,) = [w for w in g.warnings if "may have lost precision" in w]
    assert "at 50 more of 1,000 points" in w and "cancelled" in w
    assert np.allclose(g["x"][1::4], 1.0, rtol=1e-14, atol=0)
    assert (g["x"][::4][:200] == 1.0).all()  # the first 200 re-run exactly: d/dx = 1
    assert (g["x"][::4][200:] == 0.0).all()  # the float sweep's values, not re-run
    assert any("at 200 of 1,000 points" in w for w in g.warnings)


def test_a_point_past_the_sample_is_still_screened():
    # 10^5 points: each one is screened, so the one lost point is found wherever it is
    x = np.linspace(0.5, 2.0, 100_000)
    x[77_777] = 1e-200
    g = diffx.grad("x/x + x", at={"x": x})
    assert g["x"][77_777] == 1.0 and math.isfinite(g["x"].sum())
    assert any("at 1 of 100,000 points" in w for w in g.warnings)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_subnormal_partial_behind_a_huge_adjoint_is_found(method):
    # atan'(1e160) = 1/(1 + 1e320) = 1e-320, a subnormal with 4 significant digits, times
    # 1e300: the float sweep's 1e-20 is off by about 1e-4; d/dx = 1e300/(1 + x^2) = 1e-20
    x = np.array([0.5, 1e160, 2.0])
    _check_superset("1e300*atan(x)", {"x": x})
    g = diffx.grad("1e300*atan(x)", at={"x": x}, method=method)
    assert g["x"][1] == pytest.approx(1e-20, rel=1e-14)
    assert g["x"][0] == pytest.approx(1e300 / 1.25, rel=1e-14)
