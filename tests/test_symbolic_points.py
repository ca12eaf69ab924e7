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
])
def test_many_points_give_what_each_point_gives(source, xs):
    many = diffx.grad(source, at={"x": np.array(xs)}, method="symbolic")["x"]
    for x, got in zip(xs, many):
        one = diffx.grad(source, at={"x": x}, method="symbolic")["x"]
        assert (math.isnan(one) and math.isnan(got)) or got == pytest.approx(one, rel=1e-14)
    if source.startswith("x^3"):  # 3x^2 + cos x, by hand
        assert many.tolist() == pytest.approx([3 + math.cos(-1.0), 1.0, 18.75 + math.cos(2.5)])
