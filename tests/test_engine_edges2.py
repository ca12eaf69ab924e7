"""One point and many points agree where floats overflow, and the exact re-run survives
infinite local derivatives. Expected values are derived by hand or with mpmath."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import diffx
from diffx import engine, op_namespaces

FUZZ_31 = ("s1 = a; s2 = atan(a); s3 = sqrt((b * s1)); s4 = (s3 + s2); s5 = (s3 ^ s2); "
           "s6 = (s5 * s3); s7 = relu(((s6 * s6) / s5)); s8 = s6; s9 = softplus(s8); "
           "s10 = max(b, a); s11 = (((atan(s10) + s4) + s7) + s9)")


def _three(point: dict[str, float]) -> dict[str, np.ndarray]:
    return {k: np.array([v] * 3) for k, v in point.items()}


@pytest.mark.parametrize("source", ["relu(x*x/(x*x)) + x", "max(1, x*x/(x*x)) + x",
                                    "min(1, x*x/(x*x)) + x", "abs(x*x/(x*x)) + x"])
def test_nan_propagates_through_relu_max_min_at_one_point(source: str) -> None:
    # x*x overflows at 1e200, inf/inf is nan in floats (relu(nan) = 0 in Python floats once
    # hid it); the value audit finds the overflow and both paths re-run it exactly: the
    # true f is 1 + 1e200 and its slope 1
    point = {"x": 1e200}
    one = diffx.grad(source, at=point, method="reverse")
    many = diffx.grad(source, at=_three(point), method="reverse")
    assert one.value == 1e200 and (many.value == 1e200).all()
    assert one.gradient["x"] == 1.0 and (many.gradient["x"] == 1.0).all()
    assert bool(one.warnings) == bool(many.warnings)


def test_fuzz_program_at_huge_magnitudes_gives_the_same_at_one_and_many_points() -> None:
    # b*a = 7e560 overflows; s6*s6/s5 = inf/inf = nan reaches the output through relu
    point = {"a": 6.213729061434214e+269, "b": 1.1696646745183024e+291}
    one = diffx.grad(FUZZ_31, at=point, method="reverse")
    many = diffx.grad(FUZZ_31, at=_three(point), method="reverse")
    for w in ("a", "b"):
        assert math.isnan(one.gradient[w])
        assert np.isnan(many.gradient[w]).all()
    assert math.isnan(one.value)
    assert any("b*a is inf" in w for w in one.warnings)
    assert any("b*a is inf" in w for w in many.warnings)


@pytest.mark.parametrize("inner", ["tanh", "atan", "sigmoid"])
def test_infinite_adjoint_times_underflowed_partial_is_a_strong_zero_at_one_point(
        inner: str) -> None:
    # log(g(x) * c) with c = 1e-310: the adjoint of g(x) is 1/(g c) * c = inf in floats, and
    # g'(x) underflows to 0: strong zero, 0. mpmath: d/dx = g'(x)/g(x), below 1e-400 here.
    x = 1e300 if inner == "atan" else 1000.0
    point = {"x": x, "c": 1e-310}
    source = f"log({inner}(x) * c)"
    fn = {"tanh": mpmath.tanh, "atan": mpmath.atan,
          "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t))}[inner]
    with mpmath.workdps(50):
        true = mpmath.diff(lambda t: mpmath.log(fn(t)), mpmath.mpf(x))
    assert abs(true) < mpmath.mpf(10) ** -400
    one = diffx.grad(source, at=point, method="reverse")
    many = diffx.grad(source, at=_three(point), method="reverse")
    assert one.gradient["x"] == float(true) == 0.0
    assert (many.gradient["x"] == 0.0).all()
    # d/dc = 1/c = 1e310 is past the float range: inf, said once, the same way
    assert one.gradient["c"] == math.inf and (many.gradient["c"] == math.inf).all()
    assert len(one.warnings) == len(many.warnings) == 1
    assert "not finite" in one.warnings[0] and "not finite" in many.warnings[0]
    assert not any("gives inf" in w for w in one.warnings + many.warnings)


def test_math_and_numpy_namespaces_agree_on_nan() -> None:
    from diffx import ops

    m, n = ops.namespace("math"), ops.namespace("numpy")
    nan = math.nan
    for name, args in [("relu", (nan,)), ("sign", (nan,)), ("max", (1.0, nan)),
                       ("max", (nan, 1.0)), ("min", (1.0, nan)), ("min", (nan, 1.0))]:
        assert math.isnan(m[name](*args)) and np.isnan(n[name](*args)), name
    assert m["relu"](-0.0) == 0.0 and m["max"](2.0, 1.0) == 2.0 and m["min"](2.0, 1.0) == 1.0


# ------------------------------------------------------------- exact re-run, infinite partials

@pytest.mark.parametrize("method", ["reverse", "forward"])
@pytest.mark.parametrize("source,point", [
    # reverse: x/x + x at 1e-200 cancels (1 + 1e200 - 1e200); forward: (x + 1/x) - 1/x at
    # 1e-100 cancels in the tangents. sqrt(relu(y)) at y = -1: sqrt' = 0.5/0 = inf times
    # relu' = 0, a strong zero. By hand: d/dx = 1, d/dy = 0.
    ("x/x + x + sqrt(relu(y))", {"x": 1e-200, "y": -1.0}),
    ("(x + 1/x) - 1/x + sqrt(relu(y))", {"x": 1e-100, "y": -1.0}),
    ("x/x + x + asin(relu(y) + 1)", {"x": 1e-200, "y": -1.0}),
    ("(x + 1/x) - 1/x + asin(relu(y) + 1)", {"x": 1e-100, "y": -1.0}),
])
def test_exact_rerun_handles_infinite_local_partials(method: str, source: str,
                                                     point: dict[str, float]) -> None:
    result = diffx.grad(source, at=point, method=method)
    assert result.gradient == {"x": 1.0, "y": 0.0}
    assert not any("could not be run" in w for w in result.warnings)


def test_exact_sweep_in_mpmath_gives_ieee_infinities() -> None:
    from diffx import exact

    graph = diffx.parse("sqrt(y) + 1/z")
    # d/dy sqrt(y) at 0 = 0.5/0 = inf; d/dz 1/z at 0: the value is already inf
    got = exact.exact(graph, {"y": 0.0, "z": 1.0}, ("y", "z"), True)
    assert not isinstance(got, str)
    _, grads = got
    assert grads["y"] == mpmath.inf and grads["z"] == -1
    got = exact.exact(graph, {"y": 0.0, "z": 1.0}, ("y", "z"), False)
    assert not isinstance(got, str) and got[1]["y"] == mpmath.inf


def test_exact_rerun_says_why_it_cannot_run() -> None:
    from diffx import exact

    graph = diffx.parse("x ^ 0.5 + x")  # a negative base to a half power: complex
    reason = exact.exact(graph, {"x": -4.0}, ("x",), True)
    assert isinstance(reason, str) and "complex" in reason and "x^0.5" in reason


def test_ieee_division_rewrites_nested_divisions() -> None:
    text = op_namespaces.ieee_division("def f(a):\n    return 0.5 / (a / 2) + 1 / (3 / a)\n")
    assert "/" not in text and text.count("div(") == 4
    space = op_namespaces.mpmath_ieee()
    div, power = space["div"], space["pow"]
    assert div(mpmath.mpf(1), mpmath.mpf(0)) == mpmath.inf
    assert div(mpmath.mpf(-2), mpmath.mpf(0)) == -mpmath.inf
    assert mpmath.isnan(div(mpmath.mpf(0), mpmath.mpf(0)))
    assert power(mpmath.mpf(0), mpmath.mpf(-0.5)) == mpmath.inf
    assert power(mpmath.mpf(4), mpmath.mpf(0.5)) == 2
