"""A point where a value not finite at a singularity is masked before the output
(``atan(1/x)`` at 0: 1/0 = inf, atan(inf) = pi/2) is doubtful: the function is undefined there
and IEEE arithmetic picked a value, so methods that agree on a derivative give no evidence for
it. ``compare`` measures no error there (nan, shown as "doubtful") and ``check`` does not say
PASS; an overflow that is masked (``atan(exp(x))`` at 1000) is no singularity and keeps its
errors. The oracles are mpmath's one-sided values of the functions themselves."""

from __future__ import annotations

import math

import mpmath
import pytest
from conftest import invoke, strict_json

import diffx
from diffx.compare import compare, masked_singularities
from diffx.program import parse_graph

TINY = mpmath.mpf("1e-30")


def one_sided(f, x0: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    """f just left and just right of x0, at 50 digits."""
    with mpmath.workdps(50):
        return f(mpmath.mpf(x0) - TINY), f(mpmath.mpf(x0) + TINY)


def test_the_oracle_atan_of_1_over_x_jumps_at_0_so_no_derivative_exists():
    left, right = one_sided(lambda x: mpmath.atan(1 / x), 0.0)
    assert float(left) == pytest.approx(-math.pi / 2) and float(right) == pytest.approx(math.pi / 2)


@pytest.mark.parametrize("source, point, inputs", [
    ("atan(1/x)", {"x": 0.0}, ("x",)),       # a jump: no derivative (see the oracle above)
    ("exp(-1/x^2)", {"x": 0.0}, ("x",)),     # -1/0 = -inf masked by exp: undefined at 0
    ("atan(x^-1)", {"x": 0.0}, ("x",)),      # a pole of an integer power, not a domain edge
    ("x*atan(1/y)", {"x": 2.0, "y": 0.0}, ("x", "y")),  # d/dx = atan(1/0): a convention too
    ("exp(log(x))", {"x": 0.0}, ("x",)),     # log(0) = -inf masked: symbolic 1, sweeps 0
])
def test_compare_at_a_doubtful_point_measures_no_error(source, point, inputs):
    c = compare(source, at=point)
    assert c.doubtful == inputs
    for row in c.rows:
        if row.error is None:
            assert row.doubtful == inputs
            assert math.isnan(row.relative_error)  # never 0: that would read as agreement
            assert all(math.isnan(row.absolute_error[w]) for w in inputs)
    assert any(w.startswith("the point is doubtful") and "no evidence" in w
               for w in c.warnings)


def test_atan_1_over_x_no_longer_shows_agreement_in_the_table():
    out = invoke("compare", "atan(1/x)", "--at", "x=0", columns=200).stdout
    assert "not measured: the point is doubtful" in out
    for label in ("symbolic", "reverse", "forward", "numeric forward"):
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(label + " "))
        assert "doubtful" in line
        cells = [c.strip() for c in line.split("│")]
        assert cells[2] == "doubtful"  # the abs. error cell, no longer "0"
        assert cells[3] in ("doubtful", "(reference)")


def test_compare_json_at_a_doubtful_point_is_strict_and_flags_every_row():
    data = strict_json(invoke("compare", "atan(1/x)", "--at", "x=0", "--json").stdout)
    assert data["doubtful"] == ["x"]
    for row in data["rows"]:
        assert row["absolute_error"] == {"x": None} and row["relative_error"] is None
        assert row["doubtful"] == ["x"]


def test_a_masked_overflow_is_no_singularity_and_keeps_its_errors():
    # d/dx atan(e^x) = e^x / (1 + e^2x): about e^-1000, which is 0 in doubles
    with mpmath.workdps(50):
        exact = mpmath.exp(1000) / (1 + mpmath.exp(2000))
    assert float(exact) == 0.0
    c = compare("atan(exp(x))", at={"x": 1000.0})
    assert c.doubtful == ()
    for label in ("symbolic", "reverse", "forward"):
        assert c.row(label).gradient["x"] == 0.0
        assert c.row(label).relative_error == 0.0 and c.row(label).doubtful == ()
    assert not any(w.startswith("the point is doubtful") for w in c.warnings)


def test_an_ordinary_point_shows_its_errors_as_before():
    c = compare("x^2", at={"x": 3.0})
    assert c.doubtful == () and c.row("reverse").gradient["x"] == 6.0
    forward = c.row("numeric forward")
    assert forward.doubtful == ()
    assert 0 < forward.relative_error < 1e-6  # a one-sided difference: truncation error
    assert forward.relative_error == pytest.approx(abs(forward.gradient["x"] - 6.0) / 6.0)
    out = invoke("compare", "x^2", "--at", "x=3", columns=200).stdout
    assert "doubtful" not in out and "errors against symbolic\n" in out
    data = strict_json(invoke("compare", "x^2", "--at", "x=3", "--json").stdout)
    assert "doubtful" not in data and all("doubtful" not in row for row in data["rows"])
    assert data["rows"][1]["relative_error"] == pytest.approx(forward.relative_error, rel=0.5)


def test_masked_singularities_names_the_node_and_why():
    found = masked_singularities(parse_graph("atan(1/x)"), {"x": 0.0})
    assert found == ["1/x is inf at x = 0 (division by zero)"]
    assert masked_singularities(parse_graph("atan(x^-1)"), {"x": 0.0})[0].endswith("(a pole)")
    assert masked_singularities(parse_graph("atan(1/x)"), {"x": 1.0}) == []
    assert masked_singularities(parse_graph("log(x)"), {"x": 0.0}) == []  # not masked


def test_check_at_a_doubtful_point_does_not_say_pass():
    # the claim 0 is what every method gives, but exp(-1/x^2) is undefined at 0
    r = diffx.check("exp(-1/x^2)", at={"x": 0.0}, claims={"x": "0"})
    assert r.passed and r.doubtful == ["-1/x^2 is -inf at x^2 = 0 (division by zero)"]
    res = invoke("check", "exp(-1/x^2)", "--at", "x=0", "--claim", "x = 0", columns=200)
    assert "PASS" not in res.stdout and "DOUBTFUL" in res.stdout
    assert "no evidence that the gradient is right" in res.stdout
    assert " ok" not in res.stdout  # the input's mark says doubtful too
    data = strict_json(invoke("check", "exp(-1/x^2)", "--at", "x=0", "--claim", "x = 0",
                              "--json").stdout)
    assert data["doubtful"] == r.doubtful


def test_check_failing_at_a_doubtful_point_says_the_point_may_be_to_blame():
    res = invoke("check", "atan(1/x)", "--at", "x=0", "--claim", "x = -1/(1+x^2)",
                 columns=200)
    assert res.exit_code == 1
    assert "may be the point's, not the gradient's" in res.stdout
    assert "doubtful point" in res.stderr
    # one message: no advice that blames the claim or the step, no FAIL beside "doubtful"
    assert "likely wrong" not in res.stdout and "may be the problem" not in res.stdout
    assert "FAIL" not in res.stdout and "DOUBTFUL" in res.stdout
    r = diffx.check("atan(1/x)", at={"x": 0.0}, claims={"x": "-1/(1+x^2)"})
    assert not r.passed and r.doubtful and r.advice == []


def test_check_at_an_ordinary_point_is_unchanged():
    r = diffx.check("x^2", at={"x": 3.0}, claims={"x": "2*x"})
    assert r.passed and r.doubtful == []
    res = invoke("check", "x^2", "--at", "x=3", "--claim", "x = 2*x", columns=200)
    assert "PASS:" in res.stdout and "doubtful" not in res.stdout.lower()
    assert "doubtful" not in strict_json(invoke("check", "x^2", "--at", "x=3", "--claim",
                                                "x = 2*x", "--json").stdout)


def test_a_reference_without_a_finite_derivative_says_why_it_was_replaced():
    # symbolic: 1/0 makes the formula undefined everywhere (nan); reverse takes its place
    c = compare("x + atan(1/0)", at={"x": 1.0})
    assert c.reference == "reverse"
    said = [w for w in c.warnings if w.startswith("the reference symbolic failed")]
    assert said == ["the reference symbolic failed (its derivative is not finite); errors "
                    "are measured against reverse instead"]
    assert c.doubtful == ("x",)  # and atan(1/0) = pi/2 is IEEE's choice, masked


def test_a_vector_program_at_a_doubtful_point_is_flagged_by_block_input():
    c = compare("sum(atan(1/x))", at={"x": [0.0, 1.0]})  # x[0] = 0: the jump of atan(1/x)
    assert c.doubtful == ("x",)
    assert c.row("reverse").gradient["x"].tolist() == [0.0, -0.5]  # d/dx atan(1/x) = -1/(1+x²)
    assert math.isnan(c.row("reverse").relative_error)
    assert all(math.isnan(w.relative_error) for w in c.worst.values())
    out = invoke("compare", "sum(atan(1/x))", "--at", "x=[0, 1]", columns=200).stdout
    reverse = next(ln for ln in out.splitlines() if ln.strip().startswith("reverse "))
    assert "doubtful" in reverse and "(x[0])" not in reverse
    ordinary = compare("sum(atan(1/x))", at={"x": [2.0, 1.0]})
    assert ordinary.doubtful == () and ordinary.row("reverse").relative_error < 1e-15
