"""What a newcomer to the teaching commands ran into: a quiz picture that gave an answer
away, vector programs in trace and quiz, an edited point in a quiz file, formula answers to
a gradient quiz, feedback wording, printing a table or a derivation, and ``ln``."""

from __future__ import annotations

import re

import pytest

import diffx
from diffx.errors import DiffxError
from diffx.present import quiz as present
from diffx.present.dot import _value
from diffx.quiz import KINDS, quiz

from conftest import invoke

PROGRAMS = [
    ("c = a + b; d = a * c", {"a": 4, "b": 3}),
    ("y = a * b", {"a": 4, "b": 3}),
    ("v = sin(x) * y; w = v + exp(x)", {"x": 0.5, "y": 2}),
    ("v1 = log(x1); v2 = x1*x2; v3 = sin(x2); v4 = v1 + v2; y = v4 - v3", {"x1": 2, "x2": 5}),
]


def _labels(dot: str) -> tuple[list[str], list[str]]:
    """The labels of the operations and edges (the inputs' labels are the given point)."""
    inputs = re.findall(r'(n\d+) \[label="[^"]*" color="#3b73b9"', dot)
    ops, edges = [], []
    for line in dot.splitlines():
        m = re.search(r'label="((?:[^"\\]|\\.)*)"', line)
        if not m or line.strip().startswith("graph"):
            continue
        if "->" not in line and line.strip().startswith(tuple(f"{n} " for n in inputs)):
            continue
        (edges if "->" in line else ops).append(m.group(1))
    return ops, edges


@pytest.mark.parametrize("source,at", PROGRAMS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_quiz_picture_gives_no_blank_away(source, at, kind):
    q = quiz(source, at=at, blank=kind, seed=7)
    ops, edges = _labels(present.picture_bytes(q, "dot").decode())
    given_primal = kind not in ("values", "trace")  # the exercise prints the primal trace
    values = {_value(r.value) for r in q.table.primal} if given_primal else set()
    for b in q.blanks:
        asked = b.formula if b.formula is not None else _value(b.value)
        if asked in values:
            continue  # the same number is a given of the exercise
        # an edge's formula (``∂w/∂v = 1``) is the program's own, given unless partials
        # are asked; its number below it is never drawn
        skip = 0 if kind in ("partials", "trace") else 1
        shown = [(label, skip) for label in edges]
        shown += [] if given_primal else [(label, 0) for label in ops]
        for label, first in shown:
            lines = [part.strip() for part in label.split("\\n")][first:]
            assert all(not line.endswith(f"= {asked}") for line in lines), (b.key, label)
        assert not any("∂" in op for op in ops)  # no adjoints on the nodes


def test_the_values_quiz_picture_of_the_report():
    q = quiz("c = a + b; d = a * c", at={"a": 4, "b": 3}, blank="values", seed=7)
    dot = present.picture_bytes(q, "dot").decode()
    assert "= 7" not in dot and "= 28" not in dot
    assert "∂d/∂a = c" in dot  # the formulas stay: they give no number away


def _exercise(fmt: str) -> tuple[str, object]:
    q = quiz("c = a + b; d = a * c", at={"a": 4, "b": 3}, blank="adjoints", seed=7)
    return (present.markdown(q) if fmt == "markdown" else present.latex(q)), q


@pytest.mark.parametrize("fmt,old,new", [
    ("markdown", "at a = 4, b = 3", "at a = 5, b = 3"),
    ("markdown", "| c | a + b | 7 |", "| c | a + b | 8 |"),
    ("latex", "at $a = 4, b = 3$", "at $a = 5, b = 3$"),
    ("latex", "$c$ & $= a + b$ & $7$", "$c$ & $= a + b$ & $8$"),
])
def test_an_edited_point_or_given_value_is_refused_with_its_line(fmt, old, new):
    from diffx.quiz_grade import load_quiz

    text, q = _exercise(fmt)
    assert load_quiz(text, "quiz.md").spec() == q.spec()  # untouched: read back
    lines = text.splitlines()
    where = next(k for k, line in enumerate(lines, 1) if line.startswith(old))
    edited = text.replace(old, new)
    with pytest.raises(DiffxError, match=rf"quiz\.md, line {where}: the point or table shown"):
        load_quiz(edited, "quiz.md")


BAYDIN = "v1 = log(x1); v2 = x1*x2; v3 = sin(x2); v4 = v1 + v2; y = v4 - v3"


def test_a_gradient_quiz_takes_a_formula_in_the_inputs():
    from diffx.quiz_grade import grade

    q = quiz(BAYDIN, at={"x1": 2, "x2": 5}, blank="gradient")
    # by hand: ∂y/∂x1 = 1/x1 + x2 = 5.5, ∂y/∂x2 = x1 - cos x2 = 2 - cos 5
    g = grade(q, {"dy/dx1": "1/x1 + x2", "dy/dx2": "x1 - cos(x2) + 1"})
    right, wrong = g.verdicts
    assert right.passed and "read as a formula in x1, x2: 5.5 at the point" in right.note
    assert not wrong.passed and "read as a formula" in wrong.note
    assert "2.71634 at the point, off by 0.58 relative (more than the tolerance 0.001)" in wrong.note
    g = grade(q, {"dy/dx1": "v2/x1 + 1/x1", "dy/dx2": "x1 - cos(x3)"})  # v2 = 10 there
    assert g.verdicts[0].passed
    assert not g.verdicts[1].passed and "x3 is not a name in the program" in g.verdicts[1].note
    assert present.feedback(g)[0].startswith("PASS  ∂y/∂x1 = v2/x1 + 1/x1 (read as a formula")


def test_the_feedback_words_a_relative_tolerance_and_a_json_null():
    from diffx.quiz_grade import grade, read_answers

    q = quiz("c = a + b; d = a * c", at={"a": 4, "b": 3}, blank="adjoints", seed=7)
    g = grade(q, {"b_bar": 5})
    assert "5 is off by 0.25 relative (more than the tolerance 0.001)" in present.feedback(g)[1]
    with pytest.raises(DiffxError, match="must be a number or text, not null$"):
        read_answers('{"b_bar": null}')
    with pytest.raises(DiffxError, match="not an array$"):
        read_answers('{"b_bar": [4]}')


def test_ln_reads_as_log():
    import math

    # Baydin et al.'s f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5): 11.652, ∂f/∂x1 = 5.5
    t = diffx.trace_table("y = ln(x1) + x1*x2 - sin(x2)", at={"x1": 2, "x2": 5})
    assert t.value == pytest.approx(math.log(2) + 10 - math.sin(5), rel=1e-15)
    assert t.gradient["x1"] == pytest.approx(5.5, rel=1e-15)
    assert diffx.steps("ln(x)").formula == "1/x"
    assert diffx.evaluate("ln + 1", at={"ln": 2}) == 3.0  # still a name when not called
    with pytest.raises(DiffxError, match="'ln' is not a function"):
        diffx.evaluate("y = ln*2 + ln(3)", at={"ln": 2})


def test_trace_takes_a_vector_program_through_its_scalar_expansion():
    # by hand: L = sum(W @ x) = Σᵢⱼ Wᵢⱼ xⱼ, so ∂L/∂Wᵢⱼ = xⱼ and ∂L/∂xⱼ = Σᵢ Wᵢⱼ
    t = diffx.trace_table("y = W @ x; L = sum(y)", at={"W": [[1, 2], [3, 4]], "x": [1, 1]})
    assert t.value == 10.0
    assert t.gradient == {"W[0,0]": 1.0, "W[0,1]": 1.0, "W[1,0]": 1.0, "W[1,1]": 1.0,
                          "x[0]": 4.0, "x[1]": 6.0}
    res = invoke("trace", "y = W @ x; L = sum(y)", "--at", "W=[[1,2],[3,4]], x=[1,1]",
                 "--seed", "W[1,0]", columns=200)
    assert res.exit_code == 0, res.output
    assert "x̄[1] = 6" in res.stdout and "∂L/∂W[1,0] = 1 by forward mode" in res.stdout


def test_quiz_refuses_a_vector_program_saying_why():
    with pytest.raises(DiffxError, match=r"quiz takes scalar programs; W is a matrix \(2×2\), "
                                         r"x is a vector \(2\)"):
        quiz("y = W @ x; L = sum(y)", at={"W": [[1, 2], [3, 4]], "x": [1, 1]})
    res = invoke("quiz", "y = W @ x; L = sum(y)", "--at", "W=[[1,2],[3,4]], x=[1,1]")
    assert res.exit_code == 2 and "quiz takes scalar programs; W is a matrix" in res.output
    assert "--shape" not in res.output


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def test_printing_a_trace_table_or_a_derivation_shows_what_the_cli_prints():
    t = diffx.trace_table(BAYDIN, at={"x1": 2, "x2": 5})
    cli = invoke("trace", BAYDIN, "--at", "x1=2,x2=5", columns=300)
    assert cli.exit_code == 0 and _lines(str(t)) == _lines(cli.stdout)
    assert "x̄1 = 5.5   x̄2 = 1.716" in str(t) and "TraceTable(" not in str(t)
    s = diffx.steps("x^2*sin(x)")
    cli = invoke("steps", "x^2*sin(x)", columns=300)
    assert cli.exit_code == 0 and _lines(str(s)) == _lines(cli.stdout)
    assert str(s).splitlines()[-3] == "d/dx (x^2*sin(x)) = x^2*cos(x) + 2*x*sin(x)"


@pytest.mark.parametrize("numbering", ["names", "survey"])
def test_baydins_latex_traces_fit_an_article_page(tmp_path, numbering):
    import shutil
    import subprocess

    from diffx.present import trace as present_trace

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    t = diffx.trace_table(BAYDIN, at={"x1": 2, "x2": 5}, numbering=numbering)
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\begin{document}\n"
                                      + present_trace.latex(t) + "\n\\end{document}\n",
                                      encoding="utf-8")
    res = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "doc.tex"], cwd=tmp_path, capture_output=True,
                         timeout=60)
    log = (tmp_path / "doc.log").read_text(encoding="latin-1")
    assert res.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log  # it was 18.6pt too wide
