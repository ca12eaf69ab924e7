"""Edges of the sweep, forward mode, diagnostics and the library surface (issue 8).

Expected values are derived by hand or with mpmath at 50 digits, never with diffx itself.
"""

from __future__ import annotations

import math
import tracemalloc

import mpmath
import numpy as np
import pytest

import diffx
import diffx.methods.run as run
from diffx import methods as registry

SWEEPS = ("reverse", "forward")


# ------------------------------------------------------------------ kink convention --------

@pytest.mark.parametrize("method", SWEEPS + ("symbolic",))
@pytest.mark.parametrize("src, point, expected", [
    ("relu(x)", {"x": 0.0}, {"x": 0.0}),  # relu'(0) = 0
    # a jump's derivative is 0 at the jump too (sympy's DiracDelta(0), taken as 0)
    ("sign(x)", {"x": 0.0}, {"x": 0.0}),
    ("sign(x) + x", {"x": 0.0}, {"x": 1.0}),
    ("heaviside(x)", {"x": 0.0}, {"x": 0.0}),
    ("heaviside(x - 1) * x", {"x": 1.0}, {"x": 0.5}),  # heaviside(0) = 1/2, times x' = 1
    ("abs(x)", {"x": 0.0}, {"x": 0.0}),  # sign(0) = 0
    ("max(x, 0)", {"x": 0.0}, {"x": 0.5}),  # a tie splits 1/2-1/2 (PyTorch, JAX)
    ("min(x, 0)", {"x": 0.0}, {"x": 0.5}),
    ("max(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}),
    ("min(x, y)", {"x": 2.0, "y": 2.0}, {"x": 0.5, "y": 0.5}),
    ("max(x, y)", {"x": 2.0, "y": 1.0}, {"x": 1.0, "y": 0.0}),
    ("min(x, y)", {"x": 2.0, "y": 1.0}, {"x": 0.0, "y": 1.0}),
    ("max(x, x)", {"x": 3.0}, {"x": 1.0}),  # 1/2 + 1/2: max(x, x) = x
])
def test_kink_convention_scalar_and_array(method, src, point, expected):
    g = diffx.grad(src, at=point, method=method)
    assert g.gradient == expected
    arr = diffx.grad(src, at={k: np.array([v, v]) for k, v in point.items()}, method=method)
    for w, v in expected.items():
        assert list(arr[w]) == [v, v]


@pytest.mark.parametrize("src, point", [
    ("max(x, x)", {"x": 1.0}), ("min(x, x) * 2", {"x": -1.0}), ("min(0.5, 0.5) * x", {"x": 1.0}),
])
def test_no_kink_warning_for_a_tie_of_a_node_with_itself(src, point):
    assert not any("kink" in w for w in diffx.grad(src, at=point).warnings)


def test_kink_warning_states_the_convention():
    (w,) = [w for w in diffx.grad("max(x, 1)", at={"x": 1}).warnings if "kink" in w]
    assert "split 1/2 to each argument" in w and "finite differences" in w


# ------------------------------------------------------------------ strong zeros -------------

@pytest.mark.parametrize("method", SWEEPS)
@pytest.mark.parametrize("src, x, expected", [
    ("sqrt(relu(x))", -1.0, 0.0),  # constant 0 near -1
    ("sqrt(0*x)", 1.0, 0.0),  # constant 0
    ("sqrt(relu(x)) + x", -1.0, 1.0),
    ("sqrt(x)", 0.0, math.inf),  # an infinite slope stays infinite
])
def test_strong_zeros_scalar_and_array_agree(method, src, x, expected):
    scalar = diffx.grad(src, at={"x": x}, method=method)["x"]
    array = diffx.grad(src, at={"x": np.array([x, x])}, method=method)["x"]
    assert scalar == expected
    assert list(array) == [expected, expected]


@pytest.mark.parametrize("method", SWEEPS)
@pytest.mark.parametrize("src, x", [("log(x)", -1.0), ("sqrt(x)", -2.0), ("x/x", 0.0)])
def test_undefined_function_has_undefined_derivative(method, src, x):
    g = diffx.grad(src, at={"x": x}, method=method)
    assert math.isnan(g.value) and math.isnan(g["x"])
    arr = diffx.grad(src, at={"x": np.array([x, 4.0])}, method=method)
    assert math.isnan(arr["x"][0]) and math.isfinite(arr["x"][1])


# ------------------------------------------------------------------ diagnose ----------------

@pytest.mark.parametrize("src", [
    "log(x) + log(2)*x", "max(x, 1)/x", "x/0 + x", "log(x - 1) * 3", "max(x, 0.5) + log(x)",
    "x^0.5 * 2 + min(3, x)", "(x - 1)^-1 + relu(2)",
])
def test_array_points_with_non_finite_values_and_constants_do_not_crash(src):
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    for method in SWEEPS:
        g = diffx.grad(src, at={"x": x}, method=method)
        assert g.gradient["x"].shape == x.shape
        assert g.warnings  # every one of them has a non-finite value or a kink


@pytest.mark.parametrize("src, x, node", [
    ("sqrt(x)^0 + x", -1.0, "sqrt(x)"),
    ("atan(1/x)", 0.0, "1/x"),
])
def test_masked_non_finite_intermediate_is_reported(src, x, node):
    for at in ({"x": x}, {"x": np.array([x, 2.0])}):
        for method in SWEEPS:
            g = diffx.grad(src, at=at, method=method)
            hits = [w for w in g.warnings if node in w and "does not reach the output" in w]
            assert hits, g.warnings


# ------------------------------------------------------------------ library surface ---------

@pytest.mark.parametrize("call", [
    lambda: diffx.grad(123),
    lambda: diffx.grad("x^2", at=[1, 2]),
    lambda: diffx.grad("x^2", at={"x": 1}, wrt=5),
    lambda: diffx.grad("x^2", at={"x": 1}, method=None),
    lambda: diffx.grad("x^2", at={"x": 1}, method=["reverse"]),
    lambda: diffx.grad("x*y", at=3),
    lambda: diffx.grad_all("x^2", at={"x": 1}, methods=5),
    lambda: diffx.grad_all("x^2", at={"x": 1}, options=5),
    lambda: diffx.grad_all("x^2", at={"x": 1}, options={"reverse": 5}),
    lambda: diffx.grad_all("x^2", at={"x": 1}, reference=5),
])
def test_odd_argument_types_raise_diffx_errors(call):
    with pytest.raises(diffx.DiffxError):
        call()


def test_bare_number_is_the_value_of_the_only_input():
    assert diffx.grad("x^2", at=3)["x"] == 6.0
    assert diffx.evaluate("x^3", at=2) == 8.0
    with pytest.raises(diffx.DiffxError, match="inputs: x, y"):
        diffx.grad("x*y", at=3)


def test_grad_all_survives_an_internal_error_in_one_method(monkeypatch):
    spec = registry.REGISTRY["symbolic"]

    def broken(*args, **kwargs):
        raise ValueError("sympy could not compare")

    monkeypatch.setitem(registry.REGISTRY, "symbolic",
                        registry.Method("symbolic", broken, spec.options, spec.summary))
    report = diffx.grad_all("x^2", at={"x": 3})
    assert report.results["symbolic"].error == ("internal error in the symbolic method: "
                                                "ValueError: sympy could not compare")
    assert report.results["reverse"]["x"] == 6.0


@pytest.mark.parametrize("methods", [("symbolic",), ("symbolic", "numeric", "reverse")])
def test_report_value_comes_from_the_graph(methods):
    report = diffx.grad_all("x/x", at={"x": 0}, methods=methods)
    assert math.isnan(report.value)  # sympy simplifies x/x to 1; the graph is 0/0
    assert any("division by zero" in w for w in report.warnings)
    assert diffx.grad_all("2^3^2").value == 512.0


def test_chunked_sweep_keeps_memory_bounded(monkeypatch):
    monkeypatch.setattr(run, "CHUNK_VALUES", 20_000)
    n = 400_000
    x, y = np.linspace(-1, 1, n), np.linspace(1, 2, n)
    graph = diffx.parse("c = x*y + sin(x); d = c*exp(-y) + log(y)")
    tracemalloc.start()
    try:
        g = diffx.grad(graph, at={"x": x, "y": y})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert g.details.chunks > 100
    assert g.details.values is None and g.details.adjoints is None
    # the result itself is 3 arrays of n floats (9.6 MB), the point a copy of 2 more; keeping
    # every chunk's values and adjoints (20 per point) took 62 MB
    assert peak < 30e6
    xm, ym = mpmath.mpf(x[7]), mpmath.mpf(y[7])
    assert g["x"][7] == pytest.approx(float((ym + mpmath.cos(xm)) * mpmath.exp(-ym)), rel=1e-14)


def test_constant_expression_evaluates_without_a_point():
    assert diffx.evaluate("2^3^2") == 512.0
    with pytest.raises(diffx.DiffxError, match="at=\\{'x': 1.0, 'y': 1.0\\}"):
        diffx.evaluate("x*y")
