"""The numeric method where its difference quotient is silently wrong unless it says so: a
one-argument kink (relu, abs) between x - h and x + h, a symmetry "proof" in mpmath of a
function the floats do not compute, huge intermediate values that cancel, and a periodic op
whose argument the step moves past its period. Truths by hand or from mpmath."""

import mpmath as mp
import pytest

import diffx

mp.mp.dps = 60


def numeric(source, **at):
    return diffx.grad(source, at=at, method="numeric")


@pytest.mark.parametrize("source, x, truth, off", [
    ("relu(x) + x", -1e-18, 1.0, 0.5),  # relu' = 0 left of 0; the step 6e-6 reaches past 0
    ("abs(x) + x", -6.8e-53, 0.0, 1.0),  # abs' = -1 left of 0; the average of -1 and 1 is 0
    ("relu(min(x, 0.5)) + 3*x", 1e-70, 4.0, 0.5),
])
def test_a_one_argument_kink_within_the_step_is_reported(source, x, truth, off):
    g = numeric(source, x=x)
    # the central difference averages the slopes on the two sides (by hand): off the truth
    assert abs(g.gradient["x"] - truth) == pytest.approx(off, rel=1e-6)
    assert any("has a kink between x - h and x + h" in w for w in g.warnings)


def test_a_kink_farther_than_the_step_says_nothing():
    g = numeric("relu(x) + x", x=-1.0)
    assert g.gradient["x"] == pytest.approx(1.0, rel=1e-9)
    assert g.warnings == []


def test_a_zero_is_not_proved_by_an_mpmath_function_the_floats_do_not_compute():
    # acos(0) is the double nearest pi/2, where tan is 1.6e16 in floats; in mpmath tan of
    # pi/2 grows with the precision, so f(x + h) == f(x - h) there proves nothing. The float
    # f = 1.6e16 - x has slope -1 (by hand), which its rounding (ulp 2) hides from the step
    g = numeric("tan(acos(0)) - x", x=0.7)
    assert g.gradient["x"] == 0.0
    assert any("f did not change at all" in w for w in g.warnings)
