"""The symbolic method over many points gives what it gives at each point alone: its
lambdified formulas keep a complex value only where it is real."""

import math

import numpy as np
import pytest

import diffx


@pytest.mark.parametrize("source, xs", [
    ("(-2)^(x-1)", [-1.0, 0.0, 1.0]),  # the derivative (-2)^(x-1) log(-2): no real number
    ("x^3 + sin(x)", [-1.0, 0.0, 2.5]),
    ("sign(x)*x + heaviside(x)", [-1.0, 0.0, 2.0]),
    ("x/0 + x", [1.0, 2.0]),  # undefined everywhere: nan (sympy's zoo has no numpy form)
    ("x + 1e300^2", [1.0, 2.0]),  # 1 (1e600 is an integer past the floats)
])
def test_many_points_give_what_each_point_gives(source, xs):
    many = diffx.grad(source, at={"x": np.array(xs)}, method="symbolic")["x"]
    for x, got in zip(xs, many):
        one = diffx.grad(source, at={"x": x}, method="symbolic")["x"]
        assert (math.isnan(one) and math.isnan(got)) or got == pytest.approx(one, rel=1e-14)
    if source.startswith("x^3"):  # 3x^2 + cos x, by hand
        assert many.tolist() == pytest.approx([3 + math.cos(-1.0), 1.0, 18.75 + math.cos(2.5)])


def test_a_jump_of_a_quotient_differentiates_by_the_convention():
    # sympy leaves d/dx sign(x/y) unevaluated (y may be 0); it is 2 δ(x/y)/y, 0 off the jump
    got = diffx.grad("sign(x/y)*x", at={"x": 1.0, "y": 2.0}, method="symbolic")
    assert got.gradient == {"x": 1.0, "y": 0.0}  # sign(1/2) = 1, its derivative 0
    formula = diffx.grad("sign(x/y)", method="symbolic").formula
    assert formula == {"x": "2*δ(x/y)/y", "y": "-2*x*δ(x/y)/y^2"}
    many = diffx.grad("heaviside(x*y)", at={"x": np.array([1.0, -1.0]), "y": 2.0},
                      method="symbolic")
    assert many["x"].tolist() == [0.0, 0.0] and many["y"].tolist() == [0.0, 0.0]
    h = diffx.hessian("sign(x/y)*x^2", at={"x": 1.0, "y": 2.0}, method="symbolic")
    assert h.matrix.tolist() == [[2.0, 0.0], [0.0, 0.0]]  # d²/dx² x^2 = 2, the rest 0
