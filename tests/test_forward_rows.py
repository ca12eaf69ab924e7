"""The forward method's Jacobian of a vector output checks every row as it checks its own
output: a relu exactly at 0 in a row that is not the last is on the kink convention
(relu'(0) = 0, docs/conventions.md) and warned about, as reverse and symbolic have it."""

from __future__ import annotations

import numpy as np
import pytest

import diffx

KINK = "relu has a corner at 0"


@pytest.mark.parametrize("x", [[2.0, 3.0], [3.0, 2.0]])
def test_a_kink_in_any_row_is_warned_and_on_the_convention(x):
    # y[i] = relu(x[i] - 2) * x[i] + x[i]: at x[i] = 2, relu'(0) = 0 gives dy[i]/dx[i] = 1;
    # at x[i] = 3 it is relu(1) + 3 + 1 = 5 (derived by hand)
    src = "y = relu(x - 2) * x + x"
    want = np.diag([1.0 if v == 2.0 else 5.0 for v in x])
    for method in ("forward", "reverse", "symbolic"):
        r = diffx.grad(src, at={"x": np.array(x)}, method=method, shapes={"x": (2,)})
        assert np.array_equal(np.asarray(r.gradient["x"], dtype=float), want), method
        assert any(KINK in w for w in r.warnings), (method, r.warnings)


def test_a_kink_hidden_by_rounding_is_corrected_in_a_row_that_is_not_the_last():
    # x + 1e16 - 1e16 - x is exactly 0, but at x = 3 floats give 1: relu'(0) = 0 makes
    # dy[0]/dx[0] = 0*x + relu(0) + 1 = 1 (symbolic, exact), where the float sweep says 2
    src = "y = relu(x + 1e16 - 1e16 - x) * x + x"
    at = {"x": np.array([3.0, 0.5])}
    want = np.eye(2)
    symbolic = diffx.grad(src, at=at, method="symbolic", shapes={"x": (2,)})
    assert np.array_equal(np.asarray(symbolic.gradient["x"], dtype=float), want)
    forward = diffx.grad(src, at=at, method="forward", shapes={"x": (2,)})
    assert np.array_equal(np.asarray(forward.gradient["x"], dtype=float), want)
    assert any("lost precision at x[0]" in w for w in forward.warnings)
