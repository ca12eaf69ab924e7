"""The LaTeX that ``diffx trace``, ``diffx steps`` and ``diffx quiz`` print compiles.

Each program's trace tables (both numberings), derivation (DAG and tree form) and quizzes
(every kind of blank) go into one ``article`` with no package but graphicx, which pdflatex
compiles with ``-halt-on-error``; the log must then have no missing character (a glyph the
font lacks is dropped silently, so a wrongly escaped character shows up there). The programs
include Baydin et al.'s survey example and names and comments that are hostile to LaTeX
(underscores, ``#``, ``%``, ``&``, ``$``, ``~``, ``^``, braces, backslashes, ``²``, ``π``,
``√``, ``·``, ``×``, ``−``).

Skipped when pdflatex is absent, unless ``DIFFX_REQUIRE_LATEX=1`` (CI sets it), when its
absence is a failure.
"""

import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest

import diffx
from diffx.present import quiz as present_quiz
from diffx.present import steps as present_steps
from diffx.present import trace as present_trace

PDFLATEX = shutil.which("pdflatex")
if PDFLATEX is None and os.environ.get("DIFFX_REQUIRE_LATEX") != "1":
    pytest.skip("pdflatex is not installed (DIFFX_REQUIRE_LATEX=1 makes this a failure)",
                allow_module_level=True)

BAYDIN = "v1 = log(x1); v2 = x1*x2; v3 = sin(x2); v4 = v1 + v2; y = v4 - v3"
PROGRAMS = {
    "baydin": (BAYDIN, {"x1": 2, "x2": 5}),
    "baydin_expression": ("log(x1) + x1*x2 - sin(x2)", {"x1": 2, "x2": 5}),
    "route_sum": ("c = a + b; d = a * c", {"a": 4, "b": 3}),
    "underscores": ("h_1 = x_in * w__2 + b_\ny_hat = tanh(h_1)^2 / (1 + exp(-h_1))",
                    {"x_in": 0.5, "w__2": -1.5, "b_": 0.25}),
    "hostile_comment": ("# cost in $ & 100% of #items, ~x^2 {braces} back\\slash\n"
                        "cost_total = x_1*2 # 50% & $3\ny = cost_total^2 + x_1",
                        {"x_1": 1.5}),
    "unicode": ("u = π·x² − √x ÷ 3 × x⁻¹\ny = max(u, x) + sqrt(x)^3", {"x": 2}),
    "functions": ("z = sigmoid(a*w) + relu(a - w) + abs(w) + min(a, w)^0.5",
                  {"a": 1.25, "w": 0.5}),
    "tiny": ("1e-30*x + x^(-2)", {"x": 3}),
}
DOCUMENT = ("\\documentclass{article}\n\\usepackage{graphicx}\n\\begin{document}\n"
            "%s\n\\end{document}\n")


def _fragments(source: str, at: dict) -> list[str]:
    out = []
    for numbering in ("names", "survey"):
        t = diffx.trace_table(source, at=at, numbering=numbering)
        out.append(present_trace.latex(t))
    first = diffx.trace_table(source, at=at).inputs[0]
    for tree in (False, True):
        out.append(present_steps.latex(diffx.steps(source, wrt=first, tree=tree)))
    for kind in ("values", "partials", "adjoints", "trace", "gradient"):
        out.append(present_quiz.latex(diffx.quiz(source, at=at, blank=kind, seed=7)))
    return out


def _compile(tmp_path, body: str) -> str:
    if PDFLATEX is None:
        pytest.fail("DIFFX_REQUIRE_LATEX=1 but pdflatex is not installed")
    (tmp_path / "doc.tex").write_text(DOCUMENT % body, encoding="utf-8")
    try:
        res = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error",
                              "-no-shell-escape", "doc.tex"], cwd=tmp_path,
                             capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("pdflatex did not finish within 60 s")
    log = (tmp_path / "doc.log").read_text(encoding="latin-1") if (
        tmp_path / "doc.log").exists() else res.stdout.decode("latin-1")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert res.returncode == 0 and (tmp_path / "doc.pdf").exists(), \
        f"pdflatex failed: {errors}\n{log[-3000:]}"
    return log


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_latex_output_compiles(tmp_path, name):
    source, at = PROGRAMS[name]
    log = _compile(tmp_path, "\n\n".join(_fragments(source, at)))
    missing = re.findall(r"Missing character: There is no (.*)", log)
    assert not missing, f"characters the font does not have: {missing}"


def test_a_quiz_with_its_picture_compiles(tmp_path):
    raw = zlib.compress(b"\x00\xff\xff\xff")  # a 1x1 white PNG stands for the picture
    chunk = (lambda kind, data: struct.pack(">I", len(data)) + kind + data
             + struct.pack(">I", zlib.crc32(kind + data)))
    (tmp_path / "graph.png").write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    q = diffx.quiz(BAYDIN, at={"x1": 2, "x2": 5}, blank="adjoints", seed=7)
    _compile(tmp_path, present_quiz.latex(q, "graph.png"))


def test_a_failing_document_fails(tmp_path):
    """The harness itself: an undefined command is an error, not a pass."""
    with pytest.raises(AssertionError, match="pdflatex failed"):
        _compile(tmp_path, "\\undefinedcommand")


def test_hostile_text_is_escaped_not_dropped():
    """The comment's specials reach the quiz escaped (and the pdf, by the test above)."""
    source, at = PROGRAMS["hostile_comment"]
    text = present_quiz.latex(diffx.quiz(source, at=at, blank="values"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("%"))
    for raw, escaped in (("$ &", "\\$ \\&"), ("100%", "100\\%"), ("#items", "\\#items")):
        assert escaped in body, (raw, body)


def test_every_special_character_of_text_mode_compiles(tmp_path):
    from diffx.tex_text import tex_text

    text = "# $ % & ~ _ ^ \\ { } < > | \" π·x² − √x ÷ 3 × x⁻¹ … ½ ∂ Σ ∞ ≤ ≥ café naïve 中"
    log = _compile(tmp_path, tex_text(text) + "\n\n\\texttt{" + tex_text(text) + "}")
    assert not re.findall(r"Missing character: There is no (.*)", log)
    assert tex_text("中") == "[U+4E2D]" and tex_text("é") == "\\'{e}"


@pytest.mark.skipif(shutil.which("dot") is None, reason="drawing a .pdf needs Graphviz's dot")
def test_diffx_quiz_latex_with_a_pdf_picture_compiles(tmp_path):
    from conftest import invoke

    res = invoke("quiz", BAYDIN, "--at", "x1=2,x2=5", "--format", "latex", "--picture",
                 str(tmp_path / "graph.pdf"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "graph.pdf").read_bytes().startswith(b"%PDF")
    _compile(tmp_path, res.stdout.replace(str(tmp_path / "graph.pdf"), "graph.pdf"))


def test_a_latex_quiz_refuses_an_svg_picture(tmp_path):
    from conftest import invoke

    res = invoke("quiz", BAYDIN, "--at", "x1=2,x2=5", "--format", "latex", "--picture",
                 str(tmp_path / "graph.svg"))
    assert res.exit_code == 2 and "pdflatex includes a .pdf or .png picture" in res.stderr
