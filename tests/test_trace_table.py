"""Trace tables: Baydin et al.'s Tables 2 and 3 and the lecture's route-sum example cell by
cell (values derived by hand, checked in mpmath), every output format, the errors, and a
property: on random programs every row is the sum its terms say, the input adjoints are the
reverse method's gradient and the output's tangent is forward mode's derivative."""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import mpmath
import pytest
from conftest import expression_strategy, invoke, strict_json
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import diffx
from diffx.present import trace as present
from diffx.trace_table import Partial, Sym

BAYDIN = "v1 = log(x1); v2 = x1*x2; v3 = sin(x2); v4 = v1 + v2; y = v4 - v3"
AT = {"x1": 2, "x2": 5}
REL = 1e-12  # the sweeps are float arithmetic; the hand-derived values are exact


def _nfc(text: str) -> str:
    """Text compared as composed characters (ẋ is one character or x and a combining dot)."""
    return unicodedata.normalize("NFC", text)


def _by_label(rows, table):
    return {table.labels[r.node].name: r for r in rows}


@pytest.fixture(scope="module")
def survey():
    return diffx.trace_table(BAYDIN, at=AT, numbering="survey")


def test_baydin_table_2_primal_trace(survey):
    mp = mpmath.mp
    mp.dps = 30
    ln2, sin5 = mpmath.log(2), mpmath.sin(5)
    expected = {"v-1": 2, "v0": 5, "v1": ln2, "v2": 10, "v3": sin5, "v4": ln2 + 10,
                "v5": ln2 + 10 - sin5}
    rows = _by_label(survey.primal, survey)
    assert list(rows) == list(expected)
    for label, value in expected.items():
        assert rows[label].value == pytest.approx(float(value), rel=REL), label
    shown = [present.number(r.value) for r in survey.primal]
    assert shown == ["2", "5", "0.693", "10", "-0.959", "10.693", "11.652"]
    assert survey.names[survey.output] == "y" and survey.output_name == "y"


def test_baydin_table_2_tangent_trace(survey):
    # ẋ1 = 1: v̇1 = 1/2, v̇2 = ẋ1·x2 = 5, v̇3 = 0, v̇4 = v̇5 = 5.5
    rows = _by_label(survey.tangent, survey)
    expected = {"v-1": 1, "v0": 0, "v1": 0.5, "v2": 5, "v3": 0, "v4": 5.5, "v5": 5.5}
    assert {k: r.value for k, r in rows.items()} == expected
    assert survey.seed == "x1" and survey.derivative == 5.5
    v2 = rows["v2"]  # v̇2 = v̇-1 × v0 + v̇0 × v-1
    assert [(survey.labels[t.arg].name, t.partial, t.flow, t.partial_value) for t in v2.terms] \
        == [("v-1", (Sym(survey.input_nodes["x2"]),), 1.0, 5.0),
            ("v0", (Sym(survey.input_nodes["x1"]),), 0.0, 2.0)]


def test_baydin_table_3_adjoint_trace(survey):
    rows = _by_label(survey.adjoint, survey)
    assert list(rows) == ["v5", "v4", "v3", "v2", "v1", "v0", "v-1"]  # reverse order
    cos5 = float(mpmath.cos(5))
    expected = {"v5": 1, "v4": 1, "v3": -1, "v2": 1, "v1": 1, "v0": 2 - cos5, "v-1": 5.5}
    for label, value in expected.items():
        assert rows[label].value == pytest.approx(value, rel=REL), label
    # v̄0 = v̄2 ∂v2/∂v0 + v̄3 ∂v3/∂v0 = v̄2 × v-1 + v̄3 × cos v0
    terms = rows["v0"].terms
    assert [survey.labels[t.child].name for t in terms] == ["v2", "v3"]
    assert [t.flow for t in terms] == [1.0, -1.0]
    assert terms[0].partial_value == 2.0
    assert terms[1].partial_value == pytest.approx(cos5, rel=REL)
    assert survey.gradient["x1"] == 5.5
    assert survey.gradient["x2"] == pytest.approx(2 - cos5, rel=REL)
    assert present.number(survey.gradient["x2"]) == "1.716"


def test_baydin_markdown_rows(survey):
    text = _nfc(present.markdown(survey))
    for row in ("| v₁ | log(v₋₁) | 0.693 |",
                "| y | v₅ | 11.652 |",
                "| v̇₋₁ | ẋ1 |  | 1 |",
                "| v̇₂ | v̇₋₁ ∂v₂/∂v₋₁ + v̇₀ ∂v₂/∂v₀ | v̇₋₁ × v₀ + v̇₀ × v₋₁ | 5 |",
                "| v̄₅ | ȳ |  | 1 |",
                "| v̄₃ | v̄₅ ∂v₅/∂v₃ | v̄₅ × (-1) | -1 |",
                "| v̄₀ | v̄₂ ∂v₂/∂v₀ + v̄₃ ∂v₃/∂v₀ | v̄₂ × v₋₁ + v̄₃ × cos(v₀) | 1.716 |",
                "| v̄₋₁ | v̄₁ ∂v₁/∂v₋₁ + v̄₂ ∂v₂/∂v₋₁ | v̄₁ × 1/v₋₁ + v̄₂ × v₀ | 5.5 |",
                "| x̄1 | v̄₋₁ |  | 5.5 |",
                "| x̄2 | v̄₀ |  | 1.716 |"):
        assert _nfc(row) in text.splitlines(), row


def test_route_sum_example_in_the_programs_names():
    t = diffx.trace_table("c = a + b; d = a * c", at={"a": 4, "b": 3})
    assert [(t.labels[r.node].name, r.value) for r in t.primal] == \
        [("a", 4), ("b", 3), ("c", 7), ("d", 28)]
    assert [r.value for r in t.tangent] == [1, 0, 1, 11]  # seed a: ∂d/∂a = 2a + b = 11
    rows = _by_label(t.adjoint, t)
    assert {k: r.value for k, r in rows.items()} == {"d": 1, "c": 4, "b": 4, "a": 11}
    # ā = c̄ ∂c/∂a + d̄ ∂d/∂a = 4·1 + 1·c = 11: the two routes a→c→d and a→d
    a = rows["a"].terms
    assert [(t.labels[x.child].name, x.flow, x.partial_value) for x in a] == \
        [("c", 4.0, 1.0), ("d", 1.0, 7.0)]
    assert a[1].partial == (Sym(t.input_nodes["a"] + 2),)  # ∂d/∂a = c
    assert t.gradient == {"a": 11.0, "b": 4.0}
    seeded = diffx.trace_table("c = a + b; d = a * c", at={"a": 4, "b": 3}, seed="b")
    assert [r.value for r in seeded.tangent] == [0, 1, 1, 4] and seeded.derivative == 4


def test_unnamed_steps_get_fresh_names_and_repeated_edges_are_two_terms():
    t = diffx.trace_table("v1 = sin(x); v1 * x + x*x", at={"x": 3})
    labels = [t.labels[r.node].name for r in t.primal]
    assert labels == ["x", "v1", "v2", "v3", "f"]  # v2, v3: fresh, after the program's v1
    x = _by_label(t.adjoint, t)["x"]
    assert [(t.labels[term.child].name, term.position) for term in x.terms] == \
        [("v1", 0), ("v2", 1), ("v3", 0), ("v3", 1)]  # x*x: one term per edge
    exact = mpmath.cos(3) * 3 + mpmath.sin(3) + 6  # d/dx (x sin x + x^2)
    assert x.value == pytest.approx(float(exact), rel=REL)


@pytest.mark.parametrize("kwargs, message", [
    ({"at": {"x1": 2, "x2": 5}, "seed": "z"}, "'z' is not an input"),
    ({"at": {"x1": [1, 2], "x2": 5}}, "array of 2 points"),
    ({"at": None}, "needs a point"),
    ({"at": {"x1": 2, "x2": 5}, "numbering": "roman"}, "must be one of names, survey"),
])
def test_bad_requests_are_diffx_errors(kwargs, message):
    with pytest.raises(diffx.DiffxError, match=message):
        diffx.trace_table(BAYDIN, **kwargs)


def test_a_constant_program_needs_no_point():
    t = diffx.trace_table("2^3", at=None)
    assert [r.value for r in t.primal] == [8.0]
    assert t.tangent == [] and t.seed is None and t.derivative is None
    assert "no inputs" in present.markdown(t)


def test_one_point_as_a_one_row_array_is_one_point():
    t = diffx.trace_table(BAYDIN, at={"x1": [2.0], "x2": [5.0]})
    assert t.gradient["x1"] == 5.5


def test_latex_is_plain_balanced_tabulars(survey):
    text = present.latex(survey)
    assert text.isascii()
    assert text.count("\\begin{tabular}") == text.count("\\end{tabular}") == 3
    assert text.count("{") == text.count("}")
    for line in text.splitlines():
        if line.startswith("$"):
            assert line.count("$") % 2 == 0, line
            cells = line.count(" & ") + 1
            assert cells in (3, 4), line
    assert "$\\bar{v}_{0}$ & $= \\bar{v}_{2} \\partial v_{2}/\\partial v_{0}" in text
    assert "$\\bar{x}_{2}$ & $= \\bar{v}_{0}$ &  & $= 1.716$ \\\\" in text
    assert "$= 2^{x_{1}}$" in present.latex(diffx.trace_table("2^x1", at={"x1": 1}))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles(survey, tmp_path):
    doc = "\\documentclass{article}\\begin{document}\n" + present.latex(survey) + \
        "\n\\end{document}\n"
    (tmp_path / "t.tex").write_text(doc)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]


def test_json_is_strict_and_complete(survey):
    data = strict_json(present.as_json(survey))
    assert data["gradient"]["x1"] == 5.5 and data["derivative"] == 5.5
    assert [r["node"] for r in data["primal"]] == ["v-1", "v0", "v1", "v2", "v3", "v4", "v5"]
    v0 = next(r for r in data["adjoint"] if r["node"] == "v0")
    assert [t["child"] for t in v0["terms"]] == ["v2", "v3"]
    assert _nfc(v0["written"]) == _nfc("v̄₂ × v₋₁ + v̄₃ × cos(v₀)")
    bad = strict_json(present.as_json(diffx.trace_table("log(x) + x", at={"x": -1})))
    assert bad["value"] is None
    assert any("log needs a positive argument" in w for w in bad["warnings"])


def test_cli_reproduces_the_survey_and_refuses_bad_input():
    ok = invoke("trace", BAYDIN, "--at", "x1=2,x2=5", "--numbering", "survey", columns=200)
    assert ok.exit_code == 0, ok.output
    assert _nfc("x̄1 = 5.5   x̄2 = 1.716") in _nfc(ok.stdout) and "11.652" in ok.stdout
    as_json = invoke("trace", BAYDIN, "--at", "x1=2,x2=5", "--format", "json")
    assert strict_json(as_json.stdout)["gradient"]["x1"] == 5.5
    md = invoke("trace", "c = a + b; d = a * c", "--at", "a=4,b=3", "--format", "markdown",
                "--seed", "b")
    assert _nfc("| ḋ | ȧ ∂d/∂a + ċ ∂d/∂c | ȧ × c + ċ × a | 4 |") in _nfc(md.stdout)
    for args, message in ((["--seed", "z"], "error: --seed 'z' is not an input"),
                          (["--at", "x1=0:1:3,x2=1"], "error: a trace table shows one point"),
                          (["--json", "--format", "latex"], "ask for two outputs")):
        at = [] if "--at" in args else ["--at", "x1=2,x2=5"]
        bad = invoke("trace", BAYDIN, *at, *args)
        assert bad.exit_code == 2 and message in bad.stderr, bad.output
        assert "Traceback" not in bad.output


def test_the_docs_page_is_the_commands_real_output():
    page = (Path(__file__).resolve().parent.parent / "docs" / "trace.md").read_text("utf-8")
    blocks = re.findall(r"```console\n\$ (.*?)\n(.*?)\n```", page, re.S)
    assert len(blocks) == 2 and "--numbering survey" in blocks[0][0]
    env = {**os.environ, "COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}
    for command, shown in blocks:
        args = [sys.executable, "-m", "diffx", *shlex.split(command)[1:]]
        out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        lines = [line.rstrip() for line in (out.stdout + out.stderr).rstrip().splitlines()]
        assert lines == shown.splitlines(), command
    assert "x̄1 = 5.5   x̄2 = 1.716" in _nfc(blocks[0][1])


# ------------------------------------------------------------------ random programs ------

EXPRESSIONS = expression_strategy(
    ["x", "y", "0.5", "2", "x", "y"],
    ["sin", "cos", "exp", "log", "sqrt", "tanh", "atan", "sigmoid", "softplus", "-"],
    max_leaves=6)
VALUES = st.sampled_from([0.3, 1.0, -1.0, 0.5, 2.0, -0.7, 3.0])


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b or \
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, VALUES, VALUES)
@example("sqrt((x) - (x))", 0.3, 0.3)  # the sweep's nan (inf - inf), forward mode's 0 reported
def test_traces_match_the_methods_on_random_programs(src, x, y):
    try:
        graph = diffx.parse(src)
    except diffx.DiffxError:
        return
    if not graph.inputs:  # ("exp(0.5)" mentions x)
        return
    at = {k: v for k, v in {"x": x, "y": y}.items() if k in graph.input_nodes}
    t = diffx.trace_table(graph, at=at, seed=graph.inputs[-1])
    if not all(math.isfinite(r.value) for r in t.primal):
        return  # undefined somewhere: the warnings say so (tested above)
    reverse = diffx.grad(graph, at=at, method="reverse")
    forward = diffx.grad(graph, at=at, method="forward", wrt=graph.inputs[-1])
    # where a method reports another value than its sweep's (recomputed in mpmath, or taken
    # from the other mode where inf - inf cancelled), a warning says so; rows keep the sweep's
    recovered = any("digit arithmetic" in w or "gives the value reported" in w
                    for w in t.warnings)
    adjoints = _by_label(t.adjoint, t)
    for w in graph.inputs:
        assert _close(t.gradient[w], reverse.gradient[w]), (src, w)
        if not recovered:
            assert _close(adjoints[w].value, reverse.gradient[w]), (src, w)
    assert _close(t.derivative, forward.gradient[graph.inputs[-1]]), src
    if not recovered:
        assert _close(t.tangent[-1].value, forward.gradient[graph.inputs[-1]]), src
    # every row is what its terms say: Σ flow × local partial
    for row in t.adjoint + [r for r in t.tangent if r.terms]:
        products = [term.flow * term.partial_value for term in row.terms]
        if row.terms and all(map(math.isfinite, products)):  # (0 × ∞ is the sweep's 0)
            total = math.fsum(products)
            assert math.isclose(row.value, total, rel_tol=1e-9, abs_tol=1e-12), (src, row)
    # the partial formulas name only the child's own arguments and the child itself
    for row in t.adjoint:
        for term in row.terms:
            nodes = {p.node for p in term.partial if isinstance(p, Sym)}
            assert nodes <= set(graph.args(term.child)) | {term.child}, (src, term)
            assert not any(isinstance(p, Partial) for p in term.partial)
    assert re.search(r"\S", present.markdown(t))
