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


CANCELLING = ("s1 = (x1 - x2); s2 = (s1 + x1); s3 = (s1 - s2); "
              "s4 = ((min(x1, pi) + x1) + s3)")


def test_huge_values_that_cancel_are_reported_with_their_noise():
    # by hand: s3 = -x1 and min(x1, pi) = pi, so f = pi and d/dx1 = 0; in floats s1 ~ -1e118
    # rounds s2 by ~1e102, which the quotient at any step x1 can take cannot resolve
    g = diffx.grad(CANCELLING, at={"x1": 8.807619540252719e+110, "x2": 1.113398020780125e+118},
                   method="numeric")
    d, err = g.gradient["x1"], g.details.error_estimate["x1"]
    assert abs(d - 0.0) <= err  # the truth is within the stated error ...
    (w,) = [w for w in g.warnings if w.startswith("∂/∂x1")]
    assert "values up to 1.1e+118 that cancel" in w  # ... and the warning says why
    noise = float(w.split("rounding noise of about ±")[1].split(" ")[0])
    assert 1e101 < noise < 1e104  # ε·1.1e118 = 2.5e102


def test_a_rounded_away_slope_is_within_the_estimate():
    # (x + 1e20) - 1e20 is 0 in floats near x = 1, so the difference sees only x^2: 2, where
    # the truth is 1 + 2x = 3 (by hand); ε·1e20 of noise makes that within the estimate
    g = numeric("(x + 1e20) - 1e20 + x^2", x=1.0)
    d, err = g.gradient["x"], g.details.error_estimate["x"]
    assert abs(d - 3.0) <= err
    assert any("values up to 1e+20 that cancel" in w for w in g.warnings)


@pytest.mark.parametrize("source, x, truth", [
    ("sin(x) - x", 0.5, lambda x: mp.cos(x) - 1),
    ("x^2 - 0.25*x + exp(x)", 1.0, lambda x: 2 * x - 0.25 + mp.exp(x)),
    ("(x - 1)^3 + cos(3*x)", 1.1, lambda x: 3 * (x - 1) ** 2 - 3 * mp.sin(3 * x)),
])
def test_well_conditioned_programs_stay_quiet(source, x, truth):
    g = numeric(source, x=x)
    assert g.warnings == []
    assert g.gradient["x"] == pytest.approx(float(truth(mp.mpf(x))), rel=1e-8)


def test_a_periodic_op_whose_argument_the_step_moves_past_its_period_is_reported():
    # d/da (a + cos(a)) = 1 - sin(a), which mpmath gives as 0.7705 at this a; no step below
    # ulp(a) = 3e120 exists, and cos's change is lost in the rounding of a + cos(a)
    a = 2.2987128047544253e+136
    g = numeric("a + cos(a)", a=a)
    exact = 1 - mp.sin(mp.mpf(a))
    assert abs(g.gradient["a"] - float(exact)) > 0.1  # the difference gives 1
    assert any("past its period" in w and "cos(a)" in w for w in g.warnings)


def test_a_periodic_op_within_its_period_says_nothing():
    g = numeric("sin(x)", x=1e6)
    assert g.gradient["x"] == pytest.approx(float(mp.cos(mp.mpf(1e6))), rel=1e-9)
    assert g.warnings == []
