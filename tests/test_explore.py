"""swell, compare and check: the lecture's table, the accuracy figures, failing checks fail."""

import json
import math

import numpy as np
import pytest
import sympy
from conftest import LOGISTIC_LEAST_SQUARES as LLS
from conftest import LOGISTIC_LEAST_SQUARES_AT as LLS_AT

import diffx
from diffx.check import check, symmetric_relative_error as relative_error
from diffx.cli import app
from diffx.compare import compare
from diffx.swell import OVER, SKIPPED, lecture_form, swell

SQUIRE_TRAPP = "exp(x)/sqrt(sin(x)^3 + cos(x)^3)"
SQUIRE_TRAPP_DERIVATIVE = 4.053427893898621  # Squire and Trapp's f'(1.5)

LECTURE_TABLE = {  # seed 003, as the notes print it (n = 2 written 4 - 8x there)
    1: "1",
    2: "4(1 - 2x)",
    3: "16(1 - 10x + 24x^2 - 16x^3)",
    4: "64(1 - 42x + 504x^2 - 2640x^3 + 7040x^4 - 9984x^5 + 7168x^6 - 2048x^7)",
}


def test_swell_reproduces_the_lecture_table():
    table = swell("logistic", n="1..4")
    assert {r.n: r.formula for r in table.rows} == LECTURE_TABLE
    x = sympy.Symbol("x")
    assert sympy.expand(4 - 8 * x - 4 * (1 - 2 * x)) == 0  # the notes write n = 2 as 4 - 8x


@pytest.mark.parametrize("family, base", [("logistic", 2), ("logistic-expanded", 3)])
def test_route_counts_grow_as_the_notes_say(family, base):
    table = swell(family, n="1..7", formulas=False)
    assert [r.routes for r in table.rows] == [base ** (n - 1) for n in range(1, 8)]
    assert [r.dag_nodes for r in table.rows][1:] == sorted(r.dag_nodes for r in table.rows[1:])


def test_tree_sizes_are_counted_over_the_dag():
    table = swell("logistic", n=[30], formulas=False, budget=0.5)
    row = table.rows[0]
    assert row.tree_nodes > 2**30 and row.dag_nodes == 3 * 29 + 3
    assert row.diff_seconds == OVER  # sympy.diff walks a tree of 2**31 nodes: over budget


def test_an_over_budget_column_is_not_attempted_again():
    table = swell("logistic", n="8..13", budget=0.05, formulas=False)
    seen_over = False
    for column in ("diff_seconds", "count_ops", "cse_ops", "expanded_ops"):
        cells = [getattr(r, column) for r in table.rows]
        if OVER in cells:
            seen_over = True
            assert all(c == SKIPPED for c in cells[cells.index(OVER) + 1:]), column
    assert seen_over  # 50 ms is too little for sympy at n = 13 (about a second here)


def test_product_family_has_n_inputs_and_a_single_expression_works():
    table = swell("product", n=[5], formulas=False)
    # the numeric method's own count (central differences with the 2h error check: 4 per
    # input and one at the point), not a formula of swell's that disagreed with grad
    numeric = diffx.grad(table.rows[0].source, at={f"x{k}": 0.3 for k in range(1, 6)},
                         method="numeric")
    assert table.rows[0].inputs == 5
    assert table.rows[0].numeric_evaluations == numeric.cost["evaluations"]
    single = swell("exp(exp(exp(x)))")
    assert single.rows[0].n is None and single.rows[0].routes == 1
    with pytest.raises(diffx.DiffxError, match="^n goes with a family"):
        swell("sin(x)", n="1..3")


def test_lecture_form_keeps_the_common_factor_outside():
    x = sympy.Symbol("x")
    assert lecture_form(sympy.expand(16 * (1 - 10 * x + 24 * x**2 - 16 * x**3)), x) == \
        "16(1 - 10x + 24x^2 - 16x^3)"


def test_compare_reaches_the_accuracy_of_each_scheme():
    c = compare(SQUIRE_TRAPP, at={"x": 1.5})
    exact = SQUIRE_TRAPP_DERIVATIVE

    def rel(label):
        return abs(c.row(label).gradient["x"] - exact) / exact

    assert rel("numeric central") <= 1e-9
    assert rel("numeric richardson") <= 1e-12
    assert rel("numeric complex") <= 1e-14
    assert rel("symbolic") <= 1e-15 and rel("reverse") <= 1e-15
    assert rel("numeric forward") > rel("numeric central")  # first order is worse
    assert 5 <= c.row("numeric central").evaluations <= 9  # 1 + 2 per step tried (adaptive)


def test_compare_reports_a_refused_variant():
    c = compare("abs(x)*y", at={"x": 1.5, "y": 2})
    assert "not complex-analytic" in c.row("numeric complex").error
    assert c.row("reverse").relative_error == 0


def test_check_passes_right_claims_and_fails_wrong_ones():
    right = check(LLS, at=LLS_AT, claims=["w = (y - t)*y*(1 - y)*x", "b = (y - t)*y*(1 - y)"])
    assert right.passed and all(c.error < 1e-9 for c in right.inputs)
    wrong = check(LLS, at=LLS_AT, claims=["w = (y - t)*y*x", "b = (y - t)*y*(1 - y)"])
    assert not wrong.passed and wrong.worst == "w"
    assert "the gradient is likely wrong" in wrong.advice[0]


def test_check_without_claims_compares_reverse_with_central():
    r = check(LLS, at=LLS_AT)
    assert r.passed and {c.name for c in r.inputs} == {"b", "t", "w", "x"}


def test_check_plain_python_callables():
    def f(x):
        return math.sin(x[0]) * x[1] ** 2

    def good(x):
        return [math.cos(x[0]) * x[1] ** 2, 2 * math.sin(x[0]) * x[1]]

    def bad(x):
        return [math.cos(x[0]) * x[1] ** 2, math.sin(x[0]) * x[1]]

    assert check(f, good, at=[0.3, 2.0]).passed
    report = check(f, bad, at=np.array([0.3, 2.0]))
    assert not report.passed and report.worst == "x[1]"
    assert "x[1]" in report.advice[0] and "central differences say" in report.advice[0]
    assert check(lambda a, b: a * b, lambda a, b: {"a": b, "b": a}, at={"a": 2, "b": 3}).passed


def test_the_sweep_is_v_shaped():
    r = check(LLS, at=LLS_AT, sweep=True)
    errors = [p.error for p in r.sweep]
    best = errors.index(min(errors))
    assert 0 < best < len(errors) - 1  # truncation on one side, round-off on the other
    assert errors[0] > 100 * errors[best] and errors[-1] > 100 * errors[best]
    assert 1e-8 <= r.best_step <= 1e-3


def test_relative_error_definition():
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(1.0, 3.0) == 0.5
    assert relative_error(float("nan"), 1.0) == 1.0


def test_cli_commands(runner, tmp_path):
    res = runner.invoke(app, ["swell", "logistic", "--n", "1..4", "--formulas"])
    assert res.exit_code == 0, res.output
    assert "16(1 - 10x + 24x^2 - 16x^3)" in res.output
    res = runner.invoke(app, ["swell", "logistic", "--n", "1..3", "--json"])
    assert [r["routes"] for r in json.loads(res.output)["rows"]] == [1, 2, 4]
    res = runner.invoke(app, ["swell", "product", "--n", "2,3", "--csv"])
    assert res.output.splitlines()[0].startswith("n,inputs,dag_nodes")
    res = runner.invoke(app, ["swell", "logistic", "--n", "1..4", "--plot",
                              str(tmp_path / "swell.png")])
    assert res.exit_code == 0 and (tmp_path / "swell.png").read_bytes()[:4] == b"\x89PNG"
    res = runner.invoke(app, ["compare", SQUIRE_TRAPP, "--at", "x=1.5", "--json"])
    rows = {(r["method"], r["variant"]): r for r in json.loads(res.output)["rows"]}
    assert rows[("numeric", "complex")]["relative_error"] <= 1e-14
    res = runner.invoke(app, ["check", LLS, "--at", "w=0.8,x=1.5,b=-0.3,t=1",
                              "--claim", "w = (y - t)*y*(1 - y)*x"])
    assert res.exit_code == 0 and "PASS" in res.output
    res = runner.invoke(app, ["check", LLS, "--at", "w=0.8,x=1.5,b=-0.3,t=1",
                              "--claim", "w = (y - t)*y*x", "--sweep", "--plot",
                              str(tmp_path / "sweep.png")])
    assert res.exit_code == 1 and "FAIL" in res.output and "← best" in res.output
    assert (tmp_path / "sweep.png").exists()
    res = runner.invoke(app, ["check", LLS, "--at", "w=0.8,x=1.5,b=-0.3,t=1",
                              "--claim", "q = 1"])
    assert res.exit_code == 2 and "not an input" in res.output
    res = runner.invoke(app, ["check", LLS, "--at", "w=0.8,x=1.5,b=-0.3,t=1",
                              "--claim", "w = y*zz"])
    assert res.exit_code == 2 and "'zz'" in res.output


def test_plots_say_how_to_install_matplotlib(runner, monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    res = runner.invoke(app, ["swell", "logistic", "--n", "1..2", "--plot",
                              str(tmp_path / "s.png")])
    assert res.exit_code == 2 and "pip install 'diffx[plot]'" in res.output
