"""Python functions traced into Graphs (``diffx.trace``) and accepted wherever source text is.

Oracles: mpmath derivatives (at 30 digits) of the function written out by hand for the branch
taken, the micrograd lecture's hand-derived values, and the Graph a diffx program gives for
the same computation.
"""

from __future__ import annotations

import inspect
import math
import sys

import mpmath
import numpy as np
import pytest

import diffx
from diffx.tracer import COMPARISONS, UFUNC_OPS, TraceError

from conftest import invoke

METHODS = ["symbolic", "numeric", "reverse", "forward"]
REL = 1e-12  # symbolic, reverse and forward against mpmath
REL_NUMERIC = 1e-7  # central differences against mpmath


def issue_f(x, y):
    for _ in range(3):
        x = np.sin(x) * y + x
    return x * y if x > 0 else -x


def line_of(fn, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if text in line)


def same_graph(g, h) -> bool:
    """Whether g and h are one graph up to the numbering of their nodes: each node of g is
    found in h by its op and (mapped) arguments, by its input name or by its constant value,
    and the outputs correspond."""
    def key(graph, i, mapped):
        if graph.is_input(i):
            return ("input", graph.input_name(i))
        if graph.is_const(i):
            return ("const", graph.const_value(i))
        return (graph.op[i], *(mapped[a] for a in graph.args(i)))

    in_h: dict = {}
    for i in range(h.size):
        in_h.setdefault(key(h, i, list(range(h.size))), i)
    mapped: list[int] = []
    for i in range(g.size):
        found = in_h.get(key(g, i, mapped))
        if found is None:
            return False
        mapped.append(found)
    return g.size == h.size and mapped[g.output] == h.output


def mp_grad(fn, point: dict[str, float]) -> dict[str, float]:
    """∂fn/∂(each input) by mpmath's numerical differentiation at 30 digits."""
    names = list(point)
    with mpmath.workdps(30):
        out = {}
        for k, name in enumerate(names):
            order = tuple(1 if j == k else 0 for j in range(len(names)))
            out[name] = float(mpmath.diff(fn, tuple(mpmath.mpf(point[n]) for n in names), order))
        return out


def unrolled(x, y, positive: bool):
    for _ in range(3):
        x = mpmath.sin(x) * y + x
    return x * y if positive else -x


@pytest.mark.parametrize("at, positive", [({"x": 0.3, "y": 2.0}, True),
                                          ({"x": -0.3, "y": 2.0}, False)])
def test_the_issue_example_agrees_with_mpmath_in_every_method(at, positive):
    x = at["x"]
    for _ in range(3):
        x = math.sin(x) * at["y"] + x
    assert (x > 0) is positive  # the branch each point takes
    want = mp_grad(lambda x, y: unrolled(x, y, positive), at)
    report = diffx.grad_all(issue_f, at=at, methods=METHODS)
    for method in METHODS:
        got = report.results[method].gradient
        tol = REL_NUMERIC if method == "numeric" else REL
        for name in at:
            assert got[name] == pytest.approx(want[name], rel=tol), (method, name)
    line = line_of(issue_f, "return x * y if x > 0")
    [warning] = [w for w in report.warnings if "branch" in w]
    assert f"line {line} of issue_f" in warning
    assert "`return x * y if x > 0 else -x`" in warning
    assert f"gave {positive}" in warning and f"x={at['x']}" in warning
    assert diffx.grad(issue_f, at=at).warnings[0] == warning  # one method alone says it too


def test_the_traced_graph_is_the_program_graph():
    g = diffx.trace(issue_f, x=0.3, y=2.0)
    assert g.inputs == ("x", "y") and g.output_name == "issue_f"
    program = diffx.parse(g.source)  # the same graph, with y's node made where first used
    assert program.inputs == g.inputs and same_graph(g, program)
    assert not same_graph(g, diffx.parse(g.source.replace("sin(t1)", "cos(t1)")))
    assert g.source.splitlines()[-1] == "issue_f = (sin(t2)*y + t2)*y"
    assert diffx.trace(lambda x, y: np.sin(x) * y + x, x=0.3, y=2.0).source == "sin(x)*y + x"
    # no branch: no warning
    assert diffx.trace(lambda x: x * x, x=1.0).warnings == []


def micrograd_l(a, b, c, f):
    e = diffx.name(a * b, "e1")
    d = diffx.name(e + c, "d")
    return d * f


def test_micrograd_lecture_l_is_minus_8():
    at = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
    g = diffx.trace(micrograd_l, **at)
    assert g.source == "e1 = a*b\nd = e1 + c\nmicrograd_l = d*f"
    assert diffx.evaluate(g, at=at) == -8.0
    report = diffx.grad_all(micrograd_l, at=at, methods=METHODS)
    for method in METHODS:
        assert report.results[method].gradient == pytest.approx(
            {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0}, rel=1e-9), method
    assert micrograd_l(2.0, -3.0, 10.0, -2.0) == -8.0  # name() leaves plain numbers alone


def test_micrograd_neuron_with_tanh():
    # the lecture's neuron: n = x1*w1 + x2*w2 + b, o = tanh(n) = 0.7071, do/dn = 0.5
    def neuron(x1, x2, w1, w2, b):
        return np.tanh(x1 * w1 + x2 * w2 + b)

    at = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    r = diffx.grad(neuron, at=at)
    assert r.value == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert r.gradient == pytest.approx({"x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0,
                                        "b": 0.5}, rel=1e-9, abs=1e-15)


MP = {"sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "exp": mpmath.exp,
      "log": mpmath.log, "sqrt": mpmath.sqrt, "tanh": mpmath.tanh, "sinh": mpmath.sinh,
      "cosh": mpmath.cosh, "arcsin": mpmath.asin, "arccos": mpmath.acos,
      "arctan": mpmath.atan, "absolute": abs, "fabs": abs, "negative": lambda x: -x,
      "add": lambda x, y: x + y, "subtract": lambda x, y: x - y,
      "multiply": lambda x, y: x * y, "divide": lambda x, y: x / y,
      "true_divide": lambda x, y: x / y, "power": lambda x, y: x ** y,
      "float_power": lambda x, y: x ** y, "maximum": max, "minimum": min}


@pytest.mark.parametrize("ufunc", sorted(u for u in UFUNC_OPS if hasattr(np, u)))
def test_numpy_ufuncs_trace_to_their_op(ufunc):
    fn = getattr(np, ufunc)
    at = {"x": 0.4, "y": 1.7}
    if fn.nin == 1:
        traced, oracle = (lambda x, y: fn(x) * y), (lambda x, y: MP[ufunc](x) * y)
    else:
        traced, oracle = (lambda x, y: fn(x, y)), MP[ufunc]
    g = diffx.trace(traced, **at)
    assert any(g.op_of(i) is not None and g.op_of(i).name == UFUNC_OPS[ufunc]
               for i in range(g.size))
    got = diffx.grad(g, at=at).gradient
    assert got == pytest.approx(mp_grad(oracle, at), rel=1e-10)


def test_numpy_scalars_constants_and_both_sides():
    def f(x):
        return np.float64(2.0) * x - 1 / x + 2 ** x - x ** 3 + abs(-x) + (+x) + np.square(x)

    x = 0.7
    want = 2 + 1 / x**2 + 2**x * math.log(2) - 3 * x**2 + 1 + 1 + 2 * x
    assert diffx.grad(f, at=x).gradient["x"] == pytest.approx(want, rel=1e-13)


def test_diffx_math_traces_and_computes():
    def f(x):
        return diffx.math.sigmoid(x) + diffx.math.relu(x) + diffx.math.max(x, 0.5)

    x = 0.3
    s = 1 / (1 + math.exp(-x))
    assert diffx.grad(f, at=x).gradient["x"] == pytest.approx(s * (1 - s) + 1, rel=1e-13)
    assert f(x) == pytest.approx(s + 0.3 + 0.5, rel=1e-15)  # on floats: the plain value
    assert set(diffx.ops.FUNCTIONS) <= set(dir(diffx.math))
    assert math.isnan(diffx.math.log(-1.0))
    assert np.allclose(diffx.math.exp(np.array([0.0, 1.0])), [1.0, math.e])


def test_an_unsupported_ufunc_names_itself_and_the_supported_ones():
    with pytest.raises(TraceError, match=r"np\.floor has no op.*np\.sin"):
        diffx.trace(lambda x: np.floor(x), x=1.5)


def test_math_sin_on_a_tracer_says_what_to_use():
    def f(x):
        return math.sin(x) * 2

    with pytest.raises(TraceError) as err:
        diffx.grad(f, at={"x": 0.5})
    text = str(err.value)
    assert f"line {line_of(f, 'math.sin')} of f" in text
    assert "np.sin(x)" in text and "diffx.math.sin(x)" in text
    with pytest.raises(TraceError, match="float"):
        diffx.trace(lambda x: float(x), x=1.0)
    with pytest.raises(TraceError, match="floor division"):
        diffx.trace(lambda x: x // 2, x=1.0)


@pytest.mark.parametrize("ufunc", sorted(COMPARISONS))
def test_numpy_comparisons_are_answered_and_recorded(ufunc):
    fn = getattr(np, ufunc)
    g = diffx.trace(lambda x: x * 2 if fn(x, 1.0) else x * 3, x=1.0)
    taken = getattr(np, ufunc)(1.0, 1.0)
    assert diffx.grad(g, at=1.0).gradient["x"] == (2.0 if taken else 3.0)
    assert f"{COMPARISONS[ufunc][0]} gave {bool(taken)}" in g.warnings[0]


def test_comparisons_in_a_loop_are_counted():
    def f(x):
        for _ in range(4):
            x = x - 1 if x > 1.5 else x * 3
        return x

    g = diffx.trace(f, x=2.0)  # 2 -> 1 -> 3 -> 2 -> 1: True, False, True, True
    [w] = g.warnings
    assert "True 3 times, False 1 times" in w
    assert diffx.grad(g, at=2.0).gradient["x"] == 3.0


LOGISTIC_STEPS = 10_000


def logistic(x):
    for _ in range(LOGISTIC_STEPS):
        x = 3.2 * x * (1 - x)
    return x


def test_a_long_loop_traces_without_recursion_to_the_program_graph():
    lines = ["x1 = 3.2*x*(1 - x)"] + [f"x{k + 1} = 3.2*x{k}*(1 - x{k})"
                                      for k in range(1, LOGISTIC_STEPS)]
    program = diffx.parse("\n".join(lines))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)  # no recursion in tracing or the sweep
    try:
        g = diffx.trace(logistic, x=0.3)
        got = diffx.grad(g, at={"x": 0.3}).gradient["x"]
    finally:
        sys.setrecursionlimit(limit)
    assert same_graph(g, program)
    assert got == diffx.grad(program, at={"x": 0.3}).gradient["x"]
    assert len(g.source.splitlines()) == LOGISTIC_STEPS  # one line per step: x is used twice


def test_bad_functions_give_clear_errors():
    with pytest.raises(TraceError, match="returned a tuple of 2 values"):
        diffx.trace(lambda x: (x, x), x=1.0)
    with pytest.raises(TraceError, match="returned str"):
        diffx.trace(lambda x: "x", x=1.0)
    with pytest.raises(TraceError, match=r"takes \*x"):
        diffx.trace(lambda *x: x[0], x=1.0)
    with pytest.raises(TraceError, match="raised ZeroDivisionError while being traced"):
        diffx.trace(lambda x: 1 // 0, x=1.0)
    with pytest.raises(TraceError, match="'e' of"):
        diffx.trace(lambda e: e, e=1.0)
    with pytest.raises(TraceError, match="it is a constant"):
        diffx.trace(lambda x: diffx.name(x * 2, "pi"), x=1.0)
    with pytest.raises(diffx.PointError, match="needs the point"):
        diffx.grad(lambda x: x)
    with pytest.raises(diffx.PointError, match="one point"):
        diffx.grad(lambda x: x, at={"x": [1.0, 2.0]})
    with pytest.raises(diffx.PointError, match="no value for input 'y'"):
        diffx.trace(lambda x, y: x * y, x=1.0)
    kept = diffx.trace(lambda x: x, x=1.0)
    old = []
    diffx.trace(lambda x: old.append(x) or x, x=1.0)
    with pytest.raises(TraceError, match="another trace"):
        diffx.trace(lambda x: x + old[0], x=1.0)
    assert kept.inputs == ("x",)


def test_defaults_stay_constants_unless_the_point_gives_them():
    def f(x, scale=3.0):
        return scale * x

    assert diffx.trace(f, x=2.0).inputs == ("x",)
    assert diffx.grad(f, at={"x": 2.0}).gradient == {"x": 3.0}
    assert diffx.grad(f, at={"x": 2.0, "scale": 3.0}).gradient == {"x": 3.0, "scale": 2.0}


def test_check_render_swell_and_compare_take_functions():
    def loss(w, b):
        z = diffx.name(w * 1.5 + b, "z")
        y = diffx.math.sigmoid(z)
        return 0.5 * (y - 1.0) ** 2

    at = {"w": 0.5, "b": 0.1}
    r = diffx.check(loss, at=at, claims={"b": "(sigmoid(z) - 1)*sigmoid(z)*(1 - sigmoid(z))"})
    assert r.passed
    assert not diffx.check(loss, at=at, claims={"b": "(sigmoid(z) - 1)*sigmoid(z)"}).passed
    assert diffx.check(lambda x: x * x, lambda x: 2 * x, at=3.0).passed  # callables stay
    assert "loss(w, b)" in diffx.render(loss, at=at).source
    row = diffx.swell(loss, at=at).rows[0]
    program = diffx.swell("z = w*1.5 + b; loss = 0.5*(sigmoid(z) - 1.0)^2").rows[0]
    assert (row.dag_nodes, row.routes, row.tree_nodes) == (12, 2, 12)  # counted by hand
    assert (row.dag_nodes, row.routes, row.count_ops) == (program.dag_nodes, program.routes,
                                                          program.count_ops)
    compared = diffx.compare(loss, at=at)
    assert compared.results["reverse"].gradient == pytest.approx(
        diffx.grad("z = w*1.5 + b; loss = 0.5*(sigmoid(z) - 1.0)^2", at=at).gradient,
        rel=1e-15)


MODEL = '''
import numpy as np
import diffx


def loss(w, b):
    y = diffx.math.sigmoid(w * 1.5 + b)
    return 0.5 * (y - 1.0) ** 2


def boom(x):
    raise ValueError("no such luck")


not_a_function = 3
'''


def test_cli_traces_a_function_in_the_users_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    y = 1 / (1 + math.exp(-(0.5 * 1.5 + 0.1)))
    db = (y - 1) * y * (1 - y)
    res = invoke("grad", f"{path}:loss", "--at", "w=0.5,b=0.1", "--json")
    assert res.exit_code == 0, res.output
    import json

    doc = json.loads(res.stdout)
    assert doc["results"]["reverse"]["gradient"]["b"] == pytest.approx(db, rel=1e-13)
    assert doc["results"]["reverse"]["gradient"]["w"] == pytest.approx(1.5 * db, rel=1e-13)
    for command in ("routes", "compare", "graph"):
        res = invoke(command, f"{path}:loss", "--at", "w=0.5,b=0.1")
        assert res.exit_code == 0, (command, res.output)
        assert "loss(w, b)" in res.output or "loss" in res.output


@pytest.mark.parametrize("target, message", [
    ("missing.py:loss", "no such file"),
    ("model.py:nope", "has no function 'nope' (its functions: boom, loss)"),
    ("model.py:boom", "boom raised ValueError while being traced (line 12 of boom, "
                      "model.py): no such luck"),
    ("model.py:not_a_function", "not a function"),
])
def test_cli_errors_for_functions_are_clear(tmp_path, target, message):
    (tmp_path / "model.py").write_text(MODEL)
    res = invoke("grad", str(tmp_path / target), "--at", "x=1")
    assert res.exit_code == 2 and message in res.output
    assert "Traceback" not in res.output


def test_cli_function_without_a_point_and_a_file_that_fails_to_import(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    res = invoke("grad", f"{tmp_path / 'model.py'}:loss")
    assert res.exit_code == 2 and "give --at a value for each parameter (w, b)" in res.output
    (tmp_path / "broken.py").write_text("x = 1\nraise RuntimeError('at import')\n")
    res = invoke("grad", f"{tmp_path / 'broken.py'}:f", "--at", "x=1")
    assert res.exit_code == 2 and "RuntimeError at line 2: at import" in res.output
    assert "Traceback" not in res.output


def test_printing_a_gradient_shows_its_warnings():
    """A derivative that may be wrong says so where a user looks: the printed result holds
    the traced branch's warning; a result without doubts prints without it."""
    at = {"x": 0.7, "y": 2.0}
    g = diffx.grad(issue_f, at=at)
    shown = repr(g)
    assert "warnings=" in shown and "branch" in shown and g.warnings[0] in shown
    assert "warnings=" not in repr(diffx.grad("x*y", at=at))


def _typed(x):
    if isinstance(x, (int, float)):
        return x * 2
    return x * 3


def test_a_function_that_tells_traced_values_from_numbers_is_said_to():
    # _typed(1.5) is 3 (its derivative 2); traced, it takes the other branch: 4.5 and 3
    got = diffx.grad(_typed, at={"x": 1.5}, method="reverse")
    assert any("gives 3 when called with numbers but 4.5 as traced" in w for w in got.warnings)
    plain = diffx.grad(lambda x, y: x * y + 1, at={"x": 1.5, "y": 2.0}, method="reverse")
    assert not any("as traced" in w for w in plain.warnings)


def test_a_ufunc_on_an_array_of_traced_values_traces_each_element():
    # np.exp(np.array([x, y])).sum(): its gradient is [e^x, e^y] (by hand); numpy called the
    # elements' exp method, which a tracer did not have
    def f(x, y):
        return np.exp(np.array([x, y])).sum() + np.sqrt(np.array([x, y]))[1]

    got = diffx.grad(f, at={"x": 1.0, "y": 4.0}, method="reverse")
    assert got["x"] == pytest.approx(math.e, rel=1e-15)
    assert got["y"] == pytest.approx(math.exp(4.0) + 0.25, rel=1e-15)  # + 1/(2 sqrt 4)
