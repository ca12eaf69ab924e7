"""One answer from every method where a power's base is exactly 0, and a doubtful point said
in ``diffx grad``'s table and JSON.

``(x + -x)^(-x)`` for x < 0 is 0^(-x) with -x > 0, which is 0 for every such x: f is
identically 0 there and its derivative is 0 (docs/conventions.md: d/dy x^y = 0 where x^y = 0).
The reverse sweep meets an infinite slope d/db b^e = e·b^(e-1) at b = 0 for e < 1 on two
routes that cancel (inf - inf); forward mode, which adds the routes' tangents first (1 - 1 =
0), decides it, and the exact re-run of an audited point must follow the same rule.
"""

from __future__ import annotations

import math

import mpmath
import pytest

import diffx

METHODS = ("reverse", "forward", "symbolic", "numeric")


def zero_power_oracle(x: float) -> float:
    """d/dx of (x + -x)^(-x), from f's values on both sides at 50 digits (f is 0 on the
    whole of x < 0, so the difference quotient is exactly 0 there)."""
    with mpmath.workdps(50):
        f = lambda t: mpmath.mpf(0) ** (-t)  # noqa: E731  (the base x + -x is exactly 0)
        h = mpmath.mpf("1e-20")
        return float((f(mpmath.mpf(x) + h) - f(mpmath.mpf(x) - h)) / (2 * h))


@pytest.mark.parametrize("source", ["(x + -x)^(-x)", "(-x + x)^(-x)", "(x - x)^(-x)"])
@pytest.mark.parametrize("x", [-0.5, -0.25, -0.7, -1.0, -3.0])
def test_a_zero_base_with_a_positive_exponent_has_derivative_0_by_every_method(source, x):
    expected = zero_power_oracle(x)
    assert expected == 0.0
    for method in METHODS:
        g = diffx.grad(source, at={"x": x}, method=method)
        assert g.value == 0.0, method
        assert g.gradient["x"] == expected, (method, g.gradient, g.warnings)
        # f is identically 0 here: no strong zero hides a slope, nothing lost precision
        assert not any("moves with" in w or "lost precision" in w for w in g.warnings), \
            (method, g.warnings)


def test_the_reverse_method_says_forward_mode_decided_the_cancelled_infinities():
    g = diffx.grad("(x + -x)^(-x)", at={"x": -0.5}, method="reverse")
    assert any("inf - inf" in w and "forward mode" in w for w in g.warnings)


def test_a_zero_that_moves_still_warns():
    # y^x * y^x at y = 0: the true d/dy is +inf (2x·y^(2x-1) with 2x - 1 < 0), the sweeps
    # give 0 by the convention and must say so
    for method in ("reverse", "forward"):
        g = diffx.grad("y^x * y^x", at={"x": 0.25, "y": 0.0}, method=method)
        assert g.gradient["y"] == 0.0
        assert any("moves with y" in w for w in g.warnings), (method, g.warnings)


def test_the_grad_table_agrees_at_a_zero_base():
    from conftest import invoke

    out = invoke("grad", "(x + -x)^(-x)", "--at", "x=-0.5").stdout
    rows = {ln.split("│")[0].strip(): [c.strip() for c in ln.split("│")]
            for ln in out.splitlines() if "│" in ln}
    for method in ("symbolic", "numeric", "reverse"):
        assert rows[method][1] == "0", out
