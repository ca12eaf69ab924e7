"""diffx.hvp's fixed costs trimmed (the adjoint's partial nodes kept with the graph, the
leaves' own branch in the dual loop, the direction and result built in one pass): the
products still agree with hand-derived Hessians."""

from __future__ import annotations

import math

import pytest

import diffx
from diffx.errors import DiffxError


def test_many_leaves_bilinear_form():
    # f = sum w_i x_i: the Hessian pairs w_i with x_i, so (H v)[w_i] = v[x_i], (H v)[x_i] = v[w_i];
    # most nodes are inputs (the dual loop's most frequent branch is the leaves')
    n = 12
    source = " + ".join(f"w{i}*x{i}" for i in range(n))
    at = {**{f"w{i}": 0.5 + i for i in range(n)}, **{f"x{i}": -1.0 + 0.25 * i for i in range(n)}}
    v = {name: 1.0 / (k + 1) for k, name in enumerate(at)}
    hv = diffx.hvp(source, at=at, v=v)
    for i in range(n):
        assert hv[f"w{i}"] == v[f"x{i}"]
        assert hv[f"x{i}"] == v[f"w{i}"]


def test_missing_components_are_zero_and_order_is_wrt():
    # f = x^2 y + sin(x y): H = [[2y - y^2 sin(xy), 2x + cos(xy) - xy sin(xy)],
    #                            [2x + cos(xy) - xy sin(xy), -x^2 sin(xy)]]
    x, y = 1.0, 2.0
    s, c = math.sin(x * y), math.cos(x * y)
    hxx, hxy, hyy = 2 * y - y * y * s, 2 * x + c - x * y * s, -x * x * s
    hv = diffx.hvp("x^2*y + sin(x*y)", at={"x": x, "y": y}, v={"y": 1.0})
    assert list(hv) == ["x", "y"]
    assert hv["x"] == pytest.approx(hxy, rel=1e-14)
    assert hv["y"] == pytest.approx(hyy, rel=1e-14)
    hv = diffx.hvp("x^2*y + sin(x*y)", at={"x": x, "y": y}, v=[1.0, 0.0])
    assert hv["x"] == pytest.approx(hxx, rel=1e-14)
    assert hv["y"] == pytest.approx(hxy, rel=1e-14)


def test_again_on_the_same_graph_gives_the_same_product():
    g = diffx.parse("a*tanh(a*b) + relu(b - a)^2")
    first = diffx.hvp(g, at={"a": 0.3, "b": 0.9}, v={"a": 1.0, "b": -2.0})
    again = diffx.hvp(g, at={"a": 0.3, "b": 0.9}, v={"a": 1.0, "b": -2.0})
    assert first == again
    # central difference of the gradient along v (an independent estimate)
    h = 1e-5
    def gradient(t):
        return diffx.grad(g, at={"a": 0.3 + t, "b": 0.9 - 2 * t}).gradient
    up, down = gradient(h), gradient(-h)
    for w in ("a", "b"):
        assert first[w] == pytest.approx((up[w] - down[w]) / (2 * h), rel=1e-6, abs=1e-9)


def test_unknown_direction_name_is_an_error():
    with pytest.raises(DiffxError, match="v= names z"):
        diffx.hvp("x*y", at={"x": 1, "y": 2}, v={"z": 1.0})
