"""Issue 8, a newcomer's edges: a periodic function of a huge computed argument (the float
sweeps lose the argument's place in the period and must re-run exactly), the ½–½ tie
convention in the symbolic method at nested max/min, ``check``'s verdict against the reliable
reference, and the numeric method's messages at overflowing steps and for the right input.
Expected values come from mpmath at 300 digits, from the inputs as the floats given."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import diffx


def _mp(fn, digits=300):
    with mpmath.workdps(digits):
        return float(fn())


# --- C: sin/cos/tan of a computed argument whose rounding error is not small against 2π ---

def _tan_sinh():
    x = mpmath.mpf(416)
    return mpmath.sec(mpmath.sinh(x)) ** 2 * mpmath.cosh(x)


def _tan_atan_cosh(w):
    x, y = mpmath.mpf(-30), mpmath.mpf(-0.7)
    c = mpmath.mpf(1) / 1000  # the literal as typed (0.001), as the exact methods read it
    u = mpmath.atan(y / c) * mpmath.cosh(x)
    sec2 = mpmath.sec(u) ** 2
    if w == "y":
        return sec2 * mpmath.cosh(x) / (c * (1 + (y / c) ** 2))
    return sec2 * mpmath.atan(y / c) * mpmath.sinh(x)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_tan_of_a_huge_computed_argument_is_rerun_exactly(method):
    want = _mp(_tan_sinh)
    assert want == pytest.approx(3.689992139e180, rel=1e-9)
    r = diffx.grad("tan(sinh(x))", at={"x": 416.0}, method=method)
    assert r.gradient["x"] == pytest.approx(want, rel=1e-12)
    assert any("not small against the period" in m or "ill-conditioned" in m
               for m in r.warnings)


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_moderately_large_periodic_argument_is_rerun_too(method):
    # the argument is 8.4e12: its rounding error of ~1e-3 rad puts the slope 0.26 % off
    r = diffx.grad("tan(atan(y/0.001)*(cosh(x)+(x-x)))", at={"x": -30.0, "y": -0.7},
                   method=method)
    for w in ("x", "y"):
        assert r.gradient[w] == pytest.approx(_mp(lambda: _tan_atan_cosh(w)), rel=1e-12)


def test_many_points_recover_the_periodic_loss_as_one_point_does():
    xs = np.array([1.0, 416.0, 2.0])
    r = diffx.grad("tan(sinh(x))", at={"x": xs}, method="reverse")
    assert r.gradient["x"][1] == pytest.approx(_mp(_tan_sinh), rel=1e-12)
    assert r.gradient["x"][0] == pytest.approx(
        _mp(lambda: mpmath.sec(mpmath.sinh(1)) ** 2 * mpmath.cosh(1)), rel=1e-14)


@pytest.mark.parametrize("src, x", [
    ("sin(x)", 1e12),        # an input is exact as given: its float sin is correctly rounded
    ("cos(3*x)", 1e5),       # a computed argument well inside the limit
    ("tan(x*x)", 2.0),
])
def test_periodic_functions_of_ordinary_arguments_stay_quiet(src, x):
    r = diffx.grad(src, at={"x": x}, method="reverse")
    assert not any("period" in m for m in r.warnings)


# --- A: the symbolic method keeps nested max/min binary, as the program writes them ---

# hand derivation: max(max(x, y), z) at a three-way tie splits ½ between max(x, y) and z, and
# max(x, y)'s ½ again between x and y: ¼, ¼, ½ (the convention of PyTorch and JAX)
@pytest.mark.parametrize("src, want", [
    ("max(max(x,y),z)", {"x": 0.25, "y": 0.25, "z": 0.5}),
    ("min(min(x,y),z)", {"x": 0.25, "y": 0.25, "z": 0.5}),
    ("max(x,max(y,z))", {"x": 0.5, "y": 0.25, "z": 0.25}),
    ("min(x,min(y,z))", {"x": 0.5, "y": 0.25, "z": 0.25}),
])
def test_nested_ties_split_the_same_in_every_method(src, want):
    at = {"x": 1.0, "y": 1.0, "z": 1.0}
    for method in ("symbolic", "reverse", "forward"):
        assert diffx.grad(src, at=at, method=method).gradient == want, method


def test_nested_max_off_the_tie_is_the_plain_slope():
    r = diffx.grad("max(max(x,y),z)", at={"x": 1.0, "y": 2.0, "z": 0.0}, method="symbolic")
    assert r.gradient == {"x": 0.0, "y": 1.0, "z": 0.0}


@pytest.mark.parametrize("src, x, want", [
    ("max(x, 1e-320)", 1e-320, 0.5),   # the literal is the subnormal double x is: a tie
    ("min(x, -1e-320)", -1e-320, 0.5),
    ("max(x, 1e-320)", 2e-320, 1.0),
    ("max(x, 0.1)", 0.1, 0.5),         # the double 0.1, not 1/10: a tie in floats, so here
    ("min(0.1, x)", 0.1, 0.5),
    ("max(x, 0.1)", 0.2, 1.0),
])
def test_a_subnormal_literal_ties_with_the_same_double(src, x, want):
    for method in ("symbolic", "reverse"):
        assert diffx.grad(src, at={"x": x}, method=method).gradient["x"] == want, method


# --- B: check's verdict uses the reference and never shows an error above the threshold ---

def _sech2():
    return mpmath.sech(mpmath.mpf(14.5)) ** 2


@pytest.mark.parametrize("claim", ["4/(exp(x)+exp(-x))^2", "1 - tanh(x)^2"])
def test_correct_claims_pass_against_the_reverse_reference(claim):
    r = diffx.check("y = tanh(x)", at={"x": 14.5}, claims={"x": claim})
    c = r.inputs[0]
    assert r.passed and c.by == "claim vs reverse"
    assert c.error <= r.threshold
    assert c.claimed == pytest.approx(_mp(_sech2), rel=1e-14)  # exact, not the float 2.8e-5 off


def test_a_claim_that_loses_digits_in_floats_says_so():
    r = diffx.check("y = tanh(x)", at={"x": 14.5}, claims={"x": "1 - tanh(x)^2"})
    assert any("loses digits in floats" in m for m in r.warnings)


def test_a_wrong_claim_fails_against_the_reference_not_the_central_difference():
    r = diffx.check("y = tanh(x)", at={"x": 14.5}, claims={"x": "1 - tanh(x)^3"})
    c = r.inputs[0]
    assert not r.passed and c.by == "claim vs reverse" and c.error > r.threshold
    assert "reverse sweep (the reference" in r.advice[0] and "central" not in r.advice[0]


@pytest.mark.parametrize("source, at", [("y = tanh(x)", 14.5), ("y = x^2", 1.5)])
def test_a_pass_never_shows_an_error_above_the_threshold(source, at):
    r = diffx.check(source, at={"x": at})
    assert r.passed and all(c.error <= r.threshold for c in r.inputs)


def test_the_cli_pass_line_names_what_it_compared_with():
    from typer.testing import CliRunner

    from diffx.cli import app

    out = CliRunner().invoke(app, ["check", "y = tanh(x)", "--at", "x=14.5", "--claim",
                                   "x = 4/(exp(x)+exp(-x))^2"])
    assert out.exit_code == 0
    line = next(s for s in out.output.splitlines() if s.startswith("PASS"))
    assert "(claim vs reverse)" in line and "1.1e-01" not in line


# --- E, F: the numeric method's messages ---

def test_a_step_past_the_float_range_is_blamed_on_overflow_without_numpy_noise(recwarn):
    r = diffx.grad("x^2", at={"x": 1.0}, method="numeric", step=1e308)
    assert r.gradient["x"] == pytest.approx(2.0, rel=1e-9)  # d/dx x² = 2x, by hand
    assert any("overflowed" in m for m in r.warnings)
    assert not any("left the domain" in m for m in r.warnings)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_a_step_out_of_the_domain_is_still_blamed_on_the_domain():
    r = diffx.grad("log(x)", at={"x": 1.0}, method="numeric", step=2.0)
    assert any("left the domain" in m for m in r.warnings)
    assert not any("overflowed" in m for m in r.warnings)


def test_the_flat_difference_warning_names_the_input_it_moved():
    r = diffx.grad("x^y", at={"x": 0.5, "y": 1e10}, method="numeric")
    said = [m for m in r.warnings if "did not change at all" in m]
    assert any(m.startswith("∂/∂y") and "at y ± " in m for m in said)
    assert not any(m.startswith("∂/∂y") and "at x ± " in m for m in said)
