"""Where f has no value it has no derivative, in every method (diffx.undefined).

The references are hand-derived: at a pole (``1/x^2`` at 0, ``0^(-x*x)`` at x = 2) f is
infinite, so no derivative exists and every method must give nan, whatever its arithmetic
makes of the point (the sweeps' strong zeros gave 0 for ``1/x^2`` at 0, and central
differences of the even pole 0, which the comparison then showed as agreement). Away from
the pole, d/dx x^-2 = -2/x^3. An overflow of the floats is no such point: its derivatives stay
as the methods compute them.
"""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

import diffx
from diffx import undefined
from diffx.cli import app

METHODS = ["reverse", "forward", "numeric", "symbolic"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("source, x", [
    ("1/x^2", 0.0), ("1/(x*x)", 0.0), ("1/x^2 + x", 0.0), ("x^-2", 0.0), ("1/x", 0.0),
    ("(x - x)^(-x*x)", 2.0), ("log(x^2)", 0.0), ("1/x^2 + 0*x", 0.0)])
def test_no_derivative_at_a_pole(method, source, x):
    got = diffx.grad(source, at={"x": x}, method=method)
    assert math.isnan(got["x"])


@pytest.mark.parametrize("source, x, method, said", [
    ("1/x^2", 0.0, "reverse", True),  # the sweep's strong zero made it 0
    ("1/x^2", 0.0, "numeric", False),  # nan by numeric's own rule (f(x) = inf, f(x ± h)
    # finite: a difference across the point, said in its own words)
    ("(x - x)^(-x*x)", 2.0, "symbolic", True),  # sympy's formula, 0
    ("log(x)", -1.0, "reverse", False)])  # nan already: nothing more to say
def test_the_warning_where_the_rule_changed_a_number(source, x, method, said):
    got = diffx.grad(source, at={"x": x}, method=method)
    assert any(w.startswith("f has no derivative at this point") for w in got.warnings) == said


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_an_overflow_is_not_a_pole(method):
    # 1/x^2 at 1e-200 is about 1e400 exactly: finite, only past the float range; its
    # derivative -2/x^3 = -2e600 overflows to -inf in every method that gives it
    got = diffx.grad("1/x^2", at={"x": 1e-200}, method=method)
    assert got["x"] == -math.inf
    assert not any(w.startswith("f has no derivative") for w in got.warnings)
    # a cancellation of the floats: (x + 1) - x is 0 in floats at 1e16 and 1 exactly
    got = diffx.grad("1/((x + 1) - x)", at={"x": 1e16}, method=method)
    assert not any(w.startswith("f has no derivative") for w in got.warnings)


def test_the_comparison_never_shows_agreement_at_a_pole():
    report = diffx.grad_all("1/x^2", at={"x": 0.0}, methods=["symbolic", "numeric", "reverse"])
    for label in ("symbolic", "numeric", "reverse"):
        assert math.isnan(report.results[label].gradient["x"])
    for errors in report.absolute_errors.values():
        assert not any(e == 0 for e in errors.values())


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_many_points(method):
    xs = [0.0, 1.0, -2.0, 0.5, 0.0]
    got = diffx.grad("1/x^2", at={"x": xs}, method=method)["x"]
    for x, g in zip(xs, got):
        if x == 0:
            assert math.isnan(g)
        else:
            assert g == pytest.approx(-2 / x**3, rel=1e-12)


def test_points_past_the_limit_are_left_and_said(monkeypatch):
    monkeypatch.setattr(undefined, "MAX_POINTS", 2)
    got = diffx.grad("1/x^2", at={"x": [0.0, 1.0, 0.0, 0.0]}, method="reverse")
    assert math.isnan(got["x"][0]) and math.isnan(got["x"][2])
    assert got["x"][3] == 0.0  # the sweep's strong zero, not checked: and said
    assert any("not finite at 1 point not checked in exact arithmetic (past the first 2)" in w
               for w in got.warnings)
    assert any("at 2 of the points" in w for w in got.warnings)


def test_json_stays_strict_and_says_so():
    done = CliRunner().invoke(app, ["grad", "1/x^2", "--at", "x=0", "--method", "all",
                                    "--json"])
    text = done.output
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert "f has no derivative at this point" in json.dumps(data)


@pytest.mark.parametrize("method", ["symbolic", "reverse", "forward", "numeric"])
def test_second_derivatives_too(method):
    # 1/x^2 has no value at 0, so no second derivative; at 1 it is 6/x^4 = 6 (hand-derived)
    h = diffx.hessian("1/x^2", at={"x": 0.0}, method=method)
    assert math.isnan(h.matrix[0][0])
    h = diffx.hessian("1/x^2", at={"x": 1.0}, method=method)
    assert h.matrix[0][0] == pytest.approx(6.0, rel=1e-6)


def test_the_matrix_method_too():
    # sum(1/x^2) at x = (0, 1) is inf: no derivative in any entry, in the block method as in
    # the scalar ones (its sweep hands inf/nan points to the scalar sweep)
    for method in ("matrix", "reverse"):
        got = diffx.grad("y = sum(1/(x*x))", at={"x": [0.0, 1.0]}, method=method)
        assert all(math.isnan(v) for v in got["x"])
    got = diffx.grad("y = sum(1/(x*x))", at={"x": [2.0, 1.0]}, method="matrix")
    assert list(got["x"]) == [-0.25, -2.0]  # -2/x^3, hand-derived


def test_check_at_a_pole_says_there_is_nothing_to_check():
    from diffx.check import check

    report = check("1/x^2", at={"x": 0.0}, claims={"x": "-2/x^3"}, sweep=True)
    assert not report.passed and report.no_derivative.startswith("f has no derivative")
    assert report.advice == [] and report.sweep is None  # no blame on the claim or the step
    assert math.isnan(report.inputs[0].central) and not report.inputs[0].passed
    done = CliRunner().invoke(app, ["check", "1/x^2", "--at", "x=0"])
    assert done.exit_code == 1
    assert "no derivative" in done.output and "likely wrong" not in done.output
    data = json.loads(CliRunner().invoke(app, ["check", "1/x^2", "--at", "x=0", "--json"]).stdout)
    assert data["passed"] is False and data["no_derivative"].startswith("f has no derivative")
    away = CliRunner().invoke(app, ["check", "1/x^2", "--at", "x=2", "--json"])
    assert away.exit_code == 0 and "no_derivative" not in json.loads(away.stdout)


def test_check_at_an_overflow_does_not_blame_the_gradient():
    # 1/x^2 at 1e-200: f overflows (1e400), the derivative is -2e600, past the floats; the
    # sweep's -inf has its sign. Central differences across the point saw only f(x ± h) and
    # gave 0, and the advice called the gradient "likely wrong"; now, as in the numeric
    # method, no difference is a derivative where f is not finite at the point
    from diffx.check import check

    report = check("1/x^2", at={"x": 1e-200})
    assert not report.passed and report.no_derivative is None  # an overflow, not a pole
    assert math.isnan(report.inputs[0].central) and report.advice == []
    assert report.inputs[0].reverse == -math.inf
    done = CliRunner().invoke(app, ["check", "1/x^2", "--at", "x=1e-200"])
    assert done.exit_code == 1 and "likely wrong" not in done.output
    told = " ".join(done.output.split())  # floats cannot check it: said so, not a FAIL
    assert "CANNOT CHECK: f is not finite in floats at this point, though it is in exact " \
        "arithmetic" in told and "FAIL" not in told


@pytest.mark.parametrize("scheme", ["central", "richardson", "complex"])
def test_differences_across_the_point_are_no_derivative(scheme):
    # 1/x^2 + x at 1e-200: f(x) overflows to inf in floats (1e400 exactly) while f(x ± h) is
    # finite; the even pole's sides cancel and central differences gave 1.02, the true
    # derivative being -2e600 (-inf in floats): a number seen across the point is nan, and said
    got = diffx.grad("1/x^2 + x", at={"x": 1e-200}, method="numeric", scheme=scheme)
    assert math.isnan(got["x"])
    assert any("f is not finite at the point" in w for w in got.warnings)
    many = diffx.grad("1/x^2 + x", at={"x": [1e-200, 1.0]}, method="numeric", scheme=scheme)
    assert math.isnan(many["x"][0]) and many["x"][1] == pytest.approx(-1.0, rel=1e-5)
    # a one-sided difference meets f(x) = inf itself: its inf (of either sign) is nan too
    for one_sided in ("forward", "backward"):
        assert math.isnan(diffx.grad("1/x^2", at={"x": 1e-200}, method="numeric",
                                     scheme=one_sided)["x"])


def test_an_underflowed_zero_is_not_called_a_pole():
    # x*x at 1e-200 is 1e-400 exactly: 0 in floats only by underflow, so 1/x^2 = inf there is
    # the floats' fault; at x = 0 it is a division by zero
    got = diffx.grad("1/x^2", at={"x": 1e-200}, method="reverse")
    told = " ".join(got.warnings)
    assert "x^2 underflowed to 0" in told and "division by zero" not in told
    assert "grew out of range" in told and "10^616" in told
    assert "szmul" not in told  # (no internal name shown)
    got = diffx.grad("1/x^2", at={"x": 0.0}, method="reverse")
    assert any("division by zero" in w for w in got.warnings)


def test_no_stale_sentence_about_the_symbolic_value():
    got = diffx.grad("1/x^2", at={"x": 0.0}, method="symbolic")
    assert math.isnan(got["x"])
    assert not any("symbolic derivative with respect to x is -inf" in w for w in got.warnings)


def test_no_adjoint_or_tangent_stands_for_a_derivative_at_a_pole():
    # 1/x^2 + y at x = 0: the sweep's adjoints of x and y were 0 and 1 beside a null gradient
    done = CliRunner().invoke(app, ["grad", "1/x^2 + y", "--at", "x=0,y=1", "--method",
                                    "reverse", "--json"])
    nodes = json.loads(done.output)["results"]["reverse"]["details"]["nodes"]
    assert nodes == {"x": {"value": 0.0, "adjoint": None}, "y": {"value": 1.0, "adjoint": None}}
    table = diffx.trace_table("1/x^2 + x", at={"x": 0.0})
    assert all(math.isnan(row.value) for row in table.adjoint)
    tangents = [row.value for row in table.tangent]  # ẋ = 1, (x^2)˙ = 2x = 0 are defined;
    assert tangents[:2] == [1.0, 0.0] and all(math.isnan(t) for t in tangents[2:])  # 1/x^2, f
    # away from the pole nothing changes: ḟ = -2/x^3 + 1 = -1 at x = 1, x̄ the same
    table = diffx.trace_table("1/x^2 + x", at={"x": 1.0})
    assert table.tangent[-1].value == -1.0 and table.adjoint[-1].value == -1.0


def test_an_empty_name_in_wrt_is_named():
    done = CliRunner().invoke(app, ["grad", "a*b", "--wrt", "a,,b", "--at", "a=1,b=2"])
    assert done.exit_code == 2 and "an empty name in 'a,,b'" in done.output
    assert "Traceback" not in done.output


def test_many_points_name_the_first_without_a_derivative():
    # 1/x^2 + y at x = 2, 1, 0, -1 (y = 2): the pole is the third point, x = 0
    done = CliRunner().invoke(app, ["grad", "1/x^2 + y", "--at", "x=2:-1:4,y=2"])
    assert "f has no derivative at 1 of the points (the first at x=0, y=2)" in \
        " ".join(done.output.split())


def test_many_points_adjoints_are_per_point_and_null_at_the_pole():
    # d = 1/x^2 + y at x = -1, 0, 1 (y = 1): ∂d/∂x = -2/x^3 = 2, -, -2; every adjoint of
    # c, y, d is 1 where f has a value. They were one 1.0 for all points, and x's was 0 at 0
    done = CliRunner().invoke(app, ["grad", "c = 1/x^2; d = c + y", "--at", "x=-1:1:3,y=1",
                                    "--method", "reverse", "--json"])
    nodes = json.loads(done.output)["results"]["reverse"]["details"]["nodes"]
    assert nodes["x"]["adjoint"] == [2.0, None, -2.0]
    assert nodes["c"]["adjoint"] == nodes["y"]["adjoint"] == nodes["d"]["adjoint"] == \
        [1.0, None, 1.0]


def test_many_points_say_the_agreement_column_is_the_worst_point():
    # over x = 1, 2, 3 the column holds one number for all points: the worst one's error
    many = CliRunner().invoke(app, ["grad", "x^3", "--at", "x=1:3:3", "--method", "all"])
    one = CliRunner().invoke(app, ["grad", "x^3", "--at", "x=2", "--method", "all"])
    assert "vs reverse (worst point)" in many.output
    assert "vs reverse" in one.output and "worst point" not in one.output


def test_a_graph_too_big_to_check_says_its_derivatives_may_not_exist():
    # 1/a^2 with a = x + 0*x + ... (25,000 additions) at x = 0: a pole, but past the 20,000
    # operations the exact pass takes. The sweep's strong zero gave 0 with no word of doubt
    program = "\n".join(["a0 = x"] + [f"a{k + 1} = a{k} + 0*x" for k in range(25_000)]
                         + ["f = 1/a25000^2"])
    got = diffx.grad(program, at={"x": 0.0}, method="reverse")
    assert got["x"] == 0.0  # left as computed, and said
    said = " ".join(got.warnings)
    assert "f's value is inf at this point, not checked in exact arithmetic (the program has " \
        "25,003 operations, more than the 20,000 checked)" in said and "no derivative exists" in said
    many = diffx.grad(program, at={"x": [-1.0, 0.0, 1.0]}, method="reverse")
    assert many["x"].tolist() == [2.0, 0.0, -2.0]  # d/dx x^-2 = -2/x^3 away from the pole
    assert any("not finite at 1 point not checked in exact arithmetic (the program has"
               in w for w in many.warnings)
    from diffx.check import check

    report = check(program, at={"x": 0.0})
    assert not report.passed and any("not checked in exact arithmetic" in w
                                     for w in report.warnings)
    away = diffx.grad(program, at={"x": 2.0}, method="reverse")  # f = 1/4: nothing to say
    assert away["x"] == -0.25 and not any("exact arithmetic" in w for w in away.warnings)


def test_a_vector_check_at_a_pole_says_there_is_nothing_to_check():
    # y = sum(1/(x*x)) at x = [0, 1]: f = inf, a pole in x[0]: no gradient exists. The check
    # compared nan with nan, called it a relative error of 1.0 and "off by" it
    done = CliRunner().invoke(app, ["check", "y = sum(1/(x*x))", "--at", "x=[0,1]"])
    text = " ".join(done.output.split())
    assert done.exit_code == 1 and "x (2,) no derivative" in text
    assert "FAIL: f has no derivative at this point" in text and "off by" not in text
    data = json.loads(CliRunner().invoke(app, ["check", "y = sum(1/(x*x))", "--at", "x=[0,1]",
                                               "--json"]).stdout)
    assert data["passed"] is False and data["no_derivative"].startswith("f has no derivative")
    assert data["advice"] == [] and data["sweep"] is None
    # away from the pole: ∂y/∂x = -2/x^3 = [-0.25, -2] at [2, 1]
    away = json.loads(CliRunner().invoke(app, ["check", "y = sum(1/(x*x))", "--at", "x=[2,1]",
                                               "--json"]).stdout)
    assert away["passed"] is True and "no_derivative" not in away
    assert away["inputs"][0]["reverse"] == [-0.25, -2.0]


def test_many_points_say_how_many_each_cell_shows():
    many = CliRunner().invoke(app, ["grad", "x^2", "--at", "x=1:5:5", "--method", "reverse"])
    # d/dx x^2 = 2x at 1, 2, 3 (of 5); the count is said once, under the table, not per cell
    assert "│ [2, 4, 6, …] │" in many.output and "…] (5 points) │" not in many.output
    assert "each cell shows the first 3 of 5 points; --json gives every one" in many.output
    few = CliRunner().invoke(app, ["grad", "x^2", "--at", "x=1:3:3", "--method", "reverse"])
    assert "│ [2, 4, 6] │" in few.output and "each cell shows" not in few.output


def test_inputs_not_finite_at_the_same_points_are_said_together():
    # 1/x^2 + y at x = 2, 1, 0, -1: both derivatives are nan at x = 0 (no derivative there)
    out = CliRunner().invoke(app, ["grad", "1/x^2 + y", "--at", "x=2:-1:4,y=2"],
                             env={"COLUMNS": "200"}).output
    assert "not finite: x, y at 1 of 4 points" in out
