"""Notebook display: the package registers IPython formatters for graphs and results; the
model has no display hooks of its own.

A fake shell stands in for IPython (its formatters record ``for_type``); where IPython is
installed the real shell is driven too, in a fresh interpreter.
"""

import subprocess
import sys
import types
from pathlib import Path

import pytest

import diffx
from diffx.check import CheckReport
from diffx.swell import SwellTable

ROOT = Path(__file__).resolve().parent.parent
SEED = "c = a + b; d = a * c"  # ∂d/∂a = c + a = 2a + b = 11, ∂d/∂b = a = 4 at a=4, b=3
MIMES = ("image/svg+xml", "text/html", "text/plain")


class FakeFormatter:
    def __init__(self):
        self.printers = {}

    def for_type(self, cls, func):
        self.printers[cls] = func


class FakeShell:
    def __init__(self):
        self.display_formatter = types.SimpleNamespace(
            formatters={mime: FakeFormatter() for mime in MIMES})

    def printer(self, mime, obj):
        return self.display_formatter.formatters[mime].printers.get(type(obj))


class FakePretty:
    """IPython's pretty printer, as far as a for_type printer uses it."""

    def __init__(self):
        self.out = []

    def text(self, s):
        self.out.append(s)


@pytest.fixture
def shell(monkeypatch):
    """A running fake IPython: ``IPython.get_ipython()`` gives the shell."""
    fake = FakeShell()
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: fake
    monkeypatch.setitem(sys.modules, "IPython", module)
    diffx._register_notebook_display()
    return fake


def _run(code):
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_model_has_no_display_hooks():
    for cls in (diffx.Graph, diffx.Gradient, diffx.Report, CheckReport, SwellTable):
        assert not [a for a in vars(cls) if a.startswith("_repr_")], cls


def test_importing_diffx_outside_ipython_registers_nothing_and_loads_no_ipython():
    out = _run("import sys, diffx; print('IPython' in sys.modules, "
               "'diffx.present.notebook' in sys.modules)")
    assert out.split() == ["False", "False"]


def test_importing_diffx_with_ipython_loaded_but_no_shell_registers_nothing(monkeypatch):
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: None
    monkeypatch.setitem(sys.modules, "IPython", module)
    diffx._register_notebook_display()  # nothing to register with: no error


def test_graphs_and_gradients_show_as_pictures(shell, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)  # without the system's Graphviz
    graph = diffx.parse(SEED)
    svg = shell.printer("image/svg+xml", graph)(graph)
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!--")) and "<svg" in svg
    g = diffx.grad(SEED, at={"a": 4, "b": 3}, wrt="a")
    assert "∂d/∂a = 11" in shell.printer("image/svg+xml", g)(g)
    report = diffx.grad_all(SEED, at={"a": 4, "b": 3}, wrt="a")
    assert "∂d/∂a = 11" in shell.printer("image/svg+xml", report)(report)
    too_big = diffx.parse(" + ".join(f"x{i}" for i in range(400)))
    assert shell.printer("image/svg+xml", too_big)(too_big) is None  # the plain repr then
    # pictures only: no table stands in for a graph
    assert shell.printer("text/html", graph) is None and shell.printer("text/plain", g) is None


def test_compare_shows_its_table(shell):
    c = diffx.compare(SEED, at={"a": 4, "b": 3})
    html = shell.printer("text/html", c)(c)
    assert html.startswith("<pre") and html.rstrip().endswith("</pre>")
    assert "∂d/∂a" in html and "∂d/∂b" in html and "(reference)" in html
    pretty = FakePretty()
    shell.printer("text/plain", c)(c, pretty, False)
    lines = pretty.out[0].splitlines()
    assert lines[0] == SEED and lines[1].startswith("at a=4, b=3   d = 28")
    reverse = next(line for line in lines if line.split("│")[0].strip() == "reverse")
    assert [cell.strip() for cell in reverse.split("│")[1:3]] == ["11", "4"]
    assert len(lines) == 2 + 2 + len(c.rows)  # title, point, header, rule, a row per variant


def test_check_shows_its_verdict(shell):
    good = diffx.check("x^2", at={"x": 3}, claims={"x": "2*x"})
    bad = diffx.check("x^2", at={"x": 3}, claims={"x": "3*x"})  # 9, where d/dx x² = 6
    pretty = FakePretty()
    shell.printer("text/plain", good)(good, pretty, False)
    shell.printer("text/plain", bad)(bad, pretty, False)
    assert "PASS: the worst input is x" in pretty.out[0]
    row = next(line for line in pretty.out[1].splitlines() if line.startswith(" x "))
    assert [cell.strip() for cell in row.split("│")[1:4]] == ["9", "6", "6"]
    assert row.rstrip().endswith("FAIL") and "FAIL: the worst input is x" in pretty.out[1]
    html = shell.printer("text/html", bad)(bad)
    assert "FAIL" in html and "color" in html  # the verdict keeps its colour


def test_swell_shows_its_table_and_formulas(shell):
    table = diffx.swell("logistic", n="1..3")
    pretty = FakePretty()
    shell.printer("text/plain", table)(table, pretty, False)
    text = pretty.out[0]
    rows = [line.split("│") for line in text.splitlines() if line[:3].strip() in "123"
            and "│" in line]
    assert [int(r[0]) for r in rows] == [1, 2, 3]
    assert [int(r[3]) for r in rows] == [1, 2, 4]  # routes: 2^(n-1)
    # l3 = 4 l2 (1 - l2), l2 = 4x(1 - x): d l3/dx = 16 (1 - 2x)(1 - 8x + 8x²)
    assert "n = 3: d/dx = 16(1 - 10x + 24x^2 - 16x^3)" in text
    assert "16(1 - 10x + 24x^2 - 16x^3)" in shell.printer("text/html", table)(table)


def test_html_escapes_what_the_user_wrote(shell):
    # a name the text table shows as written must not become markup in the notebook
    c = diffx.check(lambda x: x[0] ** 2, lambda x: [2 * x[0]], at=[3.0])
    c.what = "<b>f</b> & g"
    html = shell.printer("text/html", c)(c)
    assert "&lt;b&gt;f&lt;/b&gt; &amp; g" in html and "<b>" not in html


def test_load_ext_registers_the_same_display():
    fake = FakeShell()
    diffx.load_ipython_extension(fake)
    assert set(fake.display_formatter.formatters["image/svg+xml"].printers) == {
        diffx.Graph, diffx.Gradient, diffx.Report}
    for mime in ("text/html", "text/plain"):
        assert set(fake.display_formatter.formatters[mime].printers) == {
            diffx.Report, CheckReport, SwellTable}


def test_a_real_ipython_shell_shows_diffx_objects():
    pytest.importorskip("IPython")
    out = _run(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "import diffx\n"  # imported inside the running shell: registers itself
        "fmt = shell.display_formatter.format\n"
        "data, _ = fmt(diffx.parse('c = a + b; d = a * c'))\n"
        "print(sorted(data), '<svg' in data['image/svg+xml'])\n"
        "data, _ = fmt(diffx.check('x^2', at={'x': 3}, claims={'x': '2*x'}))\n"
        "print(sorted(data), data['text/plain'].splitlines()[-1])\n"
        "data, _ = fmt(diffx.grad('x*y', at={'x': 2, 'y': 5}))\n"
        "print(sorted(data))\n")
    lines = out.splitlines()
    assert lines[0] == "['image/svg+xml', 'text/plain'] True"
    assert lines[1] == ("['text/html', 'text/plain'] "
                        "PASS: the worst input is x, relative error 0.0e+00 (claim vs reverse) "
                        "≤ 1e-06")
    assert lines[2] == "['image/svg+xml', 'text/plain']"


def test_grad_alls_report_reads_as_diffx_grad_prints_it_for_vectors_and_several_outputs():
    from oracle_vectors import MLP, POINT, mlp_backprop

    from diffx.present import notebook

    text = notebook.text(diffx.grad_all(MLP, at=POINT))
    value, grads, _ = mlp_backprop(POINT)
    assert f"L = {value:.15g}" in text and "∂L/∂W1  shape (2, 2)" in text
    assert f"{grads['b2'][0]:.6g}" in text  # -0.424761, the hand-written backprop's
    jac = notebook.text(diffx.grad_all("y1 = x^2*z; y2 = x^3", of=["y1", "y2"],
                                       at={"x": 2, "z": 3}))
    rows = [line.split() for line in jac.splitlines() if line.strip().startswith("∂y")]
    assert rows == [["∂y1", "12", "4"], ["∂y2", "12", "0"]]  # 2xz, x^2; 3x^2, 0 at (2, 3)
