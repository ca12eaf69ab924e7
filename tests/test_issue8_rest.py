"""The edges issue 8 left: a numeric derivative whose error estimate is large relative to it
must warn however small it is; a domain error shows no finite adjoint; routes say what their
multiply-add count covers. Expected values come from mpmath (tests/oracle.py's interpreter,
or the derivative written out by hand and evaluated at 50 digits)."""

from __future__ import annotations

import json

import mpmath
import pytest

import diffx
from oracle import mp, run_oracle

from fuzz_run import corpus

SEED5 = ("s1 = max(b, pi); s2 = s1; s3 = b; s4 = c; s5 = (-(s3 / s2)); s6 = c; "
         "s7 = (a / cos((s6 / c))); s8 = (s7 / 1e10); s9 = cosh(b); "
         "s10 = ((((tanh(c) + s4) + s5) + s8) + s9)")
SEED5_AT = {"b": 1.2175785804330268e-94, "c": 3.7059018615904877e-193,
            "a": -5.399626234568483e-81}


def _mp(expr):
    with mpmath.workdps(50):
        return float(expr())


def _large(result, w):
    return any(f"∂/∂{w}" in m and "error estimate" in m for m in result.warnings)


def test_seed5_program_is_found_by_the_fuzz_corpus():
    program, point = corpus(218, 5)[217]
    assert program.source == SEED5 and point == SEED5_AT


def test_a_one_percent_error_in_a_small_derivative_warns():
    # ∂/∂a of a / cos(c/c) / 1e10 is 1 / (cos(1)·1e10) = 1.85e-10; the difference of an f
    # of order 1 at the standard step resolves it only to ±4e-11
    want = _mp(lambda: 1 / (mpmath.cos(1) * mpmath.mpf(10) ** 10))
    orc = run_oracle(*corpus(218, 5)[217])
    assert float(orc.exact.gradient["a"]) == pytest.approx(want, rel=1e-12, abs=0)
    r = diffx.grad(SEED5, at=SEED5_AT, method="numeric")
    got, est = r.gradient["a"], r.details.error_estimate["a"]
    assert abs(got - want) > 1e-3 * want  # the difference really is off by about 1%
    assert est > 1e-2 * abs(got)
    assert _large(r, "a")


@pytest.mark.parametrize("src, at, w, want", [
    # ∂/∂c = min(1e-10, cos(a)) = 1e-10, measured as 9.2e-11 ± 8.7e-11
    ("s1 = cos(a); s2 = ((min(1e-10, s1) * max(c, c)) - tan(asin(0.1))); "
     "s3 = min(sqrt((a ^ 0)), s2); s4 = ((softplus(a) + s3) + tan(b))",
     {"a": 0.45, "c": 0.45, "b": 0.45}, "c", lambda: mpmath.mpf("1e-10")),
    # ∂/∂y softplus(10y) = 10·sigmoid(10y) = 5.172e-8, measured 3e-5 off
    ("s1 = (softplus((y / 0.1)) + relu(x))", {"y": -1.908, "x": 0.396}, "y",
     lambda: 10 / (1 + mpmath.exp(-10 * mpmath.mpf(-1.908)))),
    # a slope of 1e-7 on an f of order 1: 1.00013e-7 (1.3e-4 off)
    ("1 + 1e-7*x", {"x": 0.5}, "x", lambda: mpmath.mpf(1e-7)),
    # tanh'(10) = sech(10)² = 8.2446e-9, measured 8.2449e-9 (3.7e-5 off)
    ("tanh(x)", {"x": 10.0}, "x", lambda: mpmath.sech(10) ** 2),
])
def test_small_derivatives_off_by_more_than_their_tolerance_warn(src, at, w, want):
    r = diffx.grad(src, at=at, method="numeric")
    exact = _mp(want)
    assert abs(r.gradient[w] - exact) > 1e-5 * abs(exact)
    assert _large(r, w)


@pytest.mark.parametrize("src, x, want", [
    ("x^2", 1e-3, lambda: 2 * mpmath.mpf(1e-3)),
    ("exp(x)", -20.0, lambda: mpmath.exp(-20)),
    ("x^3", 1e-4, lambda: 3 * mpmath.mpf(1e-4) ** 2),
    ("cos(x)", 1e-4, lambda: -mpmath.sin(mpmath.mpf(1e-4))),
    ("sigmoid(x)", 15.0, lambda: mpmath.exp(-15) / (1 + mpmath.exp(-15)) ** 2),
    ("x*sin(x)", 1e-3, lambda: mpmath.sin(mpmath.mpf(1e-3)) +
     mpmath.mpf(1e-3) * mpmath.cos(mpmath.mpf(1e-3))),
])
def test_small_derivatives_resolved_well_stay_quiet(src, x, want):
    r = diffx.grad(src, at={"x": x}, method="numeric")
    exact = _mp(want)
    assert r.gradient["x"] == pytest.approx(exact, rel=1e-5, abs=0)
    assert r.warnings == []


# ------------------------------------------------ a domain error shows no finite adjoint -

@pytest.mark.parametrize("src, at", [
    ("log(x)", "x=-1"),        # the sweep multiplies 1/x = -1: no derivative of nan
    ("sqrt(x)", "x=-1"),
    ("asin(x)", "x=2"),
    ("1/x", "x=0"),            # -1/x² = -inf
    ("x/x", "x=0"),
    ("log(x) + y", "x=-1,y=2"),
])
def test_json_node_adjoints_are_null_where_the_gradient_is(src, at):
    from conftest import invoke, strict_json

    res = invoke("grad", src, "--at", at, "--method", "reverse", "--json")
    assert res.exit_code == 0, res.output
    data = strict_json(res.stdout)
    rev = data["results"]["reverse"]
    nodes = rev["details"]["nodes"]
    for w, g in rev["gradient"].items():
        assert g is None
        assert nodes[w]["adjoint"] is None
        assert any(f"nodes.{w}.adjoint was" in m for m in data["warnings"])


def test_an_input_adjoint_is_the_reported_derivative():
    # x/x + x at 1e-200: the float sweep cancels to 0, the exact re-run gives 1
    from conftest import invoke, strict_json

    res = invoke("grad", "x/x + x", "--at", "x=1e-200", "--method", "reverse", "--json")
    rev = strict_json(res.stdout)["results"]["reverse"]
    assert rev["gradient"]["x"] == 1.0
    assert rev["details"]["nodes"]["x"]["adjoint"] == 1.0


def test_defined_points_keep_their_adjoints_beside_undefined_ones():
    import numpy as np

    r = diffx.grad("log(x)*y", at={"x": np.array([-1.0, 2.0]), "y": np.array([1.0, 1.0])},
                   method="reverse")
    x_adj = np.asarray(r.details.adjoints[0])
    assert np.isnan(x_adj[0]) and x_adj[1] == 0.5  # ∂/∂x log(x)·y = y/x


# ------------------------------------ what a routes listing's multiply-add count covers -

def test_routes_say_which_derivatives_their_multiply_adds_pay_for():
    # d = a·c, c = a + b: the edges are a→d, c→d, a→c, b→c. One sweep for ∂/∂a and ∂/∂b
    # multiplies along all 4; for ∂/∂a alone, b→c leads nowhere it needs: 3
    from conftest import invoke, strict_json

    src = "c = a + b; d = a * c"
    every = invoke("routes", src, "--at", "a=4,b=3", columns=400).stdout
    only_a = invoke("routes", src, "--wrt", "a", "--at", "a=4,b=3", columns=400).stdout
    assert "got 11 with 4 multiply-adds (one sweep for ∂/∂a and ∂/∂b)" in every
    assert "got 4 with 4 multiply-adds (one sweep for ∂/∂a and ∂/∂b)" in every
    assert "got 11 with 3 multiply-adds (one sweep for ∂/∂a)" in only_a
    for args, count, cover in ((("--at", "a=4,b=3"), 4, ["a", "b"]),
                               (("--wrt", "a", "--at", "a=4,b=3"), 3, ["a"])):
        data = strict_json(invoke("routes", src, *args, "--json").stdout)
        assert data["sweep_multiply_adds"] == count
        assert data["sweep_multiply_adds_for"] == cover
    no_point = strict_json(invoke("routes", src, "--json").stdout)
    assert no_point["sweep_multiply_adds"] is None
    assert no_point["sweep_multiply_adds_for"] is None


# ------------------------------------------------ a pole between x − h and x + h warns -

def test_a_denominator_changing_sign_within_the_step_is_reported():
    # fuzz seed 11: at x = -1.77e-22 sigmoid(10/(2x)) is 0, so f = x + atan(2x) with slope
    # 1 + 2 = 3; past 0 it is 1 and f ≈ x: a step of 6e-12 averages the slopes 3 and 1
    src = ("s1 = (x1 + x1); s2 = sigmoid((10 / s1)); s3 = x1; s4 = ((s3 - s2) / s1); "
           "s5 = atan((s3 / s4)); s6 = (s3 + s5)")
    x = -1.7725926177922122e-22
    want = _mp(lambda: 1 + 2 / (1 + (2 * mpmath.mpf(x)) ** 2))
    r = diffx.grad(src, at={"x1": x}, method="numeric")
    assert abs(r.gradient["x1"] - want) > 0.1
    assert any("denominator of 10/s1 changes sign" in m for m in r.warnings)
    assert diffx.grad(src, at={"x1": x}, method="reverse").gradient["x1"] == \
        pytest.approx(want, rel=1e-12, abs=0)


def test_a_removable_zero_over_zero_is_not_called_a_pole():
    """(x^2 - 1)/(x - 1) is x + 1 with a hole at 1: both sides of the quotient change sign
    within the step, and the warning says 0/0, not a pole. Its slope is 1 on both sides."""
    r = diffx.grad("(x^2-1)/(x-1)", at={"x": 1.0}, method="numeric")
    [said] = [m for m in r.warnings if "change sign" in m]
    assert "numerator and the denominator of (x^2 - 1)/(x - 1) both change sign (a 0/0)" \
        in said and "pole" not in said
    pole = diffx.grad("1/x", at={"x": 1e-9}, method="numeric", step=1e-6)
    assert any("denominator of 1/x changes sign (a pole)" in m for m in pole.warnings)


def test_a_denominator_away_from_zero_says_nothing():
    r = diffx.grad("1/x", at={"x": 1e-3}, method="numeric")
    assert r.gradient["x"] == pytest.approx(-1e6, rel=1e-6, abs=0)
    assert r.warnings == []
