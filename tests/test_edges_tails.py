"""Derivatives in the far tails of tanh, sigmoid and softplus, against mpmath at 80 digits:
the symbolic formula's value must survive cancellation (1 - tanh(90)^2) and huge arguments
(softplus of 1e300), and a numeric difference that is exactly 0 must say so."""

from __future__ import annotations

import math

import mpmath
import pytest

from diffx.api import grad


def _mp_derivative(f, x: float) -> float:
    with mpmath.workdps(80):
        return float(mpmath.diff(f, mpmath.mpf(x)))


def _sig(z):
    return 1 / (1 + mpmath.exp(-z))


TAILS = [  # the expression, the point, the function in mpmath
    ("tanh(3*x)^0.5", 30.0, lambda x: mpmath.tanh(3 * x) ** 0.5),
    ("tanh(5*x)^0.5", 20.0, lambda x: mpmath.tanh(5 * x) ** 0.5),
    ("(1 - tanh(2*x))*x", 30.0, lambda x: (1 - mpmath.tanh(2 * x)) * x),
    ("sigmoid(4*x)^2", -30.0, lambda x: _sig(4 * x) ** 2),
    ("tanh(x)^2", 30.0, lambda x: mpmath.tanh(x) ** 2),
    ("sqrt(tanh(x))", 40.0, lambda x: mpmath.sqrt(mpmath.tanh(x))),
]


@pytest.mark.parametrize("source, x, f", TAILS, ids=[t[0] for t in TAILS])
def test_symbolic_value_survives_cancellation(source, x, f):
    g = grad(source, at={"x": x}, method="symbolic")
    want = _mp_derivative(f, x)
    assert want != 0
    assert g.gradient["x"] == pytest.approx(want, rel=1e-12)
    assert not g.warnings


def test_symbolic_zero_only_when_the_true_value_underflows():
    # sigmoid(4x)^2 at -100: 8 e^-800 is below the smallest double, so 0 is the right double
    g = grad("sigmoid(4*x)^2", at={"x": -100.0}, method="symbolic")
    assert g.gradient["x"] == 0.0
    g = grad("tanh(3*x)^0.5", at={"x": 1e5}, method="symbolic")
    assert g.gradient["x"] == 0.0


def _softplus(z):
    return mpmath.log1p(mpmath.exp(z))


HUGE_ARGS = [
    ("softplus(x^3)", 1e100, lambda x: _softplus(x**3)),
    ("softplus(2*x)", 1e200, lambda x: _softplus(2 * x)),
    ("softplus(x)", 1e300, _softplus),
    ("x*sigmoid(3*x)", 1e300, lambda x: x * _sig(3 * x)),
]


@pytest.mark.parametrize("source, x, f", HUGE_ARGS, ids=[t[0] for t in HUGE_ARGS])
def test_symbolic_softplus_of_a_huge_argument(source, x, f):
    g = grad(source, at={"x": x}, method="symbolic")
    with mpmath.workdps(80):
        want_f = float(f(mpmath.mpf(x)))
        h = mpmath.mpf(x) * mpmath.mpf(10) ** -30
        want = float((f(mpmath.mpf(x) + h) - f(mpmath.mpf(x) - h)) / (2 * h))
    assert g.value == pytest.approx(want_f, rel=1e-12)
    assert g.gradient["x"] == pytest.approx(want, rel=1e-12)
    assert not g.warnings  # f is finite: no sentence about an infinite value


def test_softplus_squared_is_finite_in_its_slope_and_says_why_its_value_is_not():
    g = grad("softplus(x)^2", at={"x": 1e200}, method="symbolic")
    assert g.gradient["x"] == pytest.approx(2e200, rel=1e-12)
    assert math.isinf(g.value)
    assert any("beyond the largest float" in w for w in g.warnings)
    assert not any("takes exp of" in w for w in g.warnings)  # exp(1e200) is not the reason


SCALED = [  # f(x ± h) == f(x) in floats while f' (written out in mpmath) is a tiny double
    ("sigmoid(3*x)", 100.0, lambda x: 3 * _sig(3 * x) * _sig(-3 * x)),
    ("sigmoid(x)", 40.0, lambda x: _sig(x) * _sig(-x)),
    ("tanh(3*x)^0.5", 30.0, lambda x: 
     1.5 * mpmath.sech(3 * x) ** 2 / mpmath.sqrt(mpmath.tanh(3 * x))),
    ("1 - sigmoid(-5*x)", 50.0, lambda x: 5 * _sig(-5 * x) * _sig(5 * x)),
]


@pytest.mark.parametrize("source, x, f", SCALED, ids=[t[0] for t in SCALED])
def test_numeric_zero_difference_of_a_nonzero_derivative_warns(source, x, f):
    with mpmath.workdps(80):
        assert float(f(mpmath.mpf(x))) > 0  # the true slope is a positive double
    g = grad(source, at={"x": x}, method="numeric")
    assert g.gradient["x"] == 0.0
    assert any("the difference is exactly 0" in w for w in g.warnings), g.warnings


def test_numeric_zero_difference_warns_over_an_array():
    g = grad("sigmoid(3*x)", at={"x": [100.0, 100.5, 101.0]}, method="numeric")
    assert list(g.gradient["x"]) == [0.0, 0.0, 0.0]
    assert any("the difference is exactly 0" in w for w in g.warnings), g.warnings


@pytest.mark.parametrize("source, x", [("x^2", 0.0), ("cos(x - 1)", 1.0), ("max(x, 5)", 1.0),
                                       ("sigmoid(3*x)", 1000.0)])
def test_numeric_exact_zero_goes_without_a_warning(source, x):
    # symmetric about x (derivative 0), or a slope 3e^-3000 that is 0 as a double
    g = grad(source, at={"x": x}, method="numeric")
    assert g.gradient["x"] == 0.0
    assert not any("difference is exactly 0" in w or "resolution" in w for w in g.warnings)


def test_symbolic_over_many_points_rechecks_float_zeros():
    g = grad("tanh(3*x)^0.5", at={"x": [30.0, 31.0]}, method="symbolic")
    with mpmath.workdps(80):
        want = [float(1.5 * mpmath.sech(3 * mpmath.mpf(x)) ** 2
                      / mpmath.sqrt(mpmath.tanh(3 * mpmath.mpf(x)))) for x in (30, 31)]
    assert list(g.gradient["x"]) == pytest.approx(want, rel=1e-12)
    assert not g.warnings


def test_symbolic_zeros_past_the_rechecked_ones_are_reported():
    import numpy as np

    xs = np.linspace(30.0, 40.0, 1000)
    g = grad("tanh(3*x)^0.5", at={"x": xs}, method="symbolic")
    assert g.gradient["x"][0] == pytest.approx(4.0285105729269257e-78, rel=1e-12)
    assert any("exactly 0 at 800 points" in w for w in g.warnings), g.warnings
    g = grad("relu(x)", at={"x": np.linspace(-1.0, 1.0, 1000)}, method="symbolic")
    assert not g.warnings  # its zeros are true zeros
