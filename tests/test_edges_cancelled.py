"""Values that cancel to exactly 0 in floats, and many points giving what one point gives.

``1 - tanh(60)`` is 0 in floats (tanh rounds to 1) but 1.5e-52 in truth; the value audit
must see that a computed exact zero lost every digit, and the exact re-run must report the
true value and derivatives. Over many points, the array path audits the same way as one point
(``relu(x + 1e16 - 1e16 - x)*x + x`` at x = 3 once gave 2 at an array point, 1 alone). The
oracle is mpmath by dual numbers at 400 digits (tests/test_edges_overflow.py's).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_edges_overflow import FUZZ_REL, WARNED, close, oracle, programs

import diffx
from diffx import evaluation, exact, value_audit
from diffx.exact_points import _value_rows


def _true(text: str, x: float) -> tuple[float, float]:
    """f and f' of a one-input expression at x, in mpmath at 400 digits (numerical
    differentiation of the exact function, independent of diffx)."""
    f = {"(1 - tanh(2*x))*x": lambda t: (1 - mpmath.tanh(2 * t)) * t,
         "relu(x + 1e16 - 1e16 - x)*x + x": lambda t: t}[text]
    with mpmath.workdps(400):
        return float(f(mpmath.mpf(x))), float(mpmath.diff(f, mpmath.mpf(x)))


@pytest.mark.parametrize("method", ["reverse", "forward", "numeric"])
def test_a_computed_exact_zero_is_rerun_exactly(method: str) -> None:
    value, slope = _true("(1 - tanh(2*x))*x", 30.0)
    got = diffx.grad("(1 - tanh(2*x))*x", at={"x": 30.0}, method=method)
    if method == "numeric":  # f's differences are exactly 0 in floats, and it says so
        assert got["x"] == 0 and any("exactly 0" in w for w in got.warnings)
        return
    assert close(got.value, value, 1e-12)  # 4.6e-51, not the float 0
    assert close(got["x"], slope, 1e-12)  # -1.8249e-50, not -1.8402e-50
    assert any("exactly 0 in floats" in w for w in got.warnings)


def test_the_report_value_is_exact_whichever_methods_ran() -> None:
    value, _ = _true("(1 - tanh(2*x))*x", 30.0)
    for methods in (["numeric"], ["symbolic", "numeric"], None):
        report = diffx.grad_all("(1 - tanh(2*x))*x", at={"x": 30.0}, methods=methods)
        assert close(report.value, value, 1e-12), methods


def test_many_points_give_what_one_point_gives() -> None:
    text = "relu(x + 1e16 - 1e16 - x)*x + x"
    xs = np.array([3.0, 0.5, -2.0, 7.25])
    many = diffx.grad(text, at={"x": xs})
    for i, x in enumerate(xs):
        one = diffx.grad(text, at={"x": float(x)})
        value, slope = _true(text, float(x))
        assert float(np.ravel(many.value)[i]) == one.value == value
        assert float(many["x"][i]) == one["x"] == slope


def test_u_minus_u_and_exact_arithmetic_are_not_flagged() -> None:
    """``u - u`` is 0 with no error at all; ``x*x - x^2`` is 0 in floats and in truth: the
    audit may re-run it, but nothing is reported."""
    for text in ("sin(x) - sin(x) + x", "x*x - x^2 + x", "(x + 1) - (1 + x) + x"):
        got = diffx.grad(text, at={"x": 0.3}, method="reverse")
        assert got["x"] == 1.0 and not any("precision" in w for w in got.warnings), text
    graph = diffx.parse("tanh(x)^2 - tanh(x)^2")
    vals, _ = evaluation.evaluate(graph, {"x": 0.7}, False)
    V = np.array([*map(float, vals[:graph.output + 1]), 1.0])
    assert value_audit.conditioning(graph, V) is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), x=st.sampled_from([0.7, -2.0, 3e-200, 1e154, 30.0]),
       y=st.sampled_from([0.7, -2.0, 1e-300, 1e200, 30.0]))
def test_conditioning_of_many_points_is_that_of_each_point(
        program: tuple[str, object], x: float, y: float) -> None:
    """The array audit flags exactly the points the one-point audit flags."""
    text, _ = program
    graph = diffx.parse(text)
    point = {"x": np.array([x, y, 0.5]), "y": np.array([y, x, -1.5])}
    at = {k: point[k] for k in graph.inputs}
    if not at:
        return
    vals, _ = evaluation.evaluate(graph, at, True)
    V = _value_rows(graph, vals, (3,))
    many = value_audit.conditioning_points(graph, V)
    for j in range(3):
        one = value_audit.conditioning(graph, V[:, j].copy())
        assert bool(many[j]) == (one is not None), (text, j)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), x=st.sampled_from([0.7, -2.0, 3e-200, 1e154, 30.0]),
       y=st.sampled_from([0.7, 1e-300, 1e200, 30.0]))
def test_fuzz_arrays_against_mpmath(program: tuple[str, object], x: float, y: float) -> None:
    """Random programs at two points at once: each point's derivative is mpmath's, or a
    warning says why not."""
    text, tree = program
    graph = diffx.parse(text)
    if not graph.inputs:
        return
    pts = [{"x": x, "y": y}, {"x": y, "y": x}]
    got = diffx.grad(graph, at={k: np.array([p[k] for p in pts]) for k in graph.inputs},
                     method="reverse")
    warned = any(WARNED.search(w) for w in got.warnings)
    for j, p in enumerate(pts):
        for w in graph.inputs:
            with mpmath.workdps(400):
                _, slope = oracle(tree, p, w)
            if not mpmath.isfinite(slope):
                continue
            expected, g = float(slope), float(np.ravel(got[w])[j])
            ok = g == expected if math.isinf(expected) else close(g, expected, FUZZ_REL)
            assert ok or warned, (text, p, w, g, expected, got.warnings)


def test_a_cancelled_zero_times_a_huge_value_is_sized_by_the_magnitudes() -> None:
    """(1 - tanh(x)^2)*exp(2*x) at 300: 0 × 3.8e260 in floats (f = 0, slope -8), truly
    4/(1 + e^-600)^2 = 4 and 16e^-600/(1 + e^-600)^3: the exact re-run must take the 260
    digits between the two magnitudes, not agree on 0 at 50 and 100 digits."""
    with mpmath.workdps(800):
        x = mpmath.mpf(300)
        value = (1 - mpmath.tanh(x) ** 2) * mpmath.exp(2 * x)
        slope = mpmath.diff(lambda t: (1 - mpmath.tanh(t) ** 2) * mpmath.exp(2 * t), x)
    for method in ("reverse", "forward"):
        got = diffx.grad("(1-tanh(x)^2)*exp(2*x)", at={"x": 300.0}, method=method)
        assert close(got.value, float(value), 1e-12) and close(got["x"], float(slope), 1e-9)


def test_an_astronomically_small_value_in_the_exact_rerun_is_refused_not_a_crash() -> None:
    """s4 - a cancels to 0 in floats, so the point is re-run exactly, where a complex power
    of a negative base by 10^(-10^13) once asked mpmath for terabytes (MemoryError)."""
    src = ("s1 = ((a + b) / b); s2 = asin(b); s3 = ((0.5 ^ (-2)) / max(b, a)); "
           "s4 = ((a + exp(s3)) ^ 1); s5 = b; s6 = (s4 - a); "
           "s7 = ((((((s5 - s4) ^ (s4 ^ s5)) ^ 3) + s1) + s2) + s6)")
    at = {"a": 3.3137563448748156e+262, "b": -47274807190.67978}
    for method in ("reverse", "forward"):
        got = diffx.grad(src, at=at, method=method)
        assert math.isnan(got["b"]) and any("asin needs" in w for w in got.warnings)
    many = diffx.grad(src, at={k: np.array([v, v]) for k, v in at.items()}, method="reverse")
    assert np.isnan(many["b"]).all()


def test_minus_infinity_to_a_fractional_power_is_nan_at_one_point_and_many() -> None:
    """A negative base has a power only at whole exponents (docs/conventions.md), -inf too:
    IEEE's pow(-inf, 0.5) is inf, numpy's sqrt path nan; one point and an array once
    disagreed (a finite gradient against nan)."""
    from diffx.op_namespaces import namespace

    for ns in ("math", "numpy"):
        pw = namespace(ns)["pow"]
        assert math.isnan(pw(-math.inf, 0.5)) and math.isnan(pw(-math.inf, 1.5))
        assert pw(-math.inf, 2.0) == math.inf and pw(-math.inf, 3.0) == -math.inf
    src = "s = (x - 1e308 - 1e308)^0.5; s + x"
    one = diffx.grad(src, at={"x": 1.0}, method="reverse")
    many = diffx.grad(src, at={"x": np.array([1.0, 1.0])}, method="reverse")
    assert math.isnan(one.value) and np.isnan(many.value).all()
    assert math.isnan(one["x"]) and np.isnan(many["x"]).all()


def test_a_power_of_zero_times_an_infinite_sum_is_not_a_strong_zero() -> None:
    """d/dx x^cosh(x) = x^cosh(x)·(log(x)·sinh(x) + cosh(x)/x), 0·inf at x = 0 where the
    true slope is cosh(0)·0^(cosh(0) - 1) = 1 (reverse and forward: powdx = y·x^(y-1)): the
    symbolic value is nan with a sentence, not a silent 0; x^y·log x at 0 stays 0."""
    report = diffx.grad_all("x^cosh(x)", at={"x": 0.0}, methods=["symbolic", "reverse"])
    assert report.results["reverse"]["x"] == 1.0
    assert math.isnan(report.results["symbolic"]["x"])
    assert any("power of 0 times a sum" in w for w in report.warnings)
    assert diffx.grad("x^y", at={"x": 0.0, "y": 2.0}, method="symbolic")["y"] == 0.0


def test_a_point_where_the_function_has_no_value_is_nan_in_symbolic_too() -> None:
    """(x-1)^2/(x-1) at 1 is 0/0: no value, so no derivative (docs/conventions.md), though
    sympy's formula is x - 1; at 2 the derivative is 1 (by hand)."""
    report = diffx.grad_all("(x-1)^2/(x-1)", at={"x": 1.0}, methods=["symbolic", "reverse"])
    assert math.isnan(report.results["symbolic"]["x"])
    assert math.isnan(report.results["reverse"]["x"])
    assert any("simplified that away" in w for w in report.warnings)
    assert diffx.grad("(x-1)^2/(x-1)", at={"x": 2.0}, method="symbolic")["x"] == 1.0
    # an underflow's 0/0 is floats' doing, not the function's: symbolic keeps its value
    got = diffx.grad("(x*1e-200)/(x*1e-200) + x", at={"x": 1e-200}, method="symbolic")
    assert got["x"] == 1.0


def test_a_warning_over_many_points_tells_nan_from_infinite() -> None:
    """log(x) at x = 1, 0, -1: -inf at 0, nan at -1 (by hand): one warning counts each."""
    got = diffx.grad("log(x)*y", at={"x": np.array([1.0, 0.0, -1.0]), "y": 1.0},
                     method="reverse")
    (w,) = [w for w in got.warnings if w.startswith("log(x) is")]
    assert "nan at 1, infinite at 1 of them" in w and "(at 2 of 3 points)" in w


def test_numeric_says_why_its_differences_of_an_overflowed_f_are_nan() -> None:
    got = diffx.grad("sqrt(x^2+y^2)", at={"x": 1e200, "y": 1e200}, method="numeric")
    assert math.isnan(got["x"]) and math.isnan(got["y"])
    assert any("∂/∂x, ∂/∂y: finite differences need f's values" in w for w in got.warnings)


def test_numeric_does_not_call_a_pole_an_overflow() -> None:
    got = diffx.grad("log(x)", at={"x": 0.0}, method="numeric")
    assert not any("finite differences need" in w for w in got.warnings)


def test_an_infinite_derivative_past_the_re_runs_range_is_said_to_be_kept():
    """The logistic map at x = 2 leaves [0, 1]: by step 9 the value overflows (true size
    about 10^329, by hand: it squares and triples each step), and the exact re-run's numbers
    pass its own bound too. The derivative stays -inf, and the warning says it was kept, not
    that it was reported as nan."""
    src = "\n".join(["l0 = x"] + [f"l{k} = 3*l{k - 1}*(1 - l{k - 1})" for k in range(1, 12)])
    r = diffx.grad(src, at={"x": 2.0}, method="reverse")
    assert r["x"] == -math.inf
    [said] = [w for w in r.warnings if "re-run could not be made" in w]
    assert "∂/∂x is left as the floats' infinity" in said and "reported as nan" not in said


def _logistic(steps: int, r: int) -> str:
    return "\n".join(["l0 = x"] + [f"l{k} = {r}*l{k - 1}*(1 - l{k - 1})"
                                   for k in range(1, steps + 1)])


def _logistic_mp(steps: int, r: int, x: float, digits: int = 60) -> tuple[float, float]:
    """l_n and dl_n/dx by the recurrence dl_k = r (1 - 2 l_(k-1)) dl_(k-1)."""
    with mpmath.workdps(digits):
        l, d = mpmath.mpf(x), mpmath.mpf(1)
        for _ in range(steps):
            l, d = r * l * (1 - l), r * (1 - 2 * l) * d
        return float(l), float(d)


@pytest.mark.parametrize("steps", [3_000, 10_000])
def test_the_logistic_map_at_r3_is_not_called_ill_conditioned(steps):
    """The conditioning bound triples each step on l*(1 - l) (|3(1 - l)| + |3l|, where the
    true factor is |3 - 6l|, about 1), so it fires by step 18; the values checked at 40
    digits hold to a few roundings, and no warning is given (at 10,000 steps the graph is
    past the exact re-run's 20,000 operations: it used to warn "may be inaccurate")."""
    graph = diffx.parse(_logistic(steps, 3))
    V = exact.point_values(graph, diffx.evaluation.evaluate(graph, {"x": 0.3}, False)[0])
    assert value_audit.conditioning(graph, V) is not None  # the bound fires
    r = diffx.grad(graph, at={"x": 0.3}, method="reverse")
    value, slope = _logistic_mp(steps, 3, 0.3)
    assert r.warnings == []
    assert r["x"] == pytest.approx(slope, rel=1e-11, abs=0)
    assert r.value == pytest.approx(value, rel=1e-13, abs=0)


def test_the_chaotic_map_is_still_re_run_exactly():
    """At r = 4 the floats lose a bit a step: by 1,000 steps every digit of the float value
    is gone, the 40-digit check disagrees, and the exact re-run's value is reported."""
    graph = diffx.parse(_logistic(1_000, 4))
    V = exact.point_values(graph, diffx.evaluation.evaluate(graph, {"x": 0.3}, False)[0])
    assert not exact.values_hold(graph, {"x": 0.3}, V)
    r = diffx.grad(graph, at={"x": 0.3}, method="reverse")
    assert any("ill-conditioned" in w for w in r.warnings)
    # chaos doubles an error each step: 1,000 steps need some 300 digits, 700 are used
    assert r.value == pytest.approx(_logistic_mp(1_000, 4, 0.3, 700)[0], rel=1e-9)
