"""Each method's details are a typed record (diffx.details) that says how to show itself: a new
method plugs into the table, the JSON and compare's "built" column with its own record, and
no presenter asks for a method by name."""

import ast
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

import diffx
from diffx import methods
from diffx.details import Details, NumericDetails, SweepDetails, SymbolicDetails
from diffx.present.as_json import report_json
from diffx.present.gradient_table import print_report
from diffx.present.text import count, number

ROOT = Path(__file__).resolve().parent.parent / "diffx"


def test_each_method_has_its_record():
    at = {"a": 1.0, "b": 2.0}
    sym = diffx.grad("a*(a+b)", at=at, method="symbolic").details
    num = diffx.grad("a*(a+b)", at=at, method="numeric", scheme="forward").details
    rev = diffx.grad("a*(a+b)", at=at, method="reverse").details
    fwd = diffx.grad("a*(a+b)", at=at, method="forward").details
    assert isinstance(sym, SymbolicDetails) and isinstance(num, NumericDetails)
    assert isinstance(rev, SweepDetails) and isinstance(fwd, SweepDetails)
    assert num.scheme == "forward" and set(num.step) == {"a", "b"}
    # a*(a+b): a reaches the output by two routes (directly, and through a+b), b by one
    assert rev.routes == {"a": 2, "b": 1}
    assert fwd.routes is None and fwd.route_listing is None  # not computed: None


def test_the_summary_words_each_cost_as_the_table_did():
    at = {"a": 1.0, "b": 2.0}
    rev = diffx.grad("a*(a+b)", at=at, method="reverse")
    # forward: a+b and the product (2 ops); backward: one multiply-add per edge (4 edges)
    assert rev.details.summary(rev.cost, number, count) == "2+4 ops, 3 routes"
    num = diffx.grad("x^2", at={"x": 3.0}, method="numeric", step=0.5, estimate=False)
    assert num.details.summary(num.cost, number, count) == "3 evals (central h=0.5)"
    sym = diffx.grad("x*y", method="symbolic")  # d/dx = y, d/dy = x: no ops, trees of 1 node
    assert sym.details.summary(sym.cost, number, count) == "formulas: 0 ops, tree ≤ 1"
    fwd = diffx.grad("x*y", at={"x": 1, "y": 2}, method="forward")
    assert fwd.details.summary(fwd.cost, number, count) == \
        f"evaluations 1, operations {fwd.cost['operations']}, sweeps 2"


def test_a_failed_method_records_nothing():
    r = diffx.grad_all("x*y", methods=["numeric"])  # numeric needs a point
    d = r.results["numeric"].details
    assert type(d) is Details and d.as_json() == {} and d.built(r.graph) == ""


@dataclass
class _CountedDetails(Details):
    """A made-up method's record: how many times it 'looked'."""

    looks: int | None = None

    def summary(self, cost, number, count):
        return f"looked {self.looks} times"

    def built(self, graph):
        return f"{self.looks} looks"


def _looker(graph, wrt, point, arrays, evaluated=None, **options):
    result = methods.new_result("looker", graph, wrt, point)
    result.gradient = {w: 2.0 * point[w] for w in wrt}  # right for x^2 only (the test's case)
    result.value = point["x"] ** 2
    result.details = _CountedDetails(looks=7)
    return result


def test_a_new_method_plugs_in_with_its_record_alone(monkeypatch):
    monkeypatch.setitem(methods.REGISTRY, "looker",
                        methods.Method("looker", _looker, {}, "a made-up method"))
    report = diffx.grad_all("x^2", at={"x": 3.0}, methods=["looker", "reverse"])
    out = io.StringIO()
    print_report(report, Console(file=out, width=200, color_system=None))
    assert "looked 7 times" in out.getvalue()
    data = json.loads(report_json(report, report.graph))
    assert data["results"]["looker"]["details"] == {"looks": 7}
    assert report.row("looker").built == "7 looks"
    # the point-level warnings reach it too (x^2 at 3: none), and its gradient is measured
    assert report.results["looker"].warnings == [] and report.row("looker").relative_error == 0


def test_chunks_drop_each_records_bulk(monkeypatch):
    from diffx.methods import run

    monkeypatch.setattr(run, "CHUNK_VALUES", 12)  # "x^2": 3 nodes, 4 points per chunk
    num = diffx.grad("x^2", at={"x": "0:1:10"}, method="numeric")
    assert num.details.as_json() == {"scheme": "central", "chunks": 3}
    rev = diffx.grad("x^2", at={"x": "0:1:10"}, method="reverse")
    assert rev.details.values is None and rev.details.chunks == 3
    assert rev.details.as_json() == {"routes": {"x": 1}, "routes_log10": {"x": 0.0},
                                     "chunks": 3}


def test_no_presenter_asks_for_details_by_method_name():
    """The presenters, the CLI, the picture model and the result types read details through
    the record's attributes and methods: no method-name comparison beside a details read."""
    files = [*(ROOT / "present").glob("*.py"), *(ROOT / "cli").glob("*.py"),
             ROOT / "picture.py", ROOT / "result.py", ROOT / "compare.py", ROOT / "methods" / "run.py"]
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) \
                    and node.left.attr == "method":
                pytest.fail(f"{f.name}:{node.lineno} compares a method's name")
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "details":
                pytest.fail(f"{f.name}:{node.lineno} reads details by key")


def test_a_count_past_the_exact_range_is_written_as_a_number_is():
    """2^100000 routes (the logistic map at 10^5 steps) as mpmath writes 2^100000."""
    import math

    import mpmath

    mpmath.mp.dps = 15
    want = mpmath.nstr(mpmath.mpf(2) ** 100000, 3)  # '9.99e+30102'
    mantissa, power = want.split("e+")
    assert count(None, 100000 * math.log10(2)) == f"≈ {mantissa} × 10^{power}"
    assert count(None, 20.0) == "≈ 1 × 10^20" and count(None, -math.inf) == "0"
