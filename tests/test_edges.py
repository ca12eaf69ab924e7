"""Where differentiation gets hard: domains, overflow, kinks, huge exact numbers, swell."""

import json
import math
import time

import numpy as np
import pytest
from conftest import logistic_program

import diffx
from diffx.present.as_json import report_json


def test_log_of_a_negative_is_nan_with_a_reason():
    g = diffx.grad("log(x)", at={"x": -1})
    assert math.isnan(g.value) and math.isnan(g["x"])
    assert any("log needs a positive argument" in w and "x = -1" in w for w in g.warnings)


def test_division_by_zero_is_reported():
    g = diffx.grad("1/x + y", at={"x": 0, "y": 1})
    assert math.isinf(g.value)
    assert any("division by zero" in w for w in g.warnings)


def test_overflow_is_reported_where_it_happens():
    g = diffx.grad("z = exp(x); z - 1", at={"x": 1000})
    assert g.value == math.inf
    assert any(w.startswith("z = exp(x) is inf") and "too large" in w for w in g.warnings)


def test_strict_json_turns_non_finite_into_null_with_a_warning():
    report = diffx.grad_all("log(x)", at={"x": -2})
    text = report_json(report, diffx.parse("log(x)"))
    data = json.loads(text)  # strict: no NaN or Infinity literals
    assert "NaN" not in text and "Infinity" not in text
    assert data["results"]["reverse"]["gradient"]["x"] is None
    assert any("written as null" in w for w in data["warnings"])
    assert any("log needs a positive argument" in w for w in data["warnings"])


@pytest.mark.parametrize("src, point, reverse, symbolic, central", [
    ("relu(x)", {"x": 0}, 0.0, 0.0, 0.5),  # relu'(0) = 0: Heaviside(x, 0); central: the average
    ("abs(x)", {"x": 0}, 0.0, 0.0, 0.0),  # sign(0) = 0; central is symmetric
    ("max(x, y)", {"x": 1, "y": 1}, 0.5, 0.5, 0.5),  # a tie is split 1/2-1/2
])
def test_kinks_are_explained(src, point, reverse, symbolic, central):
    report = diffx.grad_all(src, at=point)
    assert report.results["reverse"]["x"] == reverse
    assert report.results["symbolic"]["x"] == symbolic
    assert report.results["numeric"]["x"] == pytest.approx(central, abs=1e-6)
    assert any("kink" in w and "methods may disagree" in w for w in report.warnings)


def test_infinite_slope_of_sqrt_at_zero():
    g = diffx.grad("sqrt(x)", at={"x": 0})
    assert g.value == 0 and g["x"] == math.inf
    assert any("not finite" in w for w in g.warnings)


def test_complex_step_refuses_non_analytic_ops_by_name():
    with pytest.raises(diffx.DiffxError, match="cannot differentiate relu"):
        diffx.grad("z = relu(x) + x", at={"x": 1}, method="numeric", scheme="complex")
    # an abs that does not depend on x is no obstacle
    g = diffx.grad("abs(y) * x", at={"x": 1, "y": -2}, wrt="x", method="numeric",
                   scheme="complex")
    assert g["x"] == 2.0


def test_astronomical_exact_power_is_refused_not_computed():
    start = time.perf_counter()
    report = diffx.grad_all("9^9^9^9 * x", at={"x": 1})
    assert time.perf_counter() - start < 10
    assert "exact power" in report.results["symbolic"].error
    assert report.results["reverse"]["x"] == math.inf
    assert any("overflow" in w or "too large" in w for w in report.warnings)


def test_symbolic_timeout_ends_a_swelling_run():
    start = time.perf_counter()
    report = diffx.grad_all(logistic_program(14), at={"x": 0.3}, methods=["symbolic", "reverse"],
                            options={"symbolic": {"timeout": 0.5}})
    assert time.perf_counter() - start < 20
    assert "timed out after 0.5 s" in report.results["symbolic"].error
    assert report.results["reverse"].ok


def test_hopeless_swell_is_refused_at_once():
    start = time.perf_counter()
    report = diffx.grad_all(logistic_program(60), at={"x": 0.3}, methods=["symbolic", "reverse"])
    assert time.perf_counter() - start < 10
    err = report.results["symbolic"].error
    assert "expression swell" in err
    tree = int(err.split("function has ")[1].split(" nodes")[0].replace(",", ""))
    assert tree > 2**59  # the tree doubles with every step; the DAG grows by a few nodes
    formulas = diffx.grad(logistic_program(60), method="reverse")
    assert formulas.details.form["x"].startswith("factored")
    assert "too large to print" in formulas.gradient["x"]


def test_route_counts_are_exact_even_when_astronomical():
    n = 200
    src = logistic_program(n)
    g = diffx.grad(src, at={"x": 0.3})
    assert g.details.routes["x"] == 2 ** (n - 1)
    listed = diffx.grad(src, at={"x": 0.3}, routes=True, route_limit=50)
    info = listed.details.route_listing["x"]
    assert len(info["routes"]) == 50 and not info["complete"]


def test_x_times_x_has_two_routes():
    g = diffx.grad("x*x", at={"x": 3}, routes=True)
    rows = g.details.route_listing["x"]["routes"]
    assert len(rows) == 2 and g.details.routes["x"] == 2
    assert sum(r["product"] for r in rows) == g["x"] == 6.0


def test_many_points_at_once():
    xs = np.linspace(-1, 1, 101)
    for method in ("reverse", "symbolic", "numeric", "forward"):
        g = diffx.grad("sin(x)*y", at={"x": xs, "y": 2.0}, method=method)
        assert np.allclose(g["x"], 2 * np.cos(xs), rtol=1e-8, atol=1e-10)
        assert np.allclose(g["y"], np.sin(xs), rtol=1e-8, atol=1e-10)


def test_dead_code_does_not_change_the_gradient():
    g = diffx.grad("q = log(z); y = x^2", at={"x": 3, "z": -1})
    assert g["x"] == 6.0 and g["z"] == 0.0 and g.value == 9.0
    assert not g.warnings  # log(-1) is never used by the output


def test_strong_zero_stops_nan_from_an_unused_branch():
    # 0 * sqrt(x) at 0: the product's adjoint into sqrt is 0, so sqrt's infinite slope is moot
    g = diffx.grad("0*sqrt(x) + x", at={"x": 0})
    assert g["x"] == 1.0
