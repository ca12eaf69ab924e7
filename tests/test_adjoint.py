"""The adjoint program (diffx.adjoint, ``diffx adjoint``): printed, parsed back and evaluated, it
gives the reverse sweep's gradient; the ``--emit python`` function gives the same numbers; the
kinks follow docs/conventions.md. References: hand-derived values, mpmath (tests/oracle.py)."""

from __future__ import annotations

import math
import random
import re
import shlex
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import diffx
from diffx import ops
from diffx.cli import app
from diffx.engine import forward
from diffx.ops import OPS
from oracle import Program, run_oracle

#: the adjoint program's partials against the reverse sweep: the same op-table values except
#: sigmoid' and atan', written sigmoid(x)*sigmoid(-x) and 1/(1 + x*x) (a few ulps apart)
REL = 1e-13
#: against the exact (mpmath) derivative
REL_EXACT = 1e-11

ISSUE_EXAMPLE = """\
# value and gradient of d with respect to a, b: the program the reverse sweep runs
c = a + b
d = a * c
d_bar = 1
a_bar = d_bar * c
c_bar = d_bar * a
a_bar2 = a_bar + c_bar
b_bar = c_bar
"""


def reparsed(adj: diffx.Adjoint, at: dict) -> tuple[float, dict]:
    """The printed program parsed back by diffx.parse and evaluated: value and partials."""
    g = diffx.parse(adj.text())
    # every statement: a program's forward pass stops at its output (the last statement)
    last = max(g.assigned.values())
    full = diffx.Graph(g.source, g.op, g.a, g.b, g._leaf, g.assigned, last, g.n_statements,
                       None)
    try:
        vals = forward(full, {k: float(v) for k, v in at.items()}, "math")
    except (ArithmeticError, ValueError):
        import numpy as np

        with np.errstate(all="ignore"):
            vals = forward(full, {k: np.float64(v) for k, v in at.items()}, "numpy")
    return (float(vals[g.assigned[adj.value]]),
            {w: float(vals[g.assigned[n]]) for w, n in adj.partials.items()})


def emitted(adj: diffx.Adjoint, at: dict) -> tuple[float, dict]:
    """The ``--emit python`` function, executed here (diffx itself never executes text)."""
    space: dict = {}
    exec(adj.python("f"), space)  # noqa: S102 - the test runs the generated code on purpose
    return space["f"](**{k: float(v) for k, v in at.items()})


def same(got: float, want: float, rel: float = REL) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    return got == pytest.approx(want, rel=rel, abs=rel * 1e-3)


# ---------------------------------------------------------------- the issue's example

def test_issue_example_text_and_values():
    result = CliRunner().invoke(app, ["adjoint", "c = a + b; d = a * c"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(ISSUE_EXAMPLE)
    assert result.output.endswith("# 8 nodes, the original has 4: 2.00 times its size\n")
    adj = diffx.adjoint("c = a + b; d = a * c")
    # by hand: d = a(a + b), dd/da = 2a + b = 11, dd/db = a = 4 at a=4, b=3
    assert reparsed(adj, {"a": 4, "b": 3}) == (28.0, {"a": 11.0, "b": 4.0})
    assert emitted(adj, {"a": 4, "b": 3}) == (28.0, {"a": 11.0, "b": 4.0})
    assert adj.partials == {"a": "a_bar2", "b": "b_bar"}
    assert adj.graph.unused == [] and adj.graph.unused_warning() is None


def test_wrt_limits_the_partials_and_an_unused_input_gets_zero():
    adj = diffx.adjoint("c = a + b; d = a * c", wrt="b")
    assert adj.partials == {"b": "b_bar"}
    assert reparsed(adj, {"a": 4, "b": 3})[1] == {"b": 4.0}
    adj = diffx.adjoint("y = 2 + 0*x; z = y", wrt="x")  # x's route has partial 0 * 1
    value, grad = reparsed(adj, {"x": 5})
    assert (value, grad) == (2.0, {"x": 0.0})
    assert emitted(diffx.adjoint("3"), {}) == (3.0, {})


# ---------------------------------------------------------------- every op of the table

def _call(op: ops.Op, args: list[str]) -> str:
    if op.name == "neg":
        return f"-({args[0]})"
    if op.symbol:
        return f"({args[0]}) {op.symbol} ({args[1]})"
    return f"{op.name}({', '.join(args)})"


def _ast(op: ops.Op, args: list[tuple]) -> tuple:
    if op.name == "neg":
        return ("neg", args[0])
    if op.symbol:
        return ("op", op.symbol, *args)
    return ("fn", op.name, *args)


def _point(op: ops.Op, rng: random.Random) -> dict:
    if op.name in ("log", "sqrt", "pow", "acos", "asin"):  # x and x*y inside the domain
        return {"x": rng.uniform(0.05, 0.95), "y": rng.uniform(0.05, 0.95)}
    return {"x": rng.uniform(-0.95, 0.95), "y": rng.uniform(-2, 2)}


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_every_op_agrees_with_reverse_python_and_mpmath(op):
    rng = random.Random(op.name)
    # the op on the inputs themselves, and on intermediates that share an input (so each
    # input gets two contributions and its adjoint is a sum)
    for args, asts in ((["x", "y"][: op.arity], [("in", "x"), ("in", "y")][: op.arity]),
                       (["x * y", "y"][: op.arity],
                        [("op", "*", ("in", "x"), ("in", "y")), ("in", "y")][: op.arity])):
        source = f"f = {_call(op, args)} + y"
        adj = diffx.adjoint(source)
        program = Program(adj.original.inputs,
                          [("f", ("op", "+", _ast(op, asts), ("in", "y")))])
        for _ in range(4):
            at = _point(op, rng)
            at = {k: v for k, v in at.items() if k in adj.original.inputs}
            want = diffx.grad(source, at=at).gradient
            value, got = reparsed(adj, at)
            assert value == pytest.approx(diffx.evaluate(source, at=at), rel=1e-15)
            py_value, py_got = emitted(adj, at)
            assert py_value == value
            exact = run_oracle(program, at).exact.gradient
            for w in adj.original.inputs:
                assert same(got[w], want[w]), (source, at, w, got, want)
                assert py_got[w] == got[w], (source, at, w)
                assert same(got[w], float(exact[w]), REL_EXACT), (source, at, w)


@pytest.mark.parametrize("source, at", [
    ("x^y", {"x": 0, "y": 0}),      # 0^0: d/dx is 0 (y = 0, not 0 * inf), d/dy = 1*log(0)
    ("x^y", {"x": 0, "y": 2}),      # d/dy: x^y = 0, the limit 0, not 0 * -inf
    ("x^y", {"x": -2, "y": 3}),     # d/dy: a negative base has no power near 3: nan
    ("x^y", {"x": 2.5, "y": 0}),
    ("x^y", {"x": 0, "y": 1}),
    ("2^x + 0^x", {"x": 1}),        # constant bases
    ("x^0 + x^1 + x^-1 + x^0.5", {"x": 4}),  # constant exponents
    ("tanh(x)", {"x": 400}),        # sech^2 past cosh's overflow: 0
    ("sigmoid(x)", {"x": -745}),    # the tail
])
def test_power_and_tail_edges_match_the_op_table(source, at):
    adj = diffx.adjoint(source)
    with warnings.catch_warnings():  # the reverse method's nan and kink warnings
        warnings.simplefilter("ignore")
        want = diffx.grad(source, at=at).gradient
    got = reparsed(adj, at)[1]
    assert got.keys() == want.keys()
    for w in got:
        assert same(got[w], want[w]), (source, at, w, got, want)


# ---------------------------------------------------------------- kinks (docs/conventions.md)

@pytest.mark.parametrize("source, at, expected", [
    ("relu(x)", {"x": 0.0}, {"x": 0.0}),                    # relu'(0) = 0
    ("relu(x)", {"x": 5e-324}, {"x": 1.0}),                 # the smallest positive double
    ("relu(x)", {"x": -5e-324}, {"x": 0.0}),
    ("abs(x)", {"x": 0.0}, {"x": 0.0}),                     # abs'(0) = 0
    ("abs(x)", {"x": -5e-324}, {"x": -1.0}),
    ("abs(x)", {"x": 1e300}, {"x": 1.0}),                   # the scaling overflows to inf: 1
    ("max(x, y)", {"x": 2.0, "y": 2.0}, {"x": 0.5, "y": 0.5}),  # a tie splits 1/2 each
    ("min(x, y)", {"x": 2.0, "y": 2.0}, {"x": 0.5, "y": 0.5}),
    ("max(x, y)", {"x": 2.0, "y": 2.0 + 2**-51}, {"x": 0.0, "y": 1.0}),
    ("min(x, y)", {"x": -1e308, "y": 1e308}, {"x": 1.0, "y": 0.0}),  # x - y overflows
    ("max(x, x)", {"x": 3.0}, {"x": 1.0}),                  # no kink: 1/2 + 1/2
])
def test_kinks_follow_the_conventions(source, at, expected):
    adj = diffx.adjoint(source)
    assert reparsed(adj, at)[1] == expected
    assert emitted(adj, at)[1] == expected
    assert adj.evaluate(at)[1] == expected
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert diffx.grad(source, at=at).gradient == expected


# ---------------------------------------------------------------- size and depth

def logistic(steps: int) -> str:
    return "\n".join(f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(steps))


def test_logistic_map_of_ten_thousand_steps_builds_without_recursion():
    steps = 10_000
    source = logistic(steps)
    adj = diffx.adjoint(source)
    assert adj.graph.size <= 4 * adj.original.size
    assert adj.ratio == adj.graph.size / adj.original.size
    value, grad = adj.evaluate({"l0": 0.3})
    assert value == diffx.evaluate(source, at={"l0": 0.3})
    # the slope doubles on average at every step: 2^10000 overflows, as in the reverse sweep
    assert not math.isfinite(grad["l0"])
    text = adj.text()
    assert "l0_bar" in text and text.count("\n") > 3 * steps
    assert reparsed(adj, {"l0": 0.3})[0] == value


def test_logistic_map_gradient_by_hand():
    steps = 40
    adj = diffx.adjoint(logistic(steps))
    value, grad = reparsed(adj, {"l0": 0.3})
    # by hand: d l_{k+1} / d l_k = 4 - 8 l_k, multiplied along the orbit
    lk, slope = 0.3, 1.0
    for _ in range(steps):
        lk, slope = 4 * lk * (1 - lk), slope * (4 - 8 * lk)
    assert value == lk  # the same float operations
    assert grad["l0"] == pytest.approx(slope, rel=1e-12)
    # 40 chaotic steps double the float orbit's rounding error at each step, so the float
    # slope is some 5e-5 off: diffx.grad's value audit finds it and reports the slope along
    # the exact orbit (mpmath), with a warning
    import mpmath

    with mpmath.workdps(80):
        lk, exact_slope = mpmath.mpf(0.3), mpmath.mpf(1)
        for _ in range(steps):
            lk, exact_slope = 4 * lk * (1 - lk), exact_slope * (4 - 8 * lk)
    reported = diffx.grad(logistic(steps), at={"l0": 0.3})
    assert reported["l0"] == pytest.approx(float(exact_slope), rel=1e-12)
    assert any("ill-conditioned" in w for w in reported.warnings)


def test_size_is_reported_against_the_original():
    result = CliRunner().invoke(app, ["adjoint", "sin(x)*x"])
    assert result.exit_code == 0
    adj = diffx.adjoint("sin(x)*x")
    # x, sin(x), f and: f_bar = 1, sin_bar = f_bar*x, x_bar = f_bar*v1, x_bar2 = .. + .. * cos(x)
    assert (adj.original.size, adj.graph.size) == (3, 9)
    assert result.output.splitlines()[-1] == "# 9 nodes, the original has 3: 3.00 times its size"


# ---------------------------------------------------------------- the command

def test_cli_emit_python_is_a_standalone_function():
    result = CliRunner().invoke(app, ["adjoint", "y = sigmoid(w*x + b)", "--emit", "python",
                                      "--wrt", "w,b"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "import math" in text and "diffx" not in text.replace("diffx adjoint", "")
    space: dict = {}
    exec(text, space)  # noqa: S102
    value, grad = space["y_and_gradient"](w=0.5, x=2.0, b=-0.25)
    s = 1 / (1 + math.exp(-0.75))
    assert value == pytest.approx(s, rel=1e-15)
    assert grad == pytest.approx({"w": s * (1 - s) * 2.0, "b": s * (1 - s)}, rel=1e-14)


def test_python_names_that_are_keywords_or_math_are_renamed():
    adj = diffx.adjoint("lambda + math*abs(lambda)")
    space: dict = {}
    exec(adj.python("f"), space)  # noqa: S102
    assert space["f"](3.0, -2.0) == (-3.0, {"lambda": -1.0, "math": 3.0})


def test_cli_bad_input_is_a_message():
    result = CliRunner().invoke(app, ["adjoint", "x +"])
    assert result.exit_code == 2 and "error" in result.output
    result = CliRunner().invoke(app, ["adjoint", "x^2", "--wrt", "z"])
    assert result.exit_code == 2 and "not an input" in result.output


def test_docs_page_shows_real_output():
    text = (Path(__file__).resolve().parent.parent / "docs" / "adjoint.md").read_text("utf-8")
    blocks = re.findall(r"```console\n\$ diffx (.+?)\n(.*?)```", text, re.S)
    assert len(blocks) == 4
    for command, shown in blocks:
        result = CliRunner().invoke(app, shlex.split(command))
        assert result.exit_code == 0, command
        assert result.output == shown, command


def test_a_helper_without_an_exact_form_is_an_error_not_a_guess(monkeypatch):
    from diffx.adjoint import HELPERS

    monkeypatch.delitem(HELPERS, "datan")
    with pytest.raises(diffx.DiffxError, match=r"partial of atan \(datan\(x\)\).*no exact"):
        diffx.adjoint("atan(x)")


def test_names_never_collide_with_the_programs_own():
    source = "a_bar = a*2; v1 = a_bar + a; y = sin(v1) * a"
    adj = diffx.adjoint(source)
    names = [st.name for st in adj.statements]
    assert len(names) == len(set(names))
    at = {"a": 0.7}
    assert reparsed(adj, at)[1] == diffx.grad(source, at=at).gradient
    assert emitted(adj, at)[1] == diffx.grad(source, at=at).gradient


@pytest.mark.parametrize("source, at, expected", [
    ("y = x", {"x": 2.0}, (2.0, {"x": 1.0})),
    ("x", {"x": 2.0}, (2.0, {"x": 1.0})),
    ("y = 2; z = y*x", {"x": 3.0}, (6.0, {"x": 2.0})),
    ("z = q*0 + 5", {"q": 3.0}, (5.0, {"q": 0.0})),
])
def test_small_programs(source, at, expected):
    adj = diffx.adjoint(source)
    assert reparsed(adj, at) == expected
    assert emitted(adj, at) == expected
