"""A derivative beyond the float range (an overflow, not a pole or a kink) is said to be one,
by the reverse sweep's warning, by the numeric method, and by the check, which cannot judge it
in floats and says so instead of failing the gradient."""

import json
import math

import mpmath
import pytest
from typer.testing import CliRunner

import diffx
from diffx.check import check
from diffx.cli import app

TINY = 1e-320  # a subnormal: x^0.01 is 6.3e-4 there, its derivative 0.01 x^-0.99 is 6.3e314


def exact_slope() -> mpmath.mpf:
    with mpmath.workdps(30):
        x = mpmath.mpf(TINY)  # the float the point parses to, exactly
        return mpmath.mpf("0.01") * x ** mpmath.mpf("-0.99")


def test_the_sweep_says_its_local_derivative_overflowed():
    got = diffx.grad("x^0.01", at={"x": TINY}, method="reverse")
    assert got["x"] == math.inf
    told = " ".join(got.warnings)
    slope = exact_slope()
    assert mpmath.mpf("1.8e308") < slope < mpmath.mpf("1e316")  # finite, past the floats
    shown = f"{float(slope / mpmath.mpf(10) ** 314):.2g}e+314"
    assert f"overflowed at x = 9.99989e-321 (its exact value, about {shown}" in told
    # at a true infinity of the slope (sqrt at 0) nothing is said to overflow
    told = " ".join(diffx.grad("sqrt(x)", at={"x": 0.0}, method="reverse").warnings)
    assert "is not finite at x = 0" in told and "overflowed" not in told


def test_finite_differences_say_the_quotient_overflowed():
    got = diffx.grad("x^0.01", at={"x": TINY}, method="numeric")
    told = " ".join(got.warnings)
    assert "the central difference overflowed at x = 9.99989e-321" in told
    assert "left the domain" not in told  # f is finite at and beside the point


@pytest.mark.parametrize("source, at, why", [
    ("x^0.01", TINY, "the derivative with respect to x is beyond the float range"),
    ("1/x^2", 1e-200, "f is not finite in floats at this point, though it is in exact"),
    ("exp(x) - exp(x)", 1000.0, "f is not finite in floats at this point, though it is in"),
])
def test_the_check_cannot_judge_a_derivative_past_the_floats(source, at, why):
    report = check(source, at={"x": at})
    assert not report.passed and report.inputs[0].too_large
    assert report.too_large is not None and report.too_large.startswith(why)
    assert report.advice == []  # neither the step nor the gradient is to blame
    done = CliRunner().invoke(app, ["check", source, "--at", f"x={at!r}"])
    told = " ".join(done.output.split())
    assert done.exit_code == 1 and "CANNOT CHECK" in told and "too large" in told
    assert "FAIL" not in told and "likely wrong" not in told
    data = json.loads(CliRunner().invoke(app, ["check", source, "--at", f"x={at!r}",
                                               "--json"]).stdout)
    assert data["passed"] is False and data["too_large"].startswith(why)
    assert data["inputs"][0]["too_large"] is True
    assert data["inputs"][0]["error"] is None  # (no error measured: not a made-up 1.0)


def test_only_the_overflowing_input_is_marked():
    report = check("x^0.01*y", at={"x": TINY, "y": 2.0})
    x, y = report.inputs
    assert x.too_large and not x.passed
    assert not y.too_large and y.passed  # 6.3e-4, checked as usual


def test_an_infinite_slope_at_a_kink_is_not_an_overflow():
    report = check("sqrt(x)", at={"x": 0.0})  # the slope is infinite: no float is too small
    assert not report.passed and not report.inputs[0].too_large and report.too_large is None
    assert "too_large" not in json.loads(
        CliRunner().invoke(app, ["check", "sqrt(x)", "--at", "x=2", "--json"]).stdout)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_an_unused_statement_does_not_stop_the_exact_rerun(method):
    # u = 1/y^3 at y = 1e-300 is 1e900, past what the exact re-run computes; f does not use
    # it. f = 0.1^x y / x^2.5, so ∂f/∂y = 0.1^x / x^2.5 (by hand), 1e30 at x = 1e-12; the
    # float forward sweep underflows to 0 there and the re-run must give the exact value
    source = "u = 1/(y*y*y); f = (0.1^x)/(x/y)/(x^1.5)"
    got = diffx.grad(source, at={"y": 1e-300, "x": 1e-12}, method=method)
    with mpmath.workdps(40):
        x = mpmath.mpf(1e-12)
        want = mpmath.mpf("0.1") ** x / x ** mpmath.mpf(2.5)
    assert got["y"] == pytest.approx(float(want), rel=1e-12)
