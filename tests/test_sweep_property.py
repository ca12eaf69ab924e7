"""Property: the reverse sweep, forward mode and the array sweep agree on random programs.

Random small expressions over two inputs, with kinks (relu, abs, max, min at ties) and domain
edges (log, sqrt, division at 0) on purpose; the points include 0, ±1 and ties. At one point
the reverse sweep, forward mode and the reverse sweep over an array holding that point (twice)
must give the same numbers -- the same convention, the same strong zeros, nan in the same
places (where f itself is finite; elsewhere both must warn). Where a precision warning says
the scalar value was recovered in mpmath, the array path (which only warns) is not compared.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import expression_strategy, same_float
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import diffx
from diffx.value_audit import CONDITION_LIMIT

EXPRESSIONS = expression_strategy(
    ["x", "y", "0", "1", "0.5", "2", "x", "y"],
    ["sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "atan", "sigmoid", "relu", "softplus",
     "-"],
    max_leaves=6)
VALUES = st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, -0.5, 1e-8, 3.0, -2.0])


def close_to_limit(a: float, b: float) -> bool:
    """Equal up to the value audit's conditioning limit (2^-23 relative): the error a value
    may carry without a precision warning (docs/conventions.md), or alike where not
    finite."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return same_float(a, b)
    return abs(a - b) <= CONDITION_LIMIT * max(1.0, abs(a), abs(b))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, VALUES, VALUES)
@example("(abs(y)) ^ ((x) ^ (x))", -0.5, 1.0)  # sign() of a numpy scalar in the math namespace
@example("(x) / (log((x) ^ (y)))", 0.5, 1e-8)  # log of 1 - 7e-9: numpy's pow is math's + 1 ulp
def test_reverse_forward_and_array_sweeps_agree(src, x, y):
    try:
        graph = diffx.parse(src)
    except diffx.DiffxError:
        return
    at = {k: v for k, v in {"x": x, "y": y}.items() if k in graph.input_nodes}
    reverse = diffx.grad(graph, at=at)
    forward = diffx.grad(graph, at=at, method="forward")
    array = diffx.grad(graph, at={k: np.array([v, v]) for k, v in at.items()})
    recovered = any("digit arithmetic" in w for w in reverse.warnings + forward.warnings)
    if not math.isfinite(reverse.value):  # f itself is inf or nan: said so, not compared
        assert reverse.warnings and forward.warnings
        return
    for w in graph.inputs:
        r, f = reverse[w], forward[w]
        if not recovered:
            assert same_float(r, f), (src, at, w, r, f)
            for a in array[w]:  # numpy's exp, log, pow may differ from math's by an ulp,
                # which an ill-conditioned step magnifies up to the audit's limit
                assert close_to_limit(r, float(a)), (src, at, w, r, a)
        # both values of the array agree with each other, always
        assert same_float(float(array[w][0]), float(array[w][1]))


@pytest.mark.parametrize("src, x, expected", [
    ("max(x, 0) - relu(x)", 0.0, 0.5),  # max splits the tie, relu'(0) = 0
    ("abs(x) + max(x, x)", 0.0, 1.0),
    ("sqrt(relu(x)) + min(x, 1)", -1.0, 1.0),
    ("x^(x/x)", -1.0, 1.0),  # d/dy x^y is nan at x < 0, but the exponent's derivative is 0
    ("sqrt(x - x) + x", 2.0, 1.0),  # inf - inf in the reverse sweep; forward adds 1 - 1 first
    ("sqrt(x - y) - sqrt(x - y) + x", 1.0, 1.0),  # inf - inf in forward mode (y = 1 below)
])
def test_hand_derived_conventions(src, x, expected):
    at = {"x": x, "y": 1.0} if "y" in src else {"x": x}
    for method in ("reverse", "forward"):
        assert diffx.grad(src, at=at, method=method)["x"] == expected
        arrays = {k: np.array([v]) for k, v in at.items()}
        assert list(diffx.grad(src, at=arrays, method=method)["x"]) == [expected]
