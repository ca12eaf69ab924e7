"""Values floats cannot hold: overflow, underflow and ill-conditioning at finite inputs.

The oracle is mpmath at high precision (a dual-number evaluator written here, independent of
diffx's engine): either a method's derivative matches it, or a warning says the result is
unreliable or not finite.
"""

from __future__ import annotations

import math
import re

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffx
from diffx import exact, exact_points
from diffx.errors import PointError

REL = 1e-9  # an exact re-run's derivative, rounded to a float, against the oracle
FUZZ_REL = 1e-6  # the fuzz: float sweeps that the audits left alone are this close
WARNED = re.compile(r"unreliable|not finite|lost precision|inaccurate|is inf|is nan|"
                    r"too large|kink|undefined|nan")


def close(got: float, true: float, rel: float = REL) -> bool:
    return math.isclose(got, true, rel_tol=rel, abs_tol=1e-300)


def test_overflowed_intermediate_is_rerun_exactly() -> None:
    report = diffx.grad_all("sqrt(x^2+y^2)", at={"x": 1e300, "y": 1e300})
    true = 1 / math.sqrt(2)  # d/dx sqrt(x^2 + y^2) at x = y: x/|(x, y)|
    for method in ("reverse", "forward", "symbolic"):
        got = diffx.grad("sqrt(x^2+y^2)", at={"x": 1e300, "y": 1e300}, method=method)
        assert close(got["x"], true) and close(got["y"], true), (method, got.gradient)
    assert report.reference == "reverse"
    assert report.relative_errors["symbolic"]["x"] < 1e-12  # no longer "differing"
    with mpmath.workdps(40):
        assert close(report.value, float(mpmath.sqrt(2) * mpmath.mpf(1e300)))
    told = " ".join(report.results["reverse"].warnings)
    assert "overflowed" in told and "x^2" in told


def test_underflowed_intermediate_is_rerun_exactly() -> None:
    got = diffx.grad("sqrt(x^2+y^2)", at={"x": 3e-200, "y": 4e-200})
    assert close(got["x"], 0.6) and close(got["y"], 0.8)
    assert close(got.value, 5e-200)


def test_vector_norm_overflow_every_method() -> None:
    report = diffx.grad_all("norm(x)", at="x=[1e300,1e300]",
                            methods=("symbolic", "reverse", "forward", "matrix"))
    for label in ("symbolic", "reverse", "forward", "matrix"):
        g = np.asarray(report.results[label].gradient["x"])
        assert np.allclose(g, [1 / math.sqrt(2)] * 2, rtol=REL), (label, g)
    assert close(report.value, math.sqrt(2) * 1e300)


def test_norm_at_zero_one_convention() -> None:
    report = diffx.grad_all("norm(x)", at="x=[0,0]",
                            methods=("symbolic", "reverse", "forward", "matrix"))
    for label in ("symbolic", "reverse", "forward", "matrix"):
        assert np.array_equal(np.asarray(report.results[label].gradient["x"]), [0.0, 0.0]), \
            label
    assert any("norm'(0) = 0" in w for w in report.results["matrix"].warnings)


def test_ill_conditioned_constant_is_rerun_exactly() -> None:
    with mpmath.workdps(500):
        true = float(mpmath.tan(mpmath.sinh(416)))
    assert abs(true - -0.7684811818778812) < 1e-12  # (the float tan(sinh(416)) is -0.285)
    report = diffx.grad_all("tan(sinh(416))*x", at={"x": 1.0},
                            methods=("symbolic", "numeric", "reverse", "forward"))
    for label in ("reverse", "forward", "symbolic"):
        assert close(report.results[label].gradient["x"], true), label
    assert close(report.value, true)  # the f = line shows the exact value
    assert any("ill-conditioned" in w for w in report.results["reverse"].warnings)


def test_overflow_without_exact_rerun_is_nan_and_not_the_reference(monkeypatch) -> None:
    monkeypatch.setattr(exact, "MAX_EXACT_NODES", 0)
    report = diffx.grad_all("sqrt(x^2+y^2)", at={"x": 1e300, "y": 1e300})
    reverse = report.results["reverse"]
    assert math.isnan(reverse["x"]) and math.isnan(reverse["y"])
    assert any("unreliable" in w and "nan" in w for w in reverse.warnings)
    assert report.reference == "symbolic"  # finite, so it is measured against


def test_arrays_recover_overflowed_points() -> None:
    xs = np.array([1.0, 1e300, 3e-200])
    got = diffx.grad("sqrt(x^2+y^2)", at={"x": xs, "y": xs})
    assert np.allclose(got["x"], [1 / math.sqrt(2)] * 3, rtol=REL)
    assert np.allclose(got.value, np.sqrt(2) * xs, rtol=REL)


def test_arrays_past_the_recovery_limit_mark_overflow_unreliable(monkeypatch) -> None:
    monkeypatch.setattr(exact_points, "MAX_RECOVERED", 0)
    got = diffx.grad("sqrt(x^2+y^2)", at={"x": np.array([1.0, 1e300]), "y": 1.0})
    assert close(float(got["x"][0]), 1 / math.sqrt(2)) and math.isnan(got["x"][1])
    assert any("unreliable" in w for w in got.warnings)


def test_out_of_range_vector_entry_is_named() -> None:
    with pytest.raises(PointError, match=r"x\[1\]=1e400.*input x"):
        diffx.grad("norm(x)", at="x=[1,1e400]")
    with pytest.raises(PointError, match=r"W\[1,0\]=-1e999.*input W"):
        diffx.grad("sum(W)", at="W=[[1,2],[-1e999,3]]")


# --- the fuzz: random programs with huge and tiny magnitudes against mpmath -------------

LEAVES = ["x", "y", "1e300", "1e-300", "1e150", "2.5", "-3"]
UNARY = ["exp({})", "sin({})", "tanh({})", "sqrt(({})^2 + 1)", "({})^2", "(-({}))"]
BINARY = ["({} + {})", "({} * {})", "({} - {})", "sqrt(({})^2 + ({})^2)"]


@st.composite
def programs(draw: st.DrawFn, depth: int = 3) -> tuple[str, object]:
    """A program as text and as a tree: ('leaf', text) | ('u', k, t) | ('b', k, t, t)."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(LEAVES))
        return leaf, ("leaf", leaf)
    if draw(st.booleans()):
        k = draw(st.integers(0, len(UNARY) - 1))
        text, tree = draw(programs(depth - 1))
        return UNARY[k].format(text), ("u", k, tree)
    k = draw(st.integers(0, len(BINARY) - 1))
    (ta, a), (tb, b) = draw(programs(depth - 1)), draw(programs(depth - 1))
    return BINARY[k].format(ta, tb), ("b", k, a, b)


def oracle(tree: object, at: dict[str, float], wrt: str) -> tuple[object, object]:
    """(value, d value / d wrt) in mpmath by dual numbers, with an explicit stack."""
    results: dict[int, tuple[object, object]] = {}
    stack = [(tree, False)]
    while stack:
        node, done = stack.pop()
        kind = node[0]
        if kind == "leaf":
            text = node[1]
            results[id(node)] = ((mpmath.mpf(at[text]), mpmath.mpf(int(text == wrt)))
                                 if text in at else (mpmath.mpf(text), mpmath.mpf(0)))
            continue
        kids = node[2:]
        if not done:
            stack.append((node, True))
            stack.extend((k, False) for k in kids)
            continue
        k = node[1]
        if kind == "u":
            u, du = results[id(kids[0])]
            if (k == 0 and abs(u) > 1e6) or (k == 1 and abs(u) > 1e320):
                # exp past 1e6 or sin past 1e320: beyond any float and any sensible
                # precision (mpmath would work for ever); the case is skipped as not finite
                results[id(node)] = (mpmath.nan, mpmath.nan)
                continue
            results[id(node)] = [
                (mpmath.exp(u), mpmath.exp(u) * du), (mpmath.sin(u), mpmath.cos(u) * du),
                (mpmath.tanh(u), du / mpmath.cosh(u) ** 2),
                (mpmath.sqrt(u * u + 1), u * du / mpmath.sqrt(u * u + 1)),
                (u * u, 2 * u * du), (-u, -du)][k]
        else:
            (u, du), (v, dv) = results[id(kids[0])], results[id(kids[1])]
            r = mpmath.sqrt(u * u + v * v)
            results[id(node)] = [(u + v, du + dv), (u * v, du * v + u * dv),
                                 (u - v, du - dv),
                                 (r, (u * du + v * dv) / r if r else mpmath.nan)][k]
    return results[id(tree)]


MAGNITUDES = st.sampled_from([1e300, -1e300, 1e-300, 3e-200, 1e200, 0.7, -2.0, 1e154])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), x=MAGNITUDES, y=MAGNITUDES)
def test_fuzz_huge_and_tiny_magnitudes(program: tuple[str, object], x: float, y: float) -> None:
    text, tree = program
    at = {"x": x, "y": y}
    graph = diffx.parse(text)
    with mpmath.workdps(400):  # sin of 1e300 needs its 300 digits before the period
        true = {w: oracle(tree, at, w) for w in graph.inputs}
    for method in ("reverse", "forward"):
        got = diffx.grad(graph, at={k: at[k] for k in graph.inputs}, method=method)
        warned = any(WARNED.search(w) for w in got.warnings)
        for w in graph.inputs:
            value, slope = true[w]
            if not mpmath.isfinite(slope):
                continue
            expected = float(slope)  # inf past the float range: as close as a float gets
            ok = (got[w] == expected) if math.isinf(expected) else \
                close(got[w], expected, FUZZ_REL)
            assert ok or warned, (text, at, method, w, got[w], expected, got.warnings)


def test_conditioning_past_the_float_range_does_not_crash():
    """sin(y^2) at y = 1e154: rounding magnified by ~1e308, past what rel/eps can hold (an
    OverflowError once); reverse agrees with 2y·cos(y^2) at the exact square, by mpmath."""
    import mpmath

    r = diffx.grad("x + sin(y^2)", at={"x": 1e300, "y": 1e154})
    with mpmath.workdps(400):
        y = mpmath.mpf(1e154)
        want = float(2 * y * mpmath.cos(y * y))
    assert r.gradient["x"] == 1.0
    assert r.gradient["y"] == pytest.approx(want, rel=1e-12)


def test_a_literal_means_the_number_typed_in_every_exact_method():
    """1e150 is 10^150 to the symbolic method and to the exact re-run alike (not its nearest
    double): at x = 1e300, cos(x + 1e150) depends on the literal's last units."""
    src = "sqrt((1e-300)^2 + (sin((x + 1e150)))^2)"
    report = diffx.grad_all(src, at={"x": 1e300})
    with mpmath.workdps(500):
        u = mpmath.mpf(1e300) + mpmath.mpf(10) ** 150
        s = mpmath.sin(u)
        want = float(s * mpmath.cos(u) / mpmath.sqrt(mpmath.mpf(10) ** -600 + s * s))
    assert want == pytest.approx(-0.5992394434072548, rel=1e-12)
    for method in ("symbolic", "reverse"):
        assert report.results[method].gradient["x"] == pytest.approx(want, rel=1e-12), method


def test_a_literal_that_is_not_its_double_counts_in_the_conditioning_audit():
    """sin(1e300): the double of the literal 1e300 is off by about 1e283, so sin of it has no
    correct digit; the audit re-runs it exactly (sin(10^300), by mpmath), as symbolic reads it."""
    report = diffx.grad_all("x + x*sin(1e300)", at={"x": 1e300})
    with mpmath.workdps(500):
        want = float(1 + mpmath.sin(mpmath.mpf(10) ** 300))
    for method in ("symbolic", "reverse"):
        assert report.results[method].gradient["x"] == pytest.approx(want, rel=1e-12), method
