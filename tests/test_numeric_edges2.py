"""The numeric method where its result is as small as its own resolution: stationary points
(a derivative of 1e-16 a float difference cannot see, or an exact 0 by symmetry), and kinks
whose central difference is 0. Truths from mpmath at 60 digits or by hand."""

import mpmath as mp
import numpy as np
import pytest

import diffx

mp.mp.dps = 60


def numeric(source, **at):
    return diffx.grad(source, at=at, method="numeric")


def below_resolution(g):
    return [w for w in g.warnings if "below the numeric method's resolution" in w]


# a derivative far below eps*|f|/h, where f(x + h) == f(x - h) in floats but not in truth
UNSEEN = [
    ("cos(x - 1)", 1.0000000000000002, lambda x: -mp.sin(x - 1)),
    ("sin(x)", 1.5707963267948966, mp.cos),  # the double nearest pi/2 is 6.1e-17 below it
    ("cosh(a)", 3.863188818389661e-40, mp.sinh),  # the fuzz case: x + h rounds to h
]


@pytest.mark.parametrize("source, x, truth", UNSEEN)
def test_a_derivative_below_the_resolution_is_reported_with_the_resolution(source, x, truth):
    name = "a" if "a" in source else "x"
    g = numeric(source, **{name: x})
    exact = truth(mp.mpf(x))
    assert exact != 0 and abs(exact) < 1e-15  # the truth is not 0 ...
    assert g.gradient[name] == 0.0  # ... and the float difference cannot see it
    (w,) = below_resolution(g)
    resolution = float(w.split("(±")[1].split(")")[0])
    assert abs(exact) <= resolution < 1e-9  # the warning's bound covers the truth


@pytest.mark.parametrize("source, x", [
    ("x^2", 0.0), ("cos(x)", 0.0), ("cos(x - 1)", 1.0), ("exp(-(x - 3)^2)", 3.0),
    ("max(x, 5)", 1.0),  # constant in x: derivative 0
    ("relu(x)", -1.0),
])
def test_an_exact_zero_by_symmetry_goes_without_warning(source, x):
    # by hand: each is even about x (or constant near x), so f'(x) = 0 exactly
    g = numeric(source, x=x)
    assert g.gradient["x"] == 0.0
    assert g.warnings == []


def test_a_nonzero_difference_within_its_estimate_is_reported():
    # f'(0.3) = 2*0.3 - 0.6 = 0 for the doubles (2*0.3 == 0.6 exactly); the difference gives
    # rounding noise, which is no more than the estimate says
    g = numeric("x^2 - 0.6*x", x=0.3)
    d = g.gradient["x"]
    assert 0 < abs(d) <= g.details.error_estimate["x"]
    assert len(below_resolution(g)) == 1


def test_a_change_lost_in_an_intermediate_is_not_an_exact_zero():
    # (1e30 + x) - 1e30 is x in exact arithmetic (derivative 1), 0 in doubles near x = 1
    g = numeric("(1e30 + x) - 1e30", x=1.0)
    assert g.gradient["x"] == 0.0
    assert any("did not change at all" in w for w in g.warnings)


def test_a_huge_constant_that_hides_x_is_still_reported():
    g = numeric("1e300 + x", x=1.0)
    assert any("did not change at all" in w for w in g.warnings)


def test_the_symmetry_is_checked_per_point_of_an_array():
    xs = np.array([0.0, 1.5707963267948966, 0.7])
    g = diffx.grad("sin(x)", at={"x": xs}, method="numeric")
    got = np.asarray(g.gradient["x"])
    assert abs(got[0] - 1.0) < 1e-9 and abs(got[2] - float(mp.cos(mp.mpf(0.7)))) < 1e-9
    (w,) = below_resolution(g)
    assert "at 1 of 3 points" in w and "1.5708" in w
    # cos at 0, where the 0 is exact, says nothing
    g = diffx.grad("cos(x)", at={"x": np.array([0.0, 0.5])}, method="numeric")
    assert below_resolution(g) == []


@pytest.mark.parametrize("source, x, value", [
    ("abs(x - 1)", 1.0, 0.0),  # central: (|h| - |-h|)/2h = 0 = abs'(0) by convention
    ("max(x, 0)", 0.0, 0.5),  # (h - 0)/2h
    ("relu(x)", 0.0, 0.5),
    ("abs(x - 1) + 3*x", 1.0, 3.0),
])
def test_at_a_kink_only_the_kink_is_reported(source, x, value):
    g = numeric(source, x=x)
    assert g.gradient["x"] == pytest.approx(value, abs=1e-9)
    assert len(g.warnings) == 1 and "kink" in g.warnings[0]


def test_at_a_kink_the_error_is_judged_against_the_one_sided_slopes():
    from diffx import finite

    d, err, f0, x = (np.array([v]) for v in (0.0, 4e-16, 0.0, 1.0))
    assert finite.large_error(d, err, f0, x)[0]  # against |d| = 0 any error is large
    assert not finite.large_error(d, err, f0, x, slope=np.array([1.0]))[0]
    assert finite.large_error(d, np.array([1e-3]), f0, x, slope=np.array([1.0]))[0]


def test_the_cli_says_kink_once():
    from typer.testing import CliRunner

    from diffx.cli import app

    out = CliRunner().invoke(app, ["grad", "abs(x-1)", "--at", "x=1", "--method", "numeric"])
    assert out.exit_code == 0
    text = " ".join(out.output.split())
    assert text.count("warning:") == 1 and "kink" in text and "error estimate" not in text
