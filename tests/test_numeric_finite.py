"""Finite differences at the hard places, against mpmath at 50 digits.

The property every scheme must keep: the derivative is within its own error estimate (times
SAFETY) of the truth, or the result carries a warning that says it may be wrong.
"""

import math
import time

import mpmath as mp
import numpy as np
import pytest
from conftest import logistic_program
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import finite
from diffx.check import check, symmetric_relative_error as relative_error
from diffx.cli import app

mp.mp.dps = 50
SAFETY = 10.0  # an estimate may be optimistic by this much and still be honest


def mp_logistic(n):  # n steps of the map: logistic_program(n + 1) statements
    def f(x):
        v = x
        for _ in range(n):
            v = 4 * v * (1 - v)
        return v
    return f


HARD = [  # (source, mpmath function, x)
    ("sin(x)", mp.sin, 1e6), ("cos(x)", mp.cos, 1e6), ("sin(x)", mp.sin, 1e10),
    ("cos(x)", mp.cos, 1e10), ("log(x)", mp.log, 1e-3), ("log(x)", mp.log, 1e-8),
    ("exp(x)", mp.exp, 700.0), ("x^3", lambda x: x**3, 1e8), ("1/x", lambda x: 1 / x, 1e-5),
    ("sqrt(x)", mp.sqrt, 1e-10), (logistic_program(11), mp_logistic(10), 0.3),
    (logistic_program(21), mp_logistic(20), 0.3), ("tanh(x)", mp.tanh, 14.5),
    ("sigmoid(x)", lambda x: 1 / (1 + mp.exp(-x)), 40.0),
]
IDS = [f"{'logistic' if 'l1' in s else s}@{x:g}" for s, _, x in HARD]


def truth(fn, x):
    return float(mp.diff(fn, mp.mpf(x)))


def honest(g, want):
    d, err = g["x"], g.details.error_estimate["x"]
    if g.warnings:
        return True
    return math.isfinite(d) and abs(d - want) <= SAFETY * err


@pytest.mark.parametrize("scheme", ["central", "richardson", "forward", "backward"])
@pytest.mark.parametrize("src, fn, x", HARD, ids=IDS)
def test_hard_cases_are_right_within_their_estimate_or_warned(src, fn, x, scheme):
    want = truth(fn, x)
    g = diffx.grad(src, at={"x": x}, method="numeric", scheme=scheme)
    assert honest(g, want), (g["x"], want, g.details.error_estimate["x"], g.warnings)


@pytest.mark.parametrize("src, fn, x, rel", [
    ("sin(x)", mp.sin, 1e6, 1e-9),  # the fixed rule gave -0.035 (true 0.937)
    ("log(x)", mp.log, 1e-3, 1e-9),
    ("log(x)", mp.log, 1e-8, 1e-8),
    ("1/x", lambda x: 1 / x, 1e-5, 1e-9),
    ("sqrt(x)", mp.sqrt, 1e-10, 1e-8),
    (logistic_program(21), mp_logistic(20), 0.3, 1e-6),  # the fixed rule gave -48,162 / -37,146
])
def test_central_step_control_finds_the_derivative(src, fn, x, rel):
    want = truth(fn, x)
    for scheme in ("central", "richardson"):
        g = diffx.grad(src, at={"x": x}, method="numeric", scheme=scheme)
        assert g["x"] == pytest.approx(want, rel=rel), scheme


def test_the_logistic_map_at_20_steps_matches_mpmath():
    want = truth(mp_logistic(20), 0.3)
    assert want == pytest.approx(-535778.129, rel=1e-8)  # mpmath at 50 digits
    g = diffx.grad(logistic_program(21), at={"x": 0.3}, method="numeric")
    assert abs(g["x"] - want) <= SAFETY * g.details.error_estimate["x"]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([("sin(x)", mp.sin), ("log(x)", mp.log), ("exp(x)", mp.exp),
                        ("sqrt(x)", mp.sqrt), ("atan(x)", mp.atan), ("1/x", lambda x: 1 / x),
                        ("tanh(x)", mp.tanh)]),
       st.floats(-12, 12), st.sampled_from(["central", "richardson"]))
def test_random_magnitudes_are_honest(case, log10x, scheme):
    src, fn = case
    x = 10.0**log10x
    if src == "exp(x)":
        x = min(x, 700.0)
    want = truth(fn, x)
    g = diffx.grad(src, at={"x": x}, method="numeric", scheme=scheme)
    assert honest(g, want), (src, x, g["x"], want, g.details.error_estimate["x"])


def test_a_step_below_the_resolution_of_x_is_an_error_that_says_so(runner):
    with pytest.raises(diffx.DiffxError, match="below the resolution of x") as exc:
        diffx.grad("x^2", at={"x": 1.0}, method="numeric", step=1e-17)
    assert "2.22e-16" in str(exc.value)  # an ulp of 1
    res = runner.invoke(app, ["grad", "x^2", "--at", "x=1e6", "--method", "numeric",
                                   "--step", "1e-12"])
    assert res.exit_code == 2 and "resolution" in res.output and "Traceback" not in res.output


def test_a_large_error_estimate_is_a_warning():
    g = diffx.grad("sin(x)", at={"x": 1.0}, method="numeric", step=0.3)
    assert abs(g["x"] - math.cos(1.0)) > 1e-3  # a bad step gives a bad value ...
    assert any("error estimate" in w and "richardson" in w for w in g.warnings)  # ... said
    quiet = diffx.grad("sin(x)", at={"x": 1.0}, method="numeric")
    assert quiet.warnings == [] and quiet["x"] == pytest.approx(math.cos(1.0), rel=1e-9)


def test_a_step_that_leaves_the_domain_is_reported():
    g = diffx.grad("log(x)", at={"x": 1e-8}, method="numeric")
    assert g["x"] == pytest.approx(1e8, rel=1e-8)
    assert any("left the domain" in w for w in g.warnings)


def test_an_easy_function_costs_what_the_fixed_rule_cost():
    src = " + ".join(f"sin(x{i})*x{(i + 1) % 10}" for i in range(10))
    at = {f"x{i}": 0.1 * (i + 1) for i in range(10)}
    g = diffx.grad(src, at=at, method="numeric")
    # f(x) once, then f(x ± h), f(x ± 2h) per input (the fixed rule with its estimate: 41);
    # a round costs 2 more where the estimate asks for a smaller step
    assert 41 <= g.cost["evaluations"] <= 41 + 2 * 10
    rev = diffx.grad(src, at=at, method="reverse")
    for k, v in rev.gradient.items():
        assert g[k] == pytest.approx(v, rel=1e-9)


def test_ridders_runs_on_a_million_points_at_once():
    x = np.linspace(0.1, 3.0, 10**6)
    start = time.perf_counter()
    g = diffx.grad("sin(x)*exp(x)", at={"x": x}, method="numeric", scheme="richardson")
    assert time.perf_counter() - start < 30  # per-point Python loops took minutes
    want = (np.cos(x) + np.sin(x)) * np.exp(x)
    err = np.asarray(g.details.error_estimate["x"])
    assert np.all(np.abs(g["x"] - want) <= SAFETY * err + 1e-12 * np.abs(want))
    assert g.cost["evaluations"] < 60  # array evaluations, not one per point


def test_arrays_of_points_match_the_points_one_by_one():
    xs = [1e6, 1e-3, 0.3, 5.0]
    src = "sin(x) + log(x)"
    for scheme in ("central", "richardson", "forward"):
        many = diffx.grad(src, at={"x": np.array(xs)}, method="numeric", scheme=scheme)
        for i, x in enumerate(xs):
            one = diffx.grad(src, at={"x": x}, method="numeric", scheme=scheme)
            assert many["x"][i] == pytest.approx(one["x"], rel=1e-12), (scheme, x)


def test_complex_step_is_unchanged_and_still_refuses_non_analytic_ops():
    g = diffx.grad("sin(x)", at={"x": 1e6}, method="numeric", scheme="complex")
    assert g["x"] == pytest.approx(math.cos(1e6), rel=1e-14) and g.warnings == []
    with pytest.raises(diffx.DiffxError, match="not complex-analytic"):
        diffx.grad("abs(x)", at={"x": 1.0}, method="numeric", scheme="complex")


def test_search_primitives():
    x = np.array([1.0, 1e6])
    assert list(finite.resolution(x)) == [2.0**-52, 2.0**-33]
    assert finite.standard_step(np.array([0.0]), "central")[0] == pytest.approx(6.055e-6,
                                                                                 rel=1e-3)


def test_check_never_calls_non_finite_values_agreement():
    assert relative_error(math.inf, math.inf) == 1.0
    assert relative_error(math.nan, math.nan) == 1.0
    assert relative_error(2.0, 2.0) == 0.0


def test_check_uses_the_step_control():
    r = check(lambda x: math.sin(x), lambda x: math.cos(x), at=1e6)
    assert r.passed and r.inputs[0].central == pytest.approx(math.cos(1e6), rel=1e-9)
    wrong = check(lambda x: math.sin(x), lambda x: -math.cos(x), at=1e6)
    assert not wrong.passed
    # tanh'(14.5) = 1.0175e-12 is below what central differences resolve: a correct
    # gradient is not failed by them, and the report says why
    r = check(lambda x: math.tanh(x), lambda x: 1 / math.cosh(x) ** 2, at=14.5)
    assert r.passed and any("cannot judge" in w for w in r.warnings)
    assert r.inputs[0].central_error >= abs(r.inputs[0].central - 1 / math.cosh(14.5) ** 2)
