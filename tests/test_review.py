"""Regressions: each case once gave a wrong answer or a traceback."""

import json
import math
import signal
import time

import numpy as np
import pytest
from typer.testing import CliRunner

import diffx
from diffx.budget import BudgetExceeded, run_with_budget
from diffx.cli import app


def test_power_with_a_zero_exponent_at_zero():
    # d/dx (x^0 + x) = 1 everywhere, also at x = 0 (not 0 * 0^-1 = nan)
    for method in ("reverse", "forward", "symbolic"):
        assert diffx.grad("x^0 + x", at={"x": 0}, method=method)["x"] == 1.0, method


def test_route_listing_at_an_infinite_slope_does_not_crash():
    g = diffx.grad("sqrt(x)", at={"x": 0}, routes=True)
    assert g.details.route_listing["x"]["routes"][0]["factors"] == [math.inf]
    res = CliRunner().invoke(app, ["routes", "sqrt(x)", "--at", "x=0"])
    assert res.exit_code == 0 and "Traceback" not in res.output
    from diffx.draw import render_svg

    assert "svg" in render_svg("sqrt(x)", at={"x": 0}, wrt="x")


def test_deep_unnamed_chains_draw_and_list():
    deep = "sin(" * 290 + "x" + ")" * 290
    assert diffx.render(deep, at={"x": 0.5}, wrt="x").source.startswith("digraph")
    listed = diffx.grad("sin(" * 400 + "x" + ")" * 400, at={"x": 0.5}, routes=True)
    assert len(listed.details.route_listing["x"]["routes"]) == 1


def test_the_output_is_named_by_the_last_statement():
    g = diffx.parse("c = a + b; d = a + b")
    assert g.output_name == "d"
    assert diffx.parse("f*2").output_name == "out"  # 'f' is an input here


def test_strong_zero_at_one_point_and_at_many():
    one = diffx.grad("0*sqrt(x) + x", at={"x": 0.0})["x"]
    many = diffx.grad("0*sqrt(x) + x", at={"x": np.array([0.0, 1.0])})["x"]
    assert one == 1.0 and list(many) == [1.0, 1.0]
    fwd = diffx.grad("y*sqrt(x)", at={"x": 0.0, "y": 0.0}, method="forward").gradient
    rev = diffx.grad("y*sqrt(x)", at={"x": 0.0, "y": 0.0}).gradient
    assert fwd == rev == {"x": 0.0, "y": 0.0}


def test_claims_are_single_formulas():
    with pytest.raises(diffx.DiffxError, match="a claim is one formula"):
        diffx.check("y = x*x", at={"x": 3}, claims={"x": "5*x; 6"})
    with pytest.raises(diffx.DiffxError, match="a claim is one formula"):
        diffx.check("y = x*x", at={"x": 3}, claims={"x": "q = 6"})


def test_labels_do_not_depend_on_what_was_asked_before():
    src = "u = sin(x)*cos(y) + x; v = cos(x*y)*sin(y) + y; u*v"
    g = diffx.parse(src)
    first = diffx.grad(g, at={"x": 0.3, "y": 0.7}, wrt="y", routes=True)
    again = diffx.grad(g, at={"x": 0.3, "y": 0.7}, wrt="x", routes=True)
    fresh = diffx.grad(src, at={"x": 0.3, "y": 0.7}, wrt="x", routes=True)
    assert again.details.route_legend == fresh.details.route_legend
    assert again.details.route_listing == fresh.details.route_listing
    assert first.details.route_listing["y"]["complete"]


@pytest.mark.parametrize("call", [
    lambda: diffx.grad("x", at={"x": 10**400}),
    lambda: diffx.grad("x", wrt=5),
    lambda: diffx.evaluate("x", at=None),
    lambda: diffx.check(math.sin, math.cos, at="abc"),
    lambda: diffx.swell("logistic", n=1.5),
    lambda: diffx.swell("logistic", n="1..30000000"),
])
def test_bad_library_calls_raise_diffx_errors(call):
    start = time.perf_counter()
    with pytest.raises(diffx.DiffxError):
        call()
    assert time.perf_counter() - start < 5


def test_a_budget_holds_even_when_another_timer_runs():
    signal.setitimer(signal.ITIMER_REAL, 3600)  # someone else's timer, far away
    previous = signal.signal(signal.SIGALRM, lambda *a: None)
    try:
        start = time.perf_counter()
        with pytest.raises(BudgetExceeded):
            run_with_budget(lambda: time.sleep(5), 0.2)
        assert time.perf_counter() - start < 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_json_stays_strict_for_nested_non_finite_values():
    from diffx.present.as_json import dumps

    text = dumps({"a": [1.0, {"b": float("nan")}], "c": np.array([np.inf, 1.0])})
    data = json.loads(text, parse_constant=lambda c: pytest.fail(c))
    assert data["a"][1]["b"] is None and data["c"] == [None, 1.0]
    assert len(data["warnings"]) == 2
