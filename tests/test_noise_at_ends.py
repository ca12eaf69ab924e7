"""Finite differences bound f's rounding where f is evaluated, at x ± h, not only at the point:
in ((3 + x) - 3)^2 at x = 1e-12 the rounding of 3 + x (about 3e-16) reaches f through
∂f/∂(3 + x) = 2(x ± h), which is 2e-12 at the point but about 1.2e-5 at the ends of the step.
Exact derivatives are hand-derived."""

import math

import pytest

import diffx
from diffx.check import check


@pytest.mark.parametrize("source, x, exact", [
    ("((3 + x) - 3)^2", 1e-12, 2e-12),  # 2x
    ("((1 + x) - 1)^2", 1e-10, 2e-10),
    ("((1 + x) - 1)*x", 1e-12, 2e-12),  # d/dx (x*x) = 2x
    ("sin((1 + x) - 1)^2", 1e-12, math.sin(2e-12)),  # sin(2x) = 2 sin x cos x
])
@pytest.mark.parametrize("scheme", ["central", "richardson"])
def test_the_error_estimate_covers_the_rounding_at_the_step(source, x, exact, scheme):
    got = diffx.grad(source, at={"x": x}, method="numeric", scheme=scheme)
    error = abs(got["x"] - exact)
    estimate = got.details.error_estimate["x"]
    assert error <= estimate  # the estimate was 1e4-1e5 times too small
    if error > 1e-6 * abs(exact):  # an estimate past the threshold is said
        assert any("cannot resolve this derivative" in w for w in got.warnings)


def test_the_check_does_not_fail_a_right_claim_on_unresolved_differences():
    # the claim 2x equals the exact derivative (and the exactly re-run reverse sweep); central
    # differences are 1.3e-4 off within their own (now honest) error estimate
    report = check("((3 + x) - 3)^2", at={"x": 1e-12}, claims={"x": "2*x"})
    assert report.passed
    report = check("((3 + x) - 3)^2", at={"x": 1e-12}, claims={"x": "3*x"})
    assert not report.passed  # a wrong claim still fails (against the reverse sweep)


def test_central_differences_cannot_judge_where_f_itself_is_off_in_floats():
    # (3 + 1e8)(3 - 1e8) + 1e8^2 is 9 exactly but 8 in floats, so f = 9x is computed as 8x and
    # central differences give 8; the exactly re-run reverse sweep gives 9 (by hand)
    source = "x*((3+1e8)*(3-1e8)+1e8^2)"
    right = check(source, at={"x": 0.1}, claims={"x": "9"})
    assert right.passed and right.inputs[0].reverse == 9.0 and right.inputs[0].central == 8.0
    assert any("central differences differentiate f as the floats compute it" in w
               for w in right.warnings)
    assert not check(source, at={"x": 0.1}, claims={"x": "8"}).passed  # against the sweep
    assert check(source, at={"x": 0.1}).passed  # the sweep's 9 is not refuted by the 8


def test_a_claim_of_the_kink_convention_passes_at_the_kink():
    # relu'(0) = 0 by the convention (docs/conventions.md); central differences give 1/2
    report = check("relu(x)", at={"x": 0.0}, claims={"x": "0"})
    assert report.passed and report.inputs[0].central == 0.5
    assert any("at a kink central differences average" in w for w in report.warnings)
    assert not check("relu(x)", at={"x": 0.0}, claims={"x": "1"}).passed
    assert not check("relu(x)", at={"x": 0.0}, claims={"x": "0.5"}).passed  # not the convention


@pytest.mark.parametrize("source, x", [("sin(x) - x", 1e-6), ("exp(x) - 1 - x", 1e-5),
                                       ("(1 + x)^2 - 1 - 2*x", 1e-7)])
def test_the_complex_step_estimate_covers_cancellation_in_the_imaginary_parts(source, x):
    import mpmath

    with mpmath.workdps(50):  # the exact derivative at the float point
        exact = float(mpmath.diff(lambda t: {
            "sin(x) - x": lambda: mpmath.sin(t) - t,
            "exp(x) - 1 - x": lambda: mpmath.exp(t) - 1 - t,
            "(1 + x)^2 - 1 - 2*x": lambda: (1 + t) ** 2 - 1 - 2 * t}[source](),
            mpmath.mpf(x)))
    got = diffx.grad(source, at={"x": x}, method="numeric", scheme="complex")
    assert abs(got["x"] - exact) <= got.details.error_estimate["x"]
    if abs(got["x"] - exact) > 1e-6 * abs(exact):
        assert any("cannot resolve this derivative" in w for w in got.warnings)



def test_at_a_jump_the_advice_names_no_scheme_that_cannot_run():
    # heaviside at 0: the differences diverge like 1/h; the complex step refuses heaviside,
    # so the advice must not suggest it, and the kink warning says what differences do there
    got = diffx.grad("heaviside(y)", at={"y": 0.0}, method="numeric")
    told = " ".join(got.warnings)
    assert "cannot resolve this derivative well" in told and "complex" not in told
    assert "grow like 1/h and give no derivative here" in told
    smooth = diffx.grad("sin((1 + x) - 1)^2", at={"x": 1e-12}, method="numeric")
    assert "richardson or complex" in " ".join(smooth.warnings)  # (analytic: both offered)
