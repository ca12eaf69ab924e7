"""swell and tree counts: structural DAG counts, the method's own costs, huge counts, errors."""

import json
import math
import time

import mpmath
import pytest
import sympy
from conftest import logistic_program

import diffx
from diffx.counts import Huge, big_count, structural_sizes, tree_count, tree_size
from diffx.swell import swell
from diffx.sym import symbols, to_sympy


def _derivative(n):
    g = diffx.parse(logistic_program(n))
    return sympy.diff(to_sympy(g)[g.output], symbols(g)["x"])


@pytest.mark.parametrize("n", [2, 4, 7])
def test_structural_sizes_match_sympys_own_traversal(n):
    d = _derivative(n)
    walk = list(sympy.preorder_traversal(d))  # the tree itself: small enough at these n
    assert structural_sizes(d) == (len(set(walk)), len(walk))


def test_equal_subexpressions_built_apart_count_once():
    x = sympy.Symbol("x")
    a = sympy.Add(sympy.sin(x), 1)
    b = sympy.Add(1, sympy.sin(x))  # equal, another object (sympy caches by argument order)
    assert a is not b and a == b
    expr = sympy.Mul(a, sympy.Pow(b, 2, evaluate=False), evaluate=False)
    # distinct: x, sin(x), 1, sin(x) + 1, 2, (sin(x) + 1)^2, the product
    assert structural_sizes(expr) == (7, 1 + 4 + (1 + 4 + 1))


def test_the_d_dag_column_does_not_depend_on_the_range_asked_for():
    # a budget no loaded machine reaches: the counts, not the clock, are under test
    seen = {r: swell("logistic", n=r, formulas=False, budget=300).rows[-1]
            for r in ("8", "1..8", "5..8", "3,8")}
    assert {row.derivative_dag for row in seen.values()} == {72}
    assert {row.derivative_tree for row in seen.values()} == {10946}


def test_swell_counts_evaluations_as_the_numeric_method_does():
    table = swell("product", n=[3, 6], formulas=False, budget=5)
    for row in table.rows:
        point = {f"x{k}": 0.3 for k in range(1, row.n + 1)}
        assert row.numeric_evaluations == diffx.grad(row.source, at=point,
                                                     method="numeric").cost["evaluations"]
    row = swell("logistic", n=[4], formulas=False).rows[0]
    assert row.numeric_evaluations == diffx.grad(row.source, at={"x": 0.3},
                                                 method="numeric").cost["evaluations"]


def test_a_misspelt_family_is_an_error_with_the_name_meant():
    with pytest.raises(diffx.DiffxError, match="did you mean 'logistic'"):
        swell("logisitc")
    with pytest.raises(diffx.DiffxError, match="did you mean 'sigmoid-chain'"):
        swell("sigmoid", budget=1)
    assert swell("x*y", budget=2).rows[0].inputs == 2  # an expression is still measured


def test_a_bad_plot_path_fails_before_any_measuring(tmp_path, monkeypatch):
    import importlib

    _swell = importlib.import_module("diffx.swell")

    def never(*args, **kw):
        raise AssertionError("measured before the plot path was checked")

    monkeypatch.setattr(_swell, "_measure", never)
    for bad, says in ((tmp_path, "is a folder"), (tmp_path / "plot", "no extension"),
                      (tmp_path / "plot.jpg", "'.jpg'"), (tmp_path / "no" / "p.png",
                                                           "does not exist")):
        with pytest.raises(diffx.DiffxError, match=says):
            diffx.swell("logistic", n="1..3", plot=bad)


def test_tree_counts_are_exact_then_logarithmic():
    g = diffx.parse(logistic_program(5))  # T1 = 1, T(k+1) = 2 T(k) + 5
    assert tree_count(g) == (6 * 2**4 - 5, pytest.approx(math.log10(91)))
    chain = "; ".join(["y1 = x*x"] + [f"y{k + 1} = y{k}*y{k}" for k in range(1, 6000)])
    exact, log10 = tree_count(diffx.parse(chain))  # T(k) = 2^(k+1) - 1
    assert exact is None
    want = mpmath.log10(mpmath.mpf(2) ** 6001 - 1)
    assert log10 == pytest.approx(float(want), rel=1e-12)


def test_counts_past_pythons_str_limit_print():
    assert big_count(2**20000) == "≈ 3.98e6020"  # mpmath: 2^20000 = 3.98027684e6020
    assert big_count(123_456) == "123,456" and big_count(None, 2.0) == "≈ 1.00e2"
    h = Huge(5000.0913)
    assert f"{h:,}" == str(h) == "≈ 1.23e5000" and h > 10**4999


def test_swell_of_a_tree_past_4300_digits_prints_everything():
    # sympy's columns are not the subject here: they run into their 1 s budget
    chain = "; ".join(["y1 = x*x"] + [f"y{k + 1} = y{k}*y{k}" for k in range(1, 15000)])
    table = swell(chain, budget=1)
    row = table.rows[0]
    assert str(row.tree_nodes) == "≈ 5.64e4515"  # 2^15001 - 1
    from rich.console import Console

    from diffx.present.tables import print_swell, swell_csv

    print_swell(table, Console(file=open("/dev/null", "w"), width=200))
    assert "≈ 5.64e4515" in swell_csv(table)
    from diffx.present.as_json import dumps

    assert json.loads(dumps({"rows": [r.as_dict() for r in table.rows]}))["rows"][0][
        "tree_nodes"] == "≈ 5.64e4515"


def test_a_tree_picture_is_refused_from_the_counts_before_any_formula(monkeypatch):
    from diffx import route_formulas as _formulas

    def never(*args, **kw):
        raise AssertionError("formulas built before the size was checked")

    monkeypatch.setattr(_formulas, "Formulas", never)
    start = time.perf_counter()
    with pytest.raises(diffx.DiffxError, match=r"as a tree this expression has ≈ 4\.54e1806"):
        diffx.render(logistic_program(6000), at={"x": 0.3}, wrt="x", tree=True)
    with pytest.raises(diffx.DiffxError, match="as a tree this expression has 91 nodes"):
        diffx.render(logistic_program(5), tree=True, max_nodes=90)
    assert time.perf_counter() - start < 10
    assert tree_size(diffx.parse(logistic_program(3))) == 19


def test_a_plot_of_counts_past_float_range_is_drawn(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import importlib

    monkeypatch.setattr(importlib.import_module("diffx.swell"), "_symbolic", lambda *a: None)
    chain = "; ".join(["y1 = x*x"] + [f"y{k + 1} = y{k}*y{k}" for k in range(1, 5000)])
    path = tmp_path / "swell.png"
    table = diffx.swell(chain, budget=1, plot=path)
    assert table.rows[0].routes is None and table.rows[0].routes_log10 > 1000
    assert path.stat().st_size > 1000
