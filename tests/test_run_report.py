"""The runner (diffx.methods.run): grad_all and compare run through it and return one Report
type, errors against a reference have one definition, and a failed method says its kind."""

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

import diffx
from diffx import methods
from diffx.check import symmetric_relative_error
from diffx.compare import compare
from diffx.errors import OptionError
from diffx.result import Report, errors_against_reference

LABELS = ("symbolic", "numeric forward", "numeric backward", "numeric central",
          "numeric richardson", "numeric complex", "reverse", "forward")

ROOT = Path(__file__).resolve().parent.parent / "diffx"


def test_errors_against_reference_by_hand():
    assert errors_against_reference(1.5, 2.0) == (0.5, 0.25)
    assert errors_against_reference(-3.0, 0.0) == (3.0, 3.0)  # reference 0: the absolute error
    assert errors_against_reference(2.0, 2.0) == (0.0, 0.0)
    for bad in (math.nan, math.inf):
        assert all(math.isnan(e) for e in errors_against_reference(bad, bad))  # no agreement
    assert all(math.isnan(e) for e in errors_against_reference("2*x", 1.0))  # not a number
    assert errors_against_reference(3 + 4j, 0j) == (5.0, 5.0)
    a, r = errors_against_reference(np.array([1.0, 3.0, np.inf]), np.array([2.0, 2.0, 1.0]))
    assert a[:2].tolist() == [1.0, 1.0] and r[:2].tolist() == [0.5, 0.5]
    assert math.isnan(a[2]) and math.isnan(r[2])


def test_the_two_error_formulas_have_two_names():
    # check's symmetric |a-b|/(|a|+|b|) and the error against a reference |a-b|/|b| differ
    assert symmetric_relative_error(1.0, 3.0) == 0.5
    assert errors_against_reference(1.0, 3.0) == (2.0, 2 / 3)


def test_compare_is_a_report_of_labelled_variants():
    c = compare("sin(x)", at={"x": 1.0})
    assert type(c) is Report and c.made_by == "compare"
    assert list(c.results) == list(LABELS) and c.reference == "symbolic"
    assert [r.label for r in c.rows] == list(LABELS)
    assert c.results["numeric richardson"].details.scheme == "richardson"
    forward = c.row("numeric forward")
    assert (forward.method, forward.variant) == ("numeric", "forward")
    want = abs(forward.gradient["x"] - math.cos(1.0))  # symbolic is cos(1) to the last bit
    assert c.absolute_errors["numeric forward"]["x"] == pytest.approx(want, rel=1e-6)
    assert forward.relative_error == pytest.approx(want / math.cos(1.0), rel=1e-6)
    assert 1e-10 < forward.relative_error < 1e-6  # first order: about sqrt(eps)
    assert c.row("symbolic").relative_error == 0.0  # the reference against itself


def test_compare_and_grad_all_measure_alike():
    # the same variant measured against the same reference gives the same numbers either way
    c = compare("exp(x)*y", at={"x": 0.5, "y": 2.0})
    r = diffx.grad_all("exp(x)*y", at={"x": 0.5, "y": 2.0}, reference="symbolic",
                       methods=["symbolic", "numeric"],
                       options={"numeric": {"scheme": "richardson"}})
    assert type(r) is type(c) and r.made_by == "grad_all" and r.reference == "symbolic"
    assert r.results["numeric"].gradient == c.results["numeric richardson"].gradient
    assert r.relative_errors["numeric"] == c.relative_errors["numeric richardson"]
    assert r.absolute_errors["numeric"] == c.absolute_errors["numeric richardson"]


def test_compare_falls_back_to_reverse_and_says_so():
    c = compare("abs(x)", at={"x": 1.0}, reference="numeric complex")
    assert c.reference == "reverse"
    assert any("errors are measured against reverse instead" in w for w in c.warnings)
    assert c.row("symbolic").relative_error == 0.0  # d|x|/dx = 1 at 1, measured against 1


def test_compare_names_its_labels_for_a_bad_reference():
    with pytest.raises(OptionError, match="choose one of symbolic, numeric forward"):
        compare("x", at={"x": 1.0}, reference="numeric")


def test_a_failed_method_says_its_kind(monkeypatch):
    r = diffx.grad_all("x*y", methods=["numeric", "reverse"])  # no point: numeric cannot run
    assert r.results["numeric"].error_kind == "usage" and r.results["reverse"].error_kind is None
    assert r.results["numeric"].details.as_json() == {}  # a failed method records nothing

    def broken(graph, wrt, point, arrays, **options):
        raise ZeroDivisionError("a defect")

    monkeypatch.setitem(methods.REGISTRY, "forward",
                        methods.Method("forward", broken, {}, "broken for the test"))
    r = diffx.grad_all("x^2", at={"x": 2.0}, methods=["forward", "reverse"])
    assert r.results["forward"].error_kind == "internal"
    assert "internal error in the forward method: ZeroDivisionError" in r.results["forward"].error
    assert r.results["reverse"].gradient == {"x": 4.0}  # the others still ran

    def out_of_time(graph, wrt, point, arrays, **options):
        raise methods.MethodError("timed out after 1 s", usage=False)

    monkeypatch.setitem(methods.REGISTRY, "symbolic",
                        methods.Method("symbolic", out_of_time, {}, "slow for the test"))
    r = diffx.grad_all("x^2", at={"x": 2.0})
    assert r.results["symbolic"].error_kind == "unfinished"
    assert r.reference == "reverse" and r.relative_errors["numeric"]["x"] < 1e-9


def test_the_cli_reads_the_error_kind(runner):
    from diffx.cli import app

    res = runner.invoke(app, ["grad", "x*y", "--method", "numeric"])
    assert res.exit_code == 2 and "needs a point" in res.output  # a usage error
    res = runner.invoke(app, ["grad", "x*y", "--json"])
    numeric = json.loads(res.output)["results"]["numeric"]
    assert numeric["error_kind"] == "usage" and "usage_error" not in numeric["details"]


def test_presenters_read_errors_and_never_compute_them():
    for path in (ROOT / "present").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
            {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert not names & {"errors_against_reference", "_errors", "relative_error"}, path
        assert "diffx.compare" not in path.read_text(encoding="utf-8").replace(
            "from ..compare", "diffx.compare"), path


def test_a_method_registered_with_variants_gets_its_rows_in_compare(monkeypatch):
    # adding a method is one module: its registration alone puts it in compare's rows
    from diffx.methods import base
    from diffx.methods.base import REGISTRY, register

    monkeypatch.setattr(base, "REGISTRY", dict(REGISTRY))
    import sys

    monkeypatch.setattr(sys.modules["diffx.compare"], "REGISTRY", base.REGISTRY)

    @register("twice", {"factor": 2.0}, "a made-up method", variants=({"factor": 2.0},
                                                                      {"factor": 3.0}))
    def run(graph, wrt, point, arrays, evaluated, factor):
        g = diffx.grad(graph, at=point, wrt=list(wrt))
        g.method = "twice"
        g.gradient = {w: factor * v for w, v in g.gradient.items()}
        return g

    c = compare("x^2", at={"x": 3})
    assert [r.label for r in c.rows][-2:] == ["twice 2.0", "twice 3.0"]
    assert c.row("twice 3.0").gradient == {"x": 18.0}  # 3 · 2x at x = 3
    assert c.row("twice 2.0").relative_error == pytest.approx(1.0)  # 12 against 6
