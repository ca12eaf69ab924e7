"""The symbolic method where sympy's rewriting splits a power of 0 into 0 times inf.

sympy writes (y^x)' as x·y^x·y^-1; at y = 0 with 0 < x < 1 its factors are 0 and inf, which
the strong-zero rule would turn into 0, while the derivative is x·0^(x-1) = inf. The values
here are hand-derived limits (checked against mpmath near the point and against the reverse
sweep, which differentiates the graph and never meets the rewritten form).
"""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy

import diffx
from diffx.counts import tree_size
from diffx.sym import formula_tree_size, sizes
from diffx.symeval import evaluate

x, y = sympy.symbols("x y", real=True)


def sym(src, **at):
    return diffx.grad(src, at=at, method="symbolic")


def test_the_fuzz_case_softplus_of_a_power_of_zero_is_infinite_not_finite():
    # d/dy softplus(y^x) = sigmoid(y^x)·x·y^(x-1): at y = 0, x = 0.5 that is 0.5·0.5·0^-0.5
    r = sym("softplus(y^x)", y=0.0, x=0.5)
    assert r.gradient["y"] == math.inf
    assert any("derivative with respect to y is inf" in w for w in r.warnings)
    # d/dx = sigmoid(0)·0^x·log(0): 0^x is 0 for every x > 0, so the slope is 0
    assert r.gradient["x"] == 0.0
    assert diffx.grad("softplus(y^x)", at={"y": 0.0, "x": 0.5}, method="reverse") \
        .gradient["y"] == math.inf


@pytest.mark.parametrize("src, at, want", [
    ("y^x", {"y": 0.0, "x": 0.5}, math.inf),   # x·y^(x-1) = 0.5·0^-0.5
    ("y^x", {"y": 0.0, "x": 1.0}, 1.0),        # 1·0^0
    ("y^x", {"y": 0.0, "x": 1.5}, 0.0),        # 1.5·0^0.5
    ("y^x", {"y": 0.0, "x": 2.0}, 0.0),
    ("(y - 1)^x", {"y": 1.0, "x": 0.5}, math.inf),
    ("(y - 1)^x", {"y": 1.0, "x": 2.5}, 0.0),
    ("y^x*y^x", {"y": 0.0, "x": 0.25}, math.inf),  # y^(1/2): its slope at 0 is infinite
    ("y^x*y^x", {"y": 0.0, "x": 0.5}, 1.0),        # y^1
])
def test_a_split_power_of_zero_gets_its_limit(src, at, want):
    r = sym(src, **at)
    assert r.gradient["y"] == want
    if math.isinf(want):
        assert any("with respect to y is inf" in w for w in r.warnings)


def test_the_limit_agrees_with_mpmath_just_beside_the_point():
    # at y = 1e-300 nothing is 0 or inf: the ordinary evaluation, checked against mpmath
    r = sym("y^x", y=1e-300, x=0.5)
    want = mpmath.mpf(0.5) * mpmath.power(mpmath.mpf(1e-300), -0.5)
    assert abs(r.gradient["y"] - float(want)) <= 1e-13 * float(want)
    assert r.gradient["y"] > 1e149  # and it grows without bound towards y = 0


def test_powers_of_one_zero_base_combine_in_the_evaluator():
    # y^x·y^-x is y^0 = 1 for every y > 0; at y = 0 its factors are 0 and inf
    assert evaluate(sympy.Mul(y**x, y**(-x), evaluate=False), {x: 0.5, y: 0.0}).value == 1.0
    # x·y^x/y, sympy's own derivative of y^x
    v = evaluate(sympy.diff(y**x, y), {x: 0.25, y: 0.0})
    assert v.value == math.inf and "divides by zero" in v.why


def test_zero_times_inf_from_different_zero_bases_is_nan_with_a_reason():
    # (2y)^x differentiates to x·(2y)^x/y: the bases 2y and y do not combine
    r = sym("(2*y)^x", y=0.0, x=0.5)
    assert math.isnan(r.gradient["y"])
    assert any("0 times inf" in w and "powers of 0" in w for w in r.warnings)
    assert r.gradient["x"] == 0.0


def test_genuine_strong_zeros_stay_zero():
    # d/dy x^y = x^y·log(x): at x = 0, y > 0 the function is 0 for all y, so the slope is 0
    assert sym("x^y", x=0.0, y=0.5).gradient["y"] == 0.0
    # relu's zero slope times sqrt's infinite one: the reverse sweep's convention
    r = sym("relu(sqrt(y) - 1)", y=0.0)
    assert r.gradient["y"] == 0.0
    assert diffx.grad("relu(sqrt(y) - 1)", at={"y": 0.0}, method="reverse").gradient["y"] == 0.0
    # a plain zero factor times an infinite one, no power of 0 to combine: still 0
    assert evaluate(sympy.Mul(x, 1 / y, evaluate=False), {x: 0.0, y: 0.0}).value == 0.0


def test_many_points_take_the_same_limits():
    r = diffx.grad("softplus(y^x)", at={"y": [0.0, 1.0], "x": [0.5, 0.5]}, method="symbolic")
    g = r.gradient["y"]
    assert g[0] == math.inf
    assert abs(g[1] - 0.5 * (1 / (1 + math.exp(-1)))) < 1e-15


def test_formula_tree_size_counts_a_formula_and_tree_size_a_graph():
    # Add(Pow(sin(Mul(x, y)), 2), sin(Mul(x, y))): 1 + 6 + 4 tree nodes, 7 distinct
    e = sympy.sin(x * y) + sympy.sin(x * y) ** 2
    assert formula_tree_size(e) == sizes(e)[1] == 11
    assert sizes(e)[0] == 7
    # the graph unfolds to add(mul(x, y), sin(mul(x, y))): 1 + 3 + 1 + 3 tree nodes
    assert tree_size(diffx.parse("x*y + sin(x*y)")) == 8
