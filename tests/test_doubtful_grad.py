"""One answer from every method where a power's base is exactly 0; a doubtful point said in
``diffx grad``'s table and JSON; a pole and an overflow told apart by the value warnings.

``(x + -x)^(-x)`` for x < 0 is 0^(-x) with -x > 0, which is 0 for every such x: f is
identically 0 there and its derivative is 0 (docs/conventions.md: d/dy x^y = 0 where x^y = 0).
The reverse sweep meets an infinite slope d/db b^e = e·b^(e-1) at b = 0 for e < 1 on two
routes that cancel (inf - inf); forward mode, which adds the routes' tangents first (1 - 1 =
0), decides it, and the exact re-run of an audited point must follow the same rule.
"""

from __future__ import annotations

import math

import mpmath
import pytest
from conftest import invoke, strict_json

import diffx
from diffx.compare import masked_singularities
from diffx.program import parse_graph

METHODS = ("reverse", "forward", "symbolic", "numeric")


def zero_power_oracle(x: float) -> float:
    """d/dx of (x + -x)^(-x), from f's values on both sides at 50 digits (f is 0 on the
    whole of x < 0, so the difference quotient is exactly 0 there)."""
    with mpmath.workdps(50):
        f = lambda t: mpmath.mpf(0) ** (-t)  # noqa: E731  (the base x + -x is exactly 0)
        h = mpmath.mpf("1e-20")
        return float((f(mpmath.mpf(x) + h) - f(mpmath.mpf(x) - h)) / (2 * h))


@pytest.mark.parametrize("source", ["(x + -x)^(-x)", "(-x + x)^(-x)", "(x - x)^(-x)"])
@pytest.mark.parametrize("x", [-0.5, -0.25, -0.7, -1.0, -3.0])
def test_a_zero_base_with_a_positive_exponent_has_derivative_0_by_every_method(source, x):
    expected = zero_power_oracle(x)
    assert expected == 0.0
    for method in METHODS:
        g = diffx.grad(source, at={"x": x}, method=method)
        assert g.value == 0.0, method
        assert g.gradient["x"] == expected, (method, g.gradient, g.warnings)
        # f is identically 0 here: no strong zero hides a slope, nothing lost precision
        assert not any("moves with" in w or "lost precision" in w for w in g.warnings), \
            (method, g.warnings)


def test_many_points_give_the_same_zeros():
    xs = [-3.0, -1.0, -0.7, -0.5, -0.25]
    for method in ("reverse", "forward", "symbolic"):
        g = diffx.grad("(x + -x)^(-x)", at={"x": xs}, method=method)
        assert list(g.gradient["x"]) == [zero_power_oracle(x) for x in xs], method


def test_the_reverse_method_says_forward_mode_decided_the_cancelled_infinities():
    g = diffx.grad("(x + -x)^(-x)", at={"x": -0.5}, method="reverse")
    assert any("inf - inf" in w and "forward mode" in w for w in g.warnings)


def test_a_zero_that_moves_still_warns():
    # y^x * y^x at y = 0: the true d/dy is +inf (2x·y^(2x-1) with 2x - 1 < 0), the sweeps
    # give 0 by the convention and must say so
    for method in ("reverse", "forward"):
        g = diffx.grad("y^x * y^x", at={"x": 0.25, "y": 0.0}, method=method)
        assert g.gradient["y"] == 0.0
        assert any("moves with y" in w for w in g.warnings), (method, g.warnings)


def table_rows(out: str) -> dict[str, list[str]]:
    """The cells of a table's rows, by their first cell."""
    return {ln.split("│")[0].strip(): [c.strip() for c in ln.split("│")]
            for ln in out.splitlines() if "│" in ln}


def test_the_grad_table_agrees_at_a_zero_base():
    rows = table_rows(invoke("grad", "(x + -x)^(-x)", "--at", "x=-0.5", columns=200).stdout)
    for method in ("symbolic", "numeric", "reverse"):
        assert rows[method][1] == "0"
    assert rows["symbolic"][2] == "0" and rows["numeric"][2] == "0"  # vs reverse: agreement


# ------------------------------------------- a doubtful point in grad's table and JSON -

def test_the_oracle_atan_of_1_over_x_has_no_derivative_at_0():
    # its one-sided limits differ (-pi/2 and pi/2): no derivative, so no agreement to show
    with mpmath.workdps(30):
        left = mpmath.atan(1 / mpmath.mpf("-1e-20"))
        right = mpmath.atan(1 / mpmath.mpf("1e-20"))
    assert float(right - left) == pytest.approx(math.pi)


def test_grad_table_at_a_doubtful_point_shows_no_agreement():
    out = invoke("grad", "atan(1/x)", "--at", "x=0", "--method", "all", columns=200).stdout
    rows = table_rows(out)
    assert rows["symbolic"][1] == "0" and rows["reverse"][1] == "0"  # the values stay shown
    assert rows["symbolic"][2] == "doubtful" and rows["numeric"][2] == "doubtful"
    assert rows["reverse"][2] == "(reference)"
    assert "the point is doubtful" in out


def test_grad_tall_table_at_a_doubtful_point_shows_no_agreement():
    out = invoke("grad", "a*atan(1/x) + b + c + d", "--at", "a=1,b=1,c=1,d=1,x=0",
                 columns=200).stdout
    rows = table_rows(out)
    assert rows["symbolic"][1] == "doubtful" and rows["numeric"][1] == "doubtful"


def test_grad_json_at_a_doubtful_point_is_strict_and_flags_it():
    data = strict_json(invoke("grad", "atan(1/x)", "--at", "x=0", "--json").stdout)
    assert data["doubtful"] == ["x"]
    for name in ("symbolic", "numeric"):
        assert data["results"][name]["relative_error"] == {"x": None}
        assert data["results"][name]["doubtful"] == ["x"]
    assert data["results"]["symbolic"]["gradient"] == {"x": 0.0}
    assert not any("written as null" in w for w in data["warnings"])  # null by design
    assert any(w.startswith("the point is doubtful") for w in data["warnings"])


def test_grad_all_marks_the_report():
    r = diffx.grad_all("atan(1/x)", at={"x": 0.0})
    assert r.doubtful == ("x",)
    assert math.isnan(r.relative_errors["symbolic"]["x"])


def test_a_vector_programs_grad_json_flags_a_doubtful_point():
    data = strict_json(invoke("grad", "sum(atan(1/x))", "--at", "x=[0,1]", "--json").stdout)
    assert data["doubtful"] == ["x"]
    assert data["results"]["symbolic"]["relative_error"] == {"x": None}


@pytest.mark.parametrize("source, at, exact", [
    ("atan(1/x)", "x=1", -0.5),          # d/dx atan(1/x) = -1/(1 + x^2)
    ("exp(-1/x^2)", "x=1", 2 / math.e),  # 2/x^3 e^(-1/x^2)
])
def test_other_points_are_measured_as_before(source, at, exact):
    data = strict_json(invoke("grad", source, "--at", at, "--json").stdout)
    assert "doubtful" not in data
    for name in ("symbolic", "reverse"):
        assert data["results"][name]["gradient"]["x"] == pytest.approx(exact, rel=1e-14)
        assert "doubtful" not in data["results"][name]
    assert data["results"]["symbolic"]["relative_error"]["x"] < 1e-14
    rows = table_rows(invoke("grad", source, "--at", at, columns=200).stdout)
    assert rows["symbolic"][2] != "doubtful" and float(rows["symbolic"][2]) < 1e-14


# ---------------------------------------------- a pole is no overflow, and the reverse -

def value_warning(source: str, x: float) -> str:
    g = diffx.grad(source, at={"x": x}, method="reverse")
    found = [w for w in g.warnings if " is inf at " in w or " is -inf at " in w
             or " is nan " in w]
    assert len(found) == 1, g.warnings
    return found[0]


def test_a_pole_at_0_is_called_a_pole_not_an_overflow():
    told = value_warning("x^-1", 0.0)
    assert "a pole at x = 0" in told and "not an overflow" in told
    assert "too large for a float" not in told


def test_an_overflow_is_called_an_overflow():
    # e^1000 is about 2e434, past the largest double (about 1.8e308)
    with mpmath.workdps(30):
        assert mpmath.exp(1000) > mpmath.mpf("1.8e308")
    told = value_warning("exp(x)", 1000.0)
    assert "an overflow" in told and "too large for a float" in told
    assert "pole" not in told


def test_a_masked_pole_is_doubtful_and_a_masked_overflow_is_not():
    pole = value_warning("atan(x^-1)", 0.0)
    assert "a pole at x = 0" in pole and "derivatives are doubtful" in pole
    over = value_warning("atan(exp(x))", 1000.0)
    assert "not a singularity" in over and "doubtful" not in over
    # the derivative there is e^1000 / (1 + e^2000), about e^-1000: 0 in doubles
    g = diffx.grad("atan(exp(x))", at={"x": 1000.0}, method="reverse")
    with mpmath.workdps(50):
        exact = mpmath.exp(1000) / (1 + mpmath.exp(2000))
    assert g.gradient["x"] == float(exact) == 0.0


@pytest.mark.parametrize("source, x", [
    ("atan(x^-1)", 0.0), ("atan(1/x)", 0.0), ("exp(-1/x^2)", 0.0), ("atan(log(x))", 0.0),
    ("atan(exp(x))", 1000.0), ("atan(x^2)", 1e200), ("(x/0)^0", 3.0),
])
def test_the_warning_and_the_doubtful_point_share_one_classification(source, x):
    told = value_warning(source, x)
    doubtful = bool(masked_singularities(parse_graph(source), {"x": x}))
    assert ("derivatives are doubtful" in told) == doubtful
    assert ("not a singularity" in told) == (not doubtful)


def test_many_points_tell_the_pole_where_it_is():
    g = diffx.grad("atan(x^-1)", at={"x": [-1.0, 0.0, 1.0]}, method="reverse")
    told = next(w for w in g.warnings if " is inf at " in w)
    assert "(at 1 of 3 points)" in told and "a pole at x = 0" in told
